// Package forcepoint simulates the Forcepoint ONE SSE (Bitglass) log export
// API, GET|POST /api/bitglassapi/logs/v1/ (and /api/bitglassapi/logs/), for
// tests, the demo and benchmarks. It is an independent witness: it is
// written from docs/forcepoint-one-sse-api.md and shares no code with the
// gatelog client.
//
// Emulated as documented:
//   - Bearer or Basic auth (scheme case-insensitive); the vendor's 400, 401,
//     403 and 429 messages as {"status": "..."}; success status text
//     "Request was successful"; responseformat defaults to csv.
//   - Ten log types with the fields of the Data Keys table and the sample
//     record: keys sorted, times as "%d %b %Y %H:%M:%S" UTC, transactionid
//     with a bracketed time in two alternating layouts, no transactionid for
//     cloud*, admin and health*, no fileid for admin and health*.
//   - nextpagetoken is base64 JSON: {"log_id", "datetime"} for access,
//     admin, cloud* and health*; {"start_time", "end_time", "page"} for
//     swgweb, swgwebdlp and ztna. Old types are served oldest first and,
//     caught up, answer data [] with the token that was sent; new types
//     are served newest first within a page and, caught up, answer data []
//     with "e30=" ({}), which is itself rejected as a token.
//   - startdate queries for new types overlap: they start a few records
//     before startdate.
//   - A request budget per identity and log type with X-RateLimit-* headers
//     and the vendor's 429 text.
//
// Our decisions where the docs are silent:
//   - Page size (default 1000) and the size of the swgweb overlap (3).
//   - Missing cv is 400 "cv is required"; a cv below the type's minimum
//     (swgweb* 1.1.0, health* and ztna 1.1.5) is 400 "Invalid cv <x> for type
//     <t>". cv does not change the fields served.
//   - Check order: path, method, auth, budget, responseformat, startdate vs
//     token presence, type, cv, startdate format, token.
//   - Every authenticated request counts against the budget, whatever its
//     outcome; windows are UTC days (or epoch-aligned test windows);
//     Retry-After is the seconds to the reset, rounded up.
//   - Tokens are only valid on the server that issued them (a restarted
//     simulator forgets them); an empty old-type startdate page gets a fresh
//     token for its position.
//   - CSV is answered as a bare text/csv body without envelope or token.
//   - Record values: mostly strings as in the sample, but sizes, byte counts,
//     ports, response codes and latencies are JSON numbers. Some values are
//     non-ASCII, contain quotes, backslashes or a tab, or arrive \u-escaped.
//   - Records come in bursts of three sharing one second; with Live, new
//     records arrive after End at LiveRate per second per type.
package forcepoint
