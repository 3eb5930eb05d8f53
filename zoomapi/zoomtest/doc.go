// Package zoomtest is an in-process fake of Zoom's API for tests: the
// Server-to-Server OAuth token endpoint, users, meetings, cloud recordings
// (list, download with a token, trash), past meetings and their instances,
// and the participants report, shaped as Zoom documents them (each
// handler cites its page). It enforces what a client can get wrong: Basic
// credentials, bearer tokens in the header (never the query), token expiry
// on an injectable clock, scopes, rate limits (HTTP 429). Tests inject
// transient failures and read the calls made, to assert retries and
// idempotency.
//
// Where Zoom's OpenAPI document of the Meetings API speaks, the fake
// follows it (and zoomapi's contract test validates its answers against
// it): CC and TIMELINE files listed without id, status, file_size,
// recording_type and play_url; participant_audio_files beside
// recording_files, trashed with them; report rows with status in_meeting
// or in_waiting_room and duration in seconds, and reports only for
// instances of two or more participants; one UUID per instance, listed by
// /past_meetings/{id}/instances, the numeric ID naming the latest; DELETE
// of a meeting in progress refused (400, code 3002); the list of meetings
// cutting agendas at 250 characters and showing scheduled meetings only
// (AddPersonalMeeting); passcodes checked against the account's rules
// (Options.PasscodeRule); the daily limit on creating and updating
// meetings answered as Zoom does (Options.DailyMeetingLimit); downloads
// answered by a redirect to storage.
//
// Where it still differs from Zoom (not verified, or simplified):
//   - a passcode the rules refuse is answered 400 code 300 naming the
//     field "password": the document names no code for it;
//   - the report of an instance with fewer than two participants is
//     answered 404 code 3001; what Zoom answers is not documented;
//   - reports and recordings exist as soon as a test adds them: Zoom
//     needs minutes to hours to process them;
//   - the per-second rate limit counts every endpoint together, one
//     window per second of the clock (Zoom: per endpoint class, per
//     account); its headers (X-RateLimit-Type, Retry-After) are those Zoom
//     clients read, not documented;
//   - ending a meeting that is not live answers 204 and changes nothing
//     (not verified);
//   - a UUID holding any "/" must come encoded twice (the document says:
//     one starting with "/" or holding "//"), which is stricter than Zoom;
//   - OAuth refusal bodies ({"reason", "error"}) follow RFC 6749 §5.2 and
//     Zoom clients, not a Zoom page;
//   - the storage a download redirects to is the fake itself, on the same
//     host (Zoom's is another domain, to which Go's client does not
//     forward the Authorization header); signed addresses last a minute;
//   - one user's meetings only in AddPersonalMeeting, webhooks built on
//     demand (MeetingEvent, RecordingCompletedEvent), never sent;
//   - settings.meeting_authentication is kept and answered, never
//     enforced: anyone may join a meeting of the fake.
package zoomtest
