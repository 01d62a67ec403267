// Package symantec simulates the Symantec / Broadcom Cloud SWG (WSS) APIs
// for tests, the demo and benchmarks: the access-log sync API, the list and
// download APIs, the admin audit download and the locations list. It is an
// independent witness: it is written from docs/symantec-cloud-swg-api.md
// and shares no code with the gatelog client.
//
// Emulated as documented:
//   - /reportpod/logs/{sync,list,download} take X-APIUsername/X-APIPassword;
//     /api/rest/audit/download and /api/rest/locations take HTTP Basic. A
//     valid credential of another role gets 403 naming the missing role
//     ("Reporting Access Logs", "Audit Logs").
//   - sync: startDate/endDate in epoch ms, endDate 0 = open-ended, token
//     "none" starts a session. 400 for bad numbers, a missing token, endDate
//     not after startDate, or endDate in the future. The answer is a ZIP of
//     cloud_<5-char instance>_<hour YYYYMMDDHHMMSS>.log.gz members with
//     Content-Disposition filename cloud_archive_<request time>.zip, then
//     the trailer "X-sync-token: <68 chars>\r\nX-sync-status: <s>\r\n".
//     "more" + new token while lines remain, "done" + new token when the
//     archive holds the last lines, "done" + the same token and a
//     trailer-only body (105 bytes) when nothing is new, "abort" with a
//     cut last member (AbortEvery, or an injected fault.Abort).
//   - 410 "token is no longer within the given dates or the token
//     references expired data" (the PDF's words) for unknown, expired
//     (ExpireTokens, an injected fault.Gone410) or too old tokens: TokenTTL,
//     default 24h as VULTURE saw; negative = no age limit.
//   - 423 "API access is blocked" (XSOAR) on /reportpod: BlockEvery, or an
//     injected fault.Locked423.
//   - 429 per customer (KB232689: across all clients and keys): a
//     /reportpod request sooner than MinInterval after the last served one
//     gets "Server failed to fulfill the request: unwilling to service the
//     client until a reasonable time has elapsed" with Retry-After in
//     seconds. On by default; an injected fault.Throttle429 gives the same
//     429 with the injector's Retry-After.
//   - Members are ELFF with per-member "#Fields:" (or "# Fields:"), values
//     quoted when they contain spaces, "-" for empty, date and time in UTC,
//     lines not strictly time ordered (SEKOIA). Text is ISO-8859-15
//     (RELAY), so a non-ASCII name is not valid UTF-8.
//   - One line per run is about 18,000 characters long (RELAY), by its
//     cs-uri-query (BigLineBytes, default 18000; negative = none).
//   - list needs the bare api flag and answers items[].date, the epoch-ms
//     hour id SEKOIA reads; download takes such ids, not dates.
//   - audit: YYYY-MM-DD dates, CSV or JSON, objectType/operationType
//     filters (the parameter names are the docs' guesses).
//
// Our decisions where the docs are silent:
//   - Check order: path, method (GET only), credentials, 423, 429, then
//     parameters and token (a 400 before a 410), then the archive (abort).
//     BlockEvery (counting authenticated /reportpod requests) and
//     MinInterval apply to sync, list and download alike.
//   - MinInterval defaults to 1s (DefaultMinInterval): the real threshold is
//     not published and real Retry-After values are around 5 minutes. It
//     applies to every /reportpod request, "more" follow-ups included, so a
//     client must honour Retry-After. It is measured from the last request
//     served (any answer after the 429 check, a 400 included); 401s, 423s
//     and 429s, injected ones included, do not restart it. Retry-After is
//     the time left, rounded up to whole seconds and at least 1, so a
//     client that waits it and then keeps the interval never meets another
//     429. The simulator has one access key, so "per customer" is per
//     Server.
//   - Injected vendor faults (package fault offers them; the handler
//     produces them with fault.Take, which counts them): Throttle429 on any
//     authenticated request, /api/rest included (JSON body there: the
//     policy APIs are rate-limited too, SWIMLANE, but their 429 is not
//     documented); Locked423 on authenticated /reportpod requests; Abort
//     on sync answers that carry data (not in HugeBytes mode); Gone410 on
//     sync requests with a live token, which is then dropped for good, as
//     a really expired token would be. An offer the request cannot take
//     (an abort on a list request) is served normally and not counted.
//   - Error bodies: plain text on /reportpod, {"status","message"} JSON on
//     /api/rest and for unknown paths (404). Basic on /reportpod and the
//     X-API headers on /api/rest are not accepted (401).
//   - A sync token stands for a position (hour, line index), not for a
//     date range: once a token is sent, startDate is ignored and the
//     request's own endDate bounds the answer, so both VULTURE's
//     startDate=0&endDate=0 and XSOAR's endDate=now work. A line is served
//     only if its log time is before endDate; the walk stops at the first
//     one that is not. startDate is floored to the hour, never refused.
//   - token=none always yields a new token, even with no data. A token
//     returned again ("done", same token) keeps its issue time, so a token
//     polled for longer than TokenTTL expires although it is in use. Tokens
//     stay valid after newer ones are issued, so a client that lost an
//     answer can replay its token.
//   - maxMB (1..512) caps the uncompressed ELFF lines of an archive; at
//     least one line is always served.
//   - AbortEvery counts sync answers that carry data. The aborted archive
//     is a valid ZIP whose last entry holds only the first half of its
//     gzip data; the trailer repeats the token sent (for token=none, a new
//     token for the same start).
//   - ZIP entries are stored (gzip does not shrink again) with CRC and
//     sizes in the local header, so the ZIP also reads as a stream. A
//     trailer-only answer has Content-Type application/octet-stream.
//   - Non-UTF-8 names: a line's user is one of a few accented names
//     (Jürgen, françois, Žofia) at Latin9UserRate (default 0.001), its
//     location one with an accented name (Café €, Zürich, München) at
//     Latin9LocationRate (default 0.0005); negative = never. Both are drawn
//     per line from the seed, apart from the line's other choices. The
//     rates are our guess at "rare", not measured.
//   - The big line is a line of the first pre-generated hour chosen from
//     the seed (the one before it if that is a LongLineEvery line), exactly
//     BigLineBytes bytes long, its cs-uri-query "?x=1&utm_content=..."
//     padding; HugeBytes' repeated block leaves it out. LongLineEvery
//     (every Nth line with a LongLineBytes query, default 300 KiB) is a
//     stress option beyond what RELAY saw, off by default.
//   - Data: LinesPerHour lines in each hour of [Start, End); with Live, line
//     j arrives (and is logged) at End + j/LiveRate. Line i of an hour is in
//     member i/LinesPerMember; members of an hour differ by instance id. In
//     pre-generated hours the times of neighbours 3<->4, 13<->14, ... are
//     swapped; live lines keep order. Line i%150 == 7 has no uuid ("-").
//     Two lines in three come from the client connector, the others from
//     one of the locations marked as appearing in the log.
//     Every 5th member (by hour number plus member index) uses a 20-field
//     layout with the uuid third; members alternate between "#X:" and "# X:"
//     directives (Software, Version, Date, Start-Date, Fields).
//   - list: type=hour only; endDate 0 = now; hours without lines are not
//     listed; start/limit page. Only items[].date is documented; the
//     answer's "total" and each item's "size" (the hour's uncompressed ELFF
//     bytes) and "type" ("hour") are our choice.
//   - download: hours in the order asked, duplicates dropped, hours without
//     lines contribute nothing; a future or current hour is "hour not
//     complete".
//   - audit: 50 events per UTC day, spread over the day's share of
//     [Start, End); Date is RFC 3339 UTC in CSV and JSON; format defaults
//     to CSV; filters compare case-insensitively; CSV uses CRLF. Some cells
//     hold commas, quotes, newlines, or start with = + - @; they are served
//     as they are.
//   - locations: 12 objects; only id and name are documented, the other
//     fields (type, ip or gatewayIPs, country, description that may be null,
//     enabled, created, modified, settings) are invented. Their credential
//     role is called "Location Management".
//   - HugeBytes: a token=none sync gets one archive of at least HugeBytes
//     of ELFF: one entry whose gzip data is a header member followed by one
//     pre-compressed 1000-line block repeated (a multi-member gzip stream),
//     status "done"; its token then gets an empty "done". The repeated lines
//     are not in Lines(); abort and the per-archive caps do not apply.
package symantec
