package mailtest

import (
	"os"
	"sync"
	"testing"
)

// Dovecot test setup, provided by .ci/run.
const (
	// DovecotEnv names the variable holding Dovecot's host:port (plain
	// IMAP on loopback, IDLE and MOVE enabled).
	DovecotEnv = "ROOMGATE_TEST_DOVECOT"
	// StrictEnv, when "1", turns skipped external-server tests into
	// failures.
	StrictEnv = "ROOMGATE_TEST_STRICT"
	// DovecotPassword is the password of every Dovecot test user
	// (user1@roomgate.test to user8@roomgate.test).
	DovecotPassword = "secret"
)

// DovecotAddr returns Dovecot's address from ROOMGATE_TEST_DOVECOT. When it
// is unset the test is skipped, or fails if ROOMGATE_TEST_STRICT=1.
func DovecotAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv(DovecotEnv)
	if addr != "" {
		return addr
	}
	const msg = "Dovecot tests skipped: set ROOMGATE_TEST_DOVECOT=127.0.0.1:PORT (see .ci/run)"
	if os.Getenv(StrictEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// NewDovecot gives the test the Dovecot user (e.g. "user1@roomgate.test";
// each package should use its own) with its mailboxes emptied: every
// mailbox but INBOX deleted, INBOX expunged. Clients connect through a
// proxy on 127.0.0.1, so DropConnections works. It skips the test as
// DovecotAddr does.
func NewDovecot(t testing.TB, user string) *IMAPServer {
	t.Helper()
	target := DovecotAddr(t)
	s := &IMAPServer{username: user, password: DovecotPassword, conns: newConnSet()}
	addr, stop := proxy(t, target, s.conns)
	s.addr = addr
	var once sync.Once
	s.close = func() { once.Do(stop) }
	t.Cleanup(s.Close)
	c := s.dial(t)
	defer c.logout()
	c.clean(t)
	return s
}
