// Package mailbox connects roomgate to mail: it reads the room's shared
// mailbox over IMAP and hands replies to a submission server over SMTP.
//
// IMAP implements gateway.Source. It keeps one connection to the server
// (RFC 9051, IMAP4rev1/rev2), waits for new mail with IDLE (RFC 2177) or by
// polling, fetches messages without setting \Seen (BODY.PEEK[]), and files
// handled messages with MOVE (RFC 6851) or, on servers without it, with
// COPY, STORE \Deleted and UID EXPUNGE (RFC 4315 UIDPLUS).
//
// SMTP implements gateway.Sender for a submission server (RFC 6409) with
// implicit TLS (RFC 8314) or STARTTLS (RFC 3207) and AUTH PLAIN (RFC 4954,
// RFC 4616). DirSender implements gateway.Sender by writing .eml files, for
// dry runs. Webhook implements gateway.Poster: it posts chat messages to an
// incoming webhook (Mattermost, Rocket.Chat); DirSender writes them as files.
//
// Test helpers for other packages live in the mailtest sub-package.
package mailbox
