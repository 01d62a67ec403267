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
//     trailer-only body (105 bytes) when nothing is new. 410 for unknown,
//     expired (ExpireTokens) or too old (TokenTTL, default 24h) tokens; 423
//     "API access is blocked"; 429 with Retry-After per customer.
//   - Members are ELFF with per-member "#Fields:" (or "# Fields:"), values
//     quoted when they contain spaces, "-" for empty, date and time in UTC,
//     ISO-8859-15 text (not valid UTF-8), lines not strictly time ordered.
//   - list needs the bare api flag and answers {"items":[{"date","size",
//     "type"}],"total"}; download takes epoch-ms hour ids, not dates.
//   - audit: YYYY-MM-DD dates, CSV or JSON, objectType/operationType
//     filters (the parameter names are the docs' guesses).
//
// Our decisions where the docs are silent:
//   - Check order: path, method (GET only), credentials, 423, 429, then
//     parameters and token. BlockEvery counts authenticated /reportpod
//     requests; MinInterval is measured from the last request it let
//     through, so a 429 does not restart the wait and Retry-After (rounded
//     up) is always enough. Both apply to sync, list and download.
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
//   - Data: LinesPerHour lines in each hour of [Start, End); with Live, line
//     j arrives (and is logged) at End + j/LiveRate. Line i of an hour is in
//     member i/LinesPerMember; members of an hour differ by instance id. In
//     pre-generated hours the times of neighbours 3<->4, 13<->14, ... are
//     swapped; live lines keep order. Line i%150 == 7 has no uuid ("-").
//     Every 5th member (by hour number plus member index) uses a 20-field
//     layout with the uuid third; members alternate between "#X:" and "# X:"
//     directives (Software, Version, Date, Start-Date, Fields).
//   - list: type=hour only; endDate 0 = now; hours without lines are not
//     listed; size is the hour's uncompressed ELFF bytes; start/limit page.
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
