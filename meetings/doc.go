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
// A tool that needs no server call to open a room (a Jitsi Meet signed
// link) implements Creator alone, answering from its own computation.
// Zoom API mode (gateway.ZoomOptions) needs Zoom, all of them together.
package meetings
