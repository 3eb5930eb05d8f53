// Package zoomapi talks to Zoom's REST API (v2) with a Server-to-Server
// OAuth app: it gets and caches the account's access token, retries what
// can be retried, and turns Zoom's answers into typed values and errors.
// It also verifies Zoom's webhooks. It does HTTP I/O, so it lives beside
// gateway (which decides and never does I/O), not inside it.
//
// Every request and answer shape below was checked against Zoom's own
// documentation; each file cites the page it follows. The pages read:
//
//   - Server-to-Server OAuth, token request and lifetime:
//     https://developers.zoom.us/docs/rooms/s2s-oauth/ and
//     https://developers.zoom.us/docs/rooms/oauth/ (the same content as
//     /docs/internal-apps/s2s-oauth/)
//   - Error bodies and status codes: https://developers.zoom.us/docs/api/errors
//   - OAuth error codes 47xx: https://developers.zoom.us/docs/integrations/oauth-error-messages/
//   - Rate limits and HTTP 429: https://developers.zoom.us/docs/api/rate-limits/
//   - Tokens only in the Authorization header (since 14 Feb 2023):
//     https://developers.zoom.us/blog/access-token-change-faq/
//   - Meetings, cloud recordings and reports reference:
//     https://developers.zoom.us/docs/api/meetings/ — whose page is
//     rendered by script, so its shapes were read in the TypeScript types
//     that Zoom generates from the same OpenAPI document for its SDK,
//     github.com/zoom/rivet-javascript, meetings/meetings.d.ts and the
//     paths in meetings/meetings.mjs; users in users/users.d.ts.
//   - Webhooks, x-zm-signature and the URL validation challenge:
//     https://developers.zoom.us/docs/api/webhooks/ and Zoom's sample
//     github.com/zoom/webhook-sample (index.js).
//
// What could not be read on a Zoom page is marked "not verified" where it
// is used.
//
// Secrets (the client secret, access and download tokens, start_url) are
// held in the Secret type, which prints as "[redacted]" in logs and
// errors.
package zoomapi
