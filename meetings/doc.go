// Package meetings is roomgate's meeting layer, provider-neutral: what a
// video tool may do for a booking, the values it answers with, and the
// store of the recordings' copies. It imports nothing of roomgate's.
//
// A provider (package meetings/zoom for Zoom's API) is any value; what it
// can do is discovered from the small capability interfaces it implements,
// as go-imap's client discovers a server's extensions:
//
//   - Creator: it makes a meeting of its own for each booking, moves it
//     and deletes it (Zoom, BigBlueButton's create);
//   - Finder: it finds again a meeting whose creation was not recorded;
//   - Starter: it gives the host a fresh start link;
//   - Watcher: it tells which meetings run now, and ends one;
//   - Recorder: it lists, copies and trashes cloud recordings;
//   - Attendance: it reports who took part.
//
// Discover reads them into a Caps, which also gathers what several calls
// make: the instances of a meeting and their recording files, the
// participants reports.
//
// A tool that needs no server call to open a room (a Jitsi Meet signed
// link) implements Creator alone, answering from its own computation;
// one with a create call and signed join URLs (BigBlueButton) implements
// Creator, and Starter for the moderator's link.
//
// The layer's durable queue holds Jobs, one of each kind at most per
// booking (sync, release, recordings, attendance); a Runner claims the
// due ones, each under a Lease of its own, runs it with the Handler of its
// kind and records a failure for a later attempt (RetryDelay; Later for a
// job that must only wait). A provider that pushes news (Zoom's webhook)
// translates it into an Event. The store the layer writes in a
// decision's transaction is a Tx (jobs, each booking's Meeting, the held
// accept mails, the Recording copies, alerts sent once); the tables keep
// their first names (zoom_jobs, zoom_meetings…).
//
// How the layer is told of bookings: gateway calls its MeetingHooks in
// the decision's own transaction (a booking saved, an accept mail
// queued, a reminder written), and the layer writes its jobs through
// gateway's Tx.Meetings() in that same transaction, so a job is never lost nor
// queued for a decision that rolled back. Zoom API mode (package
// meetings/layer, whose Layer is those hooks and runs the jobs) discovers
// its provider's capabilities at start and needs Finder and Watcher
// beside Creator, and the capability of each feature switched on.
package meetings
