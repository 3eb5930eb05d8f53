// Package bbb opens rooms on a BigBlueButton server through its API
// (https://docs.bigbluebutton.org/development/api, "API Reference";
// source: bigbluebutton/bigbluebutton docs/docs/development/api.md and
// docs/docs/data/*.tsx). Every call is a GET on
// https://HOST/bigbluebutton/api/CALL?QUERY&checksum=HEX, HEX being the
// SHA-1, SHA-256, SHA-384 or SHA-512 of CALL + QUERY + the shared secret
// ("API Security Model"); answers are XML with a returncode of SUCCESS or
// FAILED and a stable messageKey ("Error handling").
//
// Open calls create (idempotent for the same meetingID and passwords) and
// returns two join URLs built without a server call: the booker's with
// role=MODERATOR, the guests' with role=VIEWER (role since 2.4; the legacy
// password is sent too, for older servers). Live calls isMeetingRunning
// and Close calls end.
//
// A BigBlueButton meeting lives in the server's memory only: it disappears
// when nobody joined it within meetingExpireIfNoUserJoinedInMinutes (Open
// asks for the time until the booking's end plus the late margin), when
// the last user left some minutes ago (Config.Linger), or when the server
// restarts. roomgate therefore mails no join URL: its links are doors
// (meetings/door) whose every click calls Enter, which creates the meeting
// again if it was lost (create is idempotent, under the same meetingID)
// and returns a join URL made for that click, as moderator or viewer under
// the name given, bound to the session it found (createTime), so that it
// cannot be kept and reused in a later session. Open, which mails join
// URLs directly, leaves createTime out: a recreated meeting has a new
// one, which would void them. The meetingID is an HMAC of the booking
// key, unguessable, and used for that booking only, so a join URL cannot
// be replayed into another booking's session.
//
// The server needs nothing beyond a standard installation: its API URL
// and shared secret are what `bbb-conf --secret` prints (securitySalt in
// /etc/bigbluebutton/bbb-web.properties). If supportedChecksumAlgorithms
// is narrowed there, set Config.Checksum to one it keeps.
//
// A BigBlueButton join URL names its user (fullName is required): Open's
// guests' link shows everyone who uses it under Config.GuestName; Enter
// takes each guest's name (the door asks it).
package bbb
