// Package galene opens rooms on a Galène server through its
// administrative API under /galene-api/v0/ (jech/galene galene-api.md,
// "Galene's administrative API"; the paths and statuses as
// webserver/api.go and its test serve them). For a booking it creates a
// group, PUT /galene-api/v0/.groups/NAME/ with If-None-Match: * (a
// second Open finds it: 412), valid from the booking's start minus a
// margin to its end plus a margin (the group's "not-before" and
// "expires", galene.md "Group description reference"), then two stateful
// tokens, POST /galene-api/v0/.groups/NAME/.tokens/ (the token's name in
// the Location header): the booker's with the "op" permission, the
// guests' without. The links are https://HOST/group/NAME/?token=TOKEN
// (galene.md, "Inviting users"). Enter, what a roomgate door calls when
// clicked, opens the same way and returns one of the two links. Close
// deletes the tokens and the group.
// Galène has no documented live status (".stats" is "undocumented, and
// may change"), so there is no Live.
//
// galene-api.md lists stateful tokens under
// .groups/NAME/.users/USER/.tokens/, while webserver/api.go, its test and
// galenectl's create-token serve and use .groups/NAME/.tokens/; this
// package follows the code.
//
// The Galène server must have, in data/config.json, "writableGroups":
// true and an administrator: a user with "permissions": "admin", whose
// name and password roomgate sends with HTTP Basic, or (newer servers) a
// stateful token with the admin permission, sent as a bearer token.
package galene
