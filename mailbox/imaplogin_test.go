package mailbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A wrong password is an error in the log, reported to OnLoginFailed,
// and retried after the long login backoff, not the reconnection one, so
// the provider does not lock the account.
func TestLoginRefused(t *testing.T) {
	for _, be := range []backend{memBackend("memory", mailtest.IMAPServerOptions{}), dovecotBackend("dovecot")} {
		t.Run(be.name, func(t *testing.T) {
			e := &env{t: t, be: be, srv: be.start(t), state: newFakeState()}
			var logs syncBuffer
			var failed atomic.Int32
			var ups []bool
			m := e.client(func(o *IMAPOptions) {
				o.Password = "wrong-" + o.Password
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
				o.OnLoginFailed = func() { failed.Add(1) }
				o.OnConnect = func(up bool) { ups = append(ups, up) }
			})
			m.loginBackoff, m.loginMaxWait = time.Hour, time.Hour // the reconnection backoff stays 10 ms
			if err := m.Check(context.Background()); !errors.Is(err, ErrLoginRefused) {
				t.Fatalf("Check: %v, want ErrLoginRefused", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				for failed.Load() == 0 {
					time.Sleep(5 * time.Millisecond)
				}
				cancel()
			}()
			if _, err := m.Next(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Next: %v, want it to wait until cancelled", err)
			}
			if n := failed.Load(); n != 1 {
				t.Errorf("%d refused logins before the cancel, want 1 (then an hour's wait)", n)
			}
			if len(ups) != 1 || ups[0] {
				t.Errorf("OnConnect calls %v, want [false]", ups)
			}
			line := firstLine(logs.String(), "IMAP login refused")
			if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "delay=") {
				t.Errorf("log line %q, want an ERROR with the delay; log:\n%s", line, logs.String())
			}
			if strings.Contains(logs.String(), e.srv.Password()) {
				t.Errorf("the log shows the password:\n%s", logs.String())
			}
		})
	}
}

// The first successful login says where, as whom, and how new mail is
// awaited.
func TestLoginLogged(t *testing.T) {
	for _, be := range []backend{memBackend("memory", mailtest.IMAPServerOptions{}), func() backend {
		b := memBackend("memory/poll", mailtest.IMAPServerOptions{})
		b.noIdle = true
		return b
	}()} {
		t.Run(be.name, func(t *testing.T) {
			e := &env{t: t, be: be, srv: be.start(t), state: newFakeState()}
			var logs syncBuffer
			m := e.client(func(o *IMAPOptions) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
			e.append("one")
			e.next(m, "one")
			want := "wait=idle"
			if be.noIdle {
				want = `wait="polling every 50ms"`
			}
			line := firstLine(logs.String(), "IMAP logged in")
			for _, w := range []string{"level=INFO", "imap=" + e.srv.Addr(), "mailbox=INBOX", "user=" + e.srv.Username(), want} {
				if !strings.Contains(line, w) {
					t.Errorf("log line %q lacks %q", line, w)
				}
			}
		})
	}
}

// firstLine returns the first line of s that contains sub.
func firstLine(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
