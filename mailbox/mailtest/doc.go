// Package mailtest provides mail servers for tests: an in-memory IMAP
// server (go-imap's imapmemserver), access to a real Dovecot when
// ROOMGATE_TEST_DOVECOT is set, an SMTP sink (go-smtp) and a throw-away
// TLS certificate authority. Everything listens on 127.0.0.1 and is closed
// by t.Cleanup.
package mailtest
