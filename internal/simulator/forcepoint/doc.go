// Package forcepoint simulates the Forcepoint ONE SSE (Bitglass) log export
// API, GET|POST /api/bitglassapi/logs/v1/ (and /api/bitglassapi/logs/), for
// tests, the demo and benchmarks. It is an independent witness: it is
// written from docs/forcepoint-one-sse-api.md and the vendor's page, and
// shares no code with the gatelog client.
//
// Emulated as documented (each on by default; the Config field that turns
// it off is named):
//   - Bearer or Basic auth (scheme case-insensitive); the vendor's 400, 401,
//     403 and 429 messages as {"status": "..."}; success status text
//     "Request was successful"; responseformat defaults to csv.
//   - Ten log types with the fields of the Data Keys table and the sample
//     record: keys sorted, times as "%d %b %Y %H:%M:%S" UTC, transactionid
//     with a bracketed time in two alternating layouts, no transactionid for
//     cloud*, admin and health*, no fileid for admin and health*.
//   - cv selects the schema: a record leaves out the keys the Data Keys
//     table introduces after the cv asked for (access at 1.0.1 has no
//     orgid, usergroup or policyid; cloudaudit at 1.1.5 no actor). AllFields
//     serves every key whatever the cv. Expected gives the records as served
//     for DefaultCV (1.1.5, raised to the type's minimum), ExpectedCV for
//     any cv.
//   - nextpagetoken is base64 JSON: {"log_id", "datetime"} for access,
//     admin, cloud* and health*; {"start_time", "end_time", "page"} for
//     swgweb, swgwebdlp and ztna. Old types are served oldest first, new
//     types newest first within a page.
//   - Every type, caught up, answers data [] with the token "e30=" ({}),
//     which is itself rejected as a token (400 "Invalid next page token").
//     A client keeps its last real token: a token stands for a position and
//     resumes there whenever it comes back, so live records that arrived
//     since are served. LegacyEndToken makes the old types end as the old
//     API did, handing back the token that was sent.
//   - startdate queries for swgweb, swgwebdlp and ztna overlap: they also
//     return the records of the Overlap before startdate.
//   - A request budget per identity and log type (DailyLimit; 0 is none):
//     X-RateLimit-Limit, -Remaining and -Reset on every authenticated
//     answer, 200, 400 or 429, and once spent the vendor's 429 "You have
//     exceeded your allowance of N requests per day for TYPE logs. Limit
//     will reset at <datetime>" with Remaining 0 and no Retry-After.
//
// Our decisions where the docs are silent:
//   - Page size (default 1000) and the length of the swgweb overlap
//     (default 60s; negative Overlap turns it off).
//   - Which types a Data Keys row applies to where its columns are
//     ambiguous (see cv.go): swgweb's policyid and swgwebdlp's filename come
//     with 1.1.1, responsecode with 1.1.4; keys the table does not list come
//     from the type's minimum cv. A key left out is still drawn, so the
//     other values of a record are the same at every cv.
//   - Missing cv is 400 "cv is required"; a cv below the type's minimum
//     (swgweb* 1.1.0, health* and ztna 1.1.5) is 400 "Invalid cv <x> for type
//     <t>".
//   - A short throttle, when the fault injector offers fault.Throttle429:
//     429 {"status": "Too many requests, slow down"} with the injector's
//     Retry-After and the real X-RateLimit-Remaining, which the throttled
//     request has used too. It is declined while the budget is spent and
//     on its last request, so Remaining 0 always means the daily limit.
//     Request.Throttled marks it in the request log.
//   - Check order: path, method, auth, budget, throttle, responseformat,
//     startdate vs token presence, type, cv, startdate format, token.
//   - Every authenticated request counts against the budget, whatever its
//     outcome (the vendor's collector avoids requests that would fail "to
//     avoid counting against API count quota"); a 401 or 403 is not charged
//     and has no X-RateLimit-* headers. Windows are UTC days (or
//     epoch-aligned test windows).
//   - Tokens are only valid on the server that issued them (a restarted
//     simulator forgets them). With LegacyEndToken an empty old-type
//     startdate page gets a fresh token for its position.
//   - CSV is answered as a bare text/csv body without envelope or token.
//   - Record values: mostly strings as in the sample, but sizes, byte counts,
//     ports, response codes and latencies are JSON numbers. Some values are
//     non-ASCII, contain quotes, backslashes or a tab, or arrive \u-escaped.
//   - Records come in bursts of three sharing one second; with Live, new
//     records arrive after End at LiveRate per second per type.
//   - A request is in Requests() by the time its status line is sent, with
//     the records its page served and when the oldest of them arrived
//     (Config.OnRequest is told too).
package forcepoint
