// Package jitsi opens rooms on a self-hosted Jitsi Meet that uses token
// authentication. It makes no server call: a Jitsi room exists when its
// first participant arrives, and the link https://HOST/ROOM?jwt=TOKEN
// carries an HS256 JSON Web Token signed with the server's app secret
// (lib-jitsi-meet, doc/tokens.md, "JWT token authentication Prosody
// plugin"). The booker's token marks them moderator; the guests' token (or
// no token, see GuestsAnonymous) does not.
//
// The Jitsi server must be configured with (Debian: package
// jitsi-meet-tokens; docker-jitsi-meet: ENABLE_AUTH=1, AUTH_TYPE=jwt):
//
//   - Prosody, on the meeting VirtualHost: authentication = "token",
//     app_id and app_secret (JWT_APP_ID, JWT_APP_SECRET), and
//     asap_accepted_issuers / asap_accepted_audiences holding roomgate's
//     issuer and audience (both default to app_id here);
//   - the MUC component: modules_enabled = { "token_verification" } so
//     that the room claim is checked against the room joined;
//   - a moderator plugin, because without one every participant with a
//     valid token is moderator: jitsi-meet's mod_token_affiliation
//     (resources/prosody-plugins, imported from jitsi-contrib's
//     token_affiliation), with Jicofo's enable-auto-owner = false
//     (ENABLE_AUTO_OWNER=0). The token carries every moderator claim
//     the known plugins read (see the claims type in jwt.go).
//   - for GuestsAnonymous only: allow_empty_token = true or a guest
//     VirtualHost (config.hosts.anonymousdomain), so that guests without a
//     token may join a room a moderator opened.
//
// The public meet.jit.si is not offered: since 2023 a moderator there must
// sign in with a Google, GitHub or Facebook account, and its tokens are
// issued only to its own pages, so roomgate cannot hand out a room that
// works on its own; 8x8's JaaS signs with RS256 keys under other terms.
package jitsi
