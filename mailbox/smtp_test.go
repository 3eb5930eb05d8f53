package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

func newTestSMTP(t *testing.T, sink *mailtest.SMTPSink, edit func(*SMTPOptions)) *SMTP {
	t.Helper()
	opt := SMTPOptions{
		Address:   sink.Addr(),
		Security:  SecurityStartTLS,
		Username:  "room@example.org",
		Password:  "pw",
		HeloName:  "roomgate.example.org",
		TLSConfig: sink.ClientTLS(),
		Timeout:   5 * time.Second,
	}
	if edit != nil {
		edit(&opt)
	}
	s, err := NewSMTP(opt)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func replyMail(n int) []byte {
	return fmt.Appendf(nil, "From: room@example.org\r\nTo: alice@example.org\r\nSubject: reply %d\r\n\r\n.leading dot\r\nbody %d\r\n", n, n)
}

// TestSMTPSendStartTLS sends two mails over one STARTTLS connection with
// AUTH PLAIN and checks what the sink got, byte for byte.
func TestSMTPSendStartTLS(t *testing.T) {
	sink := mailtest.NewSMTPSink(t)
	s := newTestSMTP(t, sink, nil)
	if err := s.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	for i := 1; i <= 2; i++ {
		if err := s.Send(context.Background(), "room@example.org", []string{"alice@example.org", "bob@example.org"}, replyMail(i)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	got := sink.Wait(t, 2, 5*time.Second)
	for i, m := range got {
		want := mailtest.SinkMessage{
			From: "room@example.org", To: []string{"alice@example.org", "bob@example.org"},
			Data: replyMail(i + 1), Username: "room@example.org", TLS: true,
		}
		if m.From != want.From || !slices.Equal(m.To, want.To) || !bytes.Equal(m.Data, want.Data) ||
			m.Username != want.Username || m.TLS != want.TLS || m.Helo != "roomgate.example.org" {
			t.Fatalf("mail %d = %+v\nwant %+v", i, m, want)
		}
	}
}

// TestSMTPErrors checks which failures are permanent.
func TestSMTPErrors(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*mailtest.SMTPSink)
		edit      func(*SMTPOptions)
		to        []string
		permanent bool
		perMail   bool // the failure concerns this mail only
		code      int
	}{
		{name: "5xx-permanent", setup: func(s *mailtest.SMTPSink) { s.SetReject(550) }, permanent: true, perMail: true, code: 550},
		{name: "421-temporary", setup: func(s *mailtest.SMTPSink) { s.SetDown(true) }, code: 421},
		{name: "4xx-temporary", setup: func(s *mailtest.SMTPSink) { s.SetReject(450) }, perMail: true, code: 450},
		{name: "4xx-to-one-recipient", setup: func(s *mailtest.SMTPSink) { s.SetRejectRcpt("alice@example.org", 451) }, perMail: true, code: 451},
		{name: "non-ASCII-without-SMTPUTF8", to: []string{"élodie@example.org"}, permanent: true, perMail: true},
		{name: "two-@-permanent", to: []string{"mallory@evil.example@example.org"}, permanent: true, perMail: true},
		{name: "server-gone-temporary", setup: func(s *mailtest.SMTPSink) { s.Close() }},
		{name: "untrusted-certificate-temporary", edit: func(o *SMTPOptions) { o.TLSConfig = nil }},
		{name: "auth-failure-temporary", setup: func(s *mailtest.SMTPSink) { s.SetAuthFailure(true) }},
		{name: "no-recipient-permanent", to: []string{}, permanent: true, perMail: true},
		{name: "bad-address-permanent", to: []string{"a@example.org\r\nDATA"}, permanent: true, perMail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := mailtest.NewSMTPSink(t)
			s := newTestSMTP(t, sink, tt.edit)
			if tt.setup != nil {
				tt.setup(sink)
			}
			to := tt.to
			if to == nil {
				to = []string{"alice@example.org"}
			}
			err := s.Send(context.Background(), "room@example.org", to, replyMail(1))
			var perr gateway.PermanentError
			if !errors.As(err, &perr) {
				t.Fatalf("Send error %v does not implement gateway.PermanentError", err)
			}
			var serr *SendError
			errors.As(err, &serr)
			if perr.Permanent() != tt.permanent || serr.Code != tt.code || serr.PerMail() != tt.perMail {
				t.Fatalf("Send error %v: permanent=%v per mail=%v code=%d, want %v %v %d", err, perr.Permanent(), serr.PerMail(), serr.Code, tt.permanent, tt.perMail, tt.code)
			}
		})
	}
}

// TestSMTPOneRecipientBusy: a recipient refused for now fails its own
// mail only; the next mail goes through the same connection.
func TestSMTPOneRecipientBusy(t *testing.T) {
	sink := mailtest.NewSMTPSink(t)
	s := newTestSMTP(t, sink, nil)
	sink.SetRejectRcpt("busy@example.org", 450)
	if err := s.Send(context.Background(), "room@example.org", []string{"busy@example.org"}, replyMail(1)); err == nil {
		t.Fatal("a busy recipient was accepted")
	}
	if err := s.Send(context.Background(), "room@example.org", []string{"alice@example.org"}, replyMail(2)); err != nil {
		t.Fatalf("the next mail: %v", err)
	}
	if got := sink.Wait(t, 1, 5*time.Second); len(got) != 1 || got[0].To[0] != "alice@example.org" {
		t.Errorf("delivered %+v", got)
	}
}

// TestSMTPUTF8: a non-ASCII address goes to a server that offers SMTPUTF8.
func TestSMTPUTF8(t *testing.T) {
	sink := mailtest.NewSMTPSink(t, mailtest.WithSMTPUTF8())
	s := newTestSMTP(t, sink, nil)
	if err := s.Send(context.Background(), "room@example.org", []string{"élodie@example.org"}, replyMail(1)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := sink.Wait(t, 1, 5*time.Second); got[0].To[0] != "élodie@example.org" {
		t.Errorf("delivered to %v", got[0].To)
	}
}

// TestSMTPRecovers sends again after the sink came back.
func TestSMTPRecovers(t *testing.T) {
	sink := mailtest.NewSMTPSink(t)
	s := newTestSMTP(t, sink, nil)
	sink.SetDown(true)
	if err := s.Send(context.Background(), "room@example.org", []string{"a@example.org"}, replyMail(1)); err == nil {
		t.Fatal("Send to a down sink succeeded")
	}
	sink.SetDown(false)
	if err := s.Send(context.Background(), "room@example.org", []string{"a@example.org"}, replyMail(2)); err != nil {
		t.Fatalf("Send after recovery: %v", err)
	}
	if got := sink.Wait(t, 1, 5*time.Second); !bytes.Equal(got[0].Data, replyMail(2)) {
		t.Fatalf("got %q", got[0].Data)
	}
}

// TestSMTPInsecureLoopback sends in plain text with AUTH to 127.0.0.1.
func TestSMTPInsecureLoopback(t *testing.T) {
	sink := mailtest.NewSMTPSink(t)
	s := newTestSMTP(t, sink, func(o *SMTPOptions) { o.Security = SecurityInsecure })
	if err := s.Send(context.Background(), "room@example.org", []string{"a@example.org"}, replyMail(1)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := sink.Wait(t, 1, 5*time.Second); got[0].TLS || got[0].Username != "room@example.org" {
		t.Fatalf("got %+v", got[0])
	}
}

// TestNewSMTPOptions checks option validation.
func TestNewSMTPOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  SMTPOptions
		ok   bool
	}{
		{"tls", SMTPOptions{Address: "smtp.example.org:465", Security: SecurityTLS}, true},
		{"starttls", SMTPOptions{Address: "smtp.example.org:587", Security: SecurityStartTLS}, true},
		{"insecure-loopback", SMTPOptions{Address: "127.0.0.1:25", Security: SecurityInsecure}, true},
		{"insecure-remote", SMTPOptions{Address: "smtp.example.org:25", Security: SecurityInsecure}, false},
		{"insecure-remote-ip", SMTPOptions{Address: "192.0.2.1:25", Security: SecurityInsecure}, false},
		{"empty-security", SMTPOptions{Address: "smtp.example.org:587"}, false},
		{"bad-helo", SMTPOptions{Address: "smtp.example.org:587", Security: SecurityTLS, HeloName: "a b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSMTP(tt.opt)
			if (err == nil) != tt.ok {
				t.Fatalf("NewSMTP error = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestSMTPImplicitTLS sends over implicit TLS (RFC 8314).
func TestSMTPImplicitTLS(t *testing.T) {
	sink := mailtest.NewSMTPSink(t)
	s := newTestSMTP(t, sink, func(o *SMTPOptions) { o.Address, o.Security = sink.TLSAddr(), SecurityTLS })
	if err := s.Send(context.Background(), "room@example.org", []string{"a@example.org"}, replyMail(1)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := sink.Wait(t, 1, 5*time.Second); !got[0].TLS || got[0].Username != "room@example.org" {
		t.Fatalf("got %+v", got[0])
	}
}

// Without helo_name, EHLO gives this machine's host name.
func TestSMTPDefaultHelo(t *testing.T) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		t.Skipf("no host name: %v", err)
	}
	sink := mailtest.NewSMTPSink(t)
	s := newTestSMTP(t, sink, func(o *SMTPOptions) { o.HeloName = "" })
	if err := s.Send(context.Background(), "room@example.org", []string{"alice@example.org"}, replyMail(1)); err != nil {
		t.Fatal(err)
	}
	if got := sink.Wait(t, 1, 5*time.Second)[0].Helo; got != host {
		t.Errorf("EHLO %q, want the host name %q", got, host)
	}
}
