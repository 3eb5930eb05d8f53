package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"
)

// TestComposeHeaders: what comes from a message (its Message-ID and
// References, its title in the subject) can neither add a header field
// nor make a line longer than 998 octets (RFC 5322 §2.1.1).
func TestComposeHeaders(t *testing.T) {
	in := "Message-ID: <a\rBcc: mallory@evil.example@x.example>\r\n" +
		"References: <r1@x.example>\n Bcc: mallory@evil.example " + strings.Repeat("<long-thread-id-0123456789@x.example> ", 80) + "\r\n" +
		"Subject: x\r\n\r\n"
	h, err := readHeader([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	env := readEnvelope(h)
	if env.MessageID != "" {
		t.Errorf("Message-ID with a CR kept: %q", env.MessageID)
	}
	if len(env.References) != maxReferences || env.References[0] != "<r1@x.example>" {
		t.Errorf("References = %d ids, first %q", len(env.References), env.References[0])
	}
	raw := compose(composeInput{From: Address{"Salle\r\nBcc: x@evil.example", "zoom@coop.example"},
		To:        Address{"Dupont, Jean \"J\"", "jean@coop.example"},
		Text:      Rendered{Subject: "Room booked: " + strings.Repeat("Réunion très importante ", 60) + "\r\nBcc: m@evil.example", Text: "x"},
		InReplyTo: "<r9@x.example>", References: env.References, Date: time.Unix(0, 0), AutoSubmitted: "auto-replied"})
	checkMail(t, raw)
}

// checkMail fails when a header line is longer than 998 octets, when the
// header has other fields than compose writes, or when it does not parse.
func checkMail(t *testing.T, raw []byte) {
	t.Helper()
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, l := range bytes.Split(head, []byte("\r\n")) {
		if len(l) > 998 {
			t.Errorf("header line of %d octets", len(l))
		}
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("bare CR or LF in %q", l)
		}
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	allowed := map[string]bool{"From": true, "To": true, "Subject": true, "Date": true, "Message-Id": true,
		"In-Reply-To": true, "References": true, "Auto-Submitted": true, "X-Auto-Response-Suppress": true,
		"Precedence": true, "Mime-Version": true, "Content-Type": true}
	for f := h.Fields(); f.Next(); {
		if !allowed[f.Key()] {
			t.Errorf("unexpected header field %q: %q", f.Key(), f.Value())
		}
	}
	if l, err := mail.ParseAddressList(h.Get("To")); err != nil || len(l) != 1 {
		t.Errorf("To %q: %v, %d addresses", h.Get("To"), err, len(l))
	}
	if l, err := mail.ParseAddressList(h.Get("From")); err != nil || len(l) != 1 {
		t.Errorf("From %q: %v, %d addresses", h.Get("From"), err, len(l))
	}
}

// FuzzComposeHeaders: whatever a message brings, the reply's header is
// well formed and holds only the fields compose writes.
func FuzzComposeHeaders(f *testing.F) {
	f.Add("<a@b.example>", "<r@b.example> <s@b.example>", "Réunion", "Alice")
	f.Add("<a\r\nBcc: x@y.example>", "<\n>", "x\r\nBcc: y", "\"quoted, name\"")
	f.Fuzz(func(t *testing.T, mid, refs, subject, name string) {
		h, err := readHeader([]byte("Message-ID: " + mid + "\r\nReferences: " + refs + "\r\n\r\n"))
		env := envelope{}
		if err == nil {
			env = readEnvelope(h)
		}
		raw := compose(composeInput{From: Address{"Salle", "zoom@coop.example"}, To: Address{name, "a@coop.example"},
			Text: Rendered{Subject: subject, Text: "x"}, InReplyTo: env.MessageID, References: env.References,
			Date: time.Unix(0, 0), AutoSubmitted: "auto-replied"})
		checkMail(t, raw)
	})
}

// TestInBackground: the mail written on another goroutine is returned,
// as often as asked; its error too; and a panic there is an error, not
// the end of the daemon.
func TestInBackground(t *testing.T) {
	wait := inBackground(func() ([]byte, []byte, error) { return []byte("cal"), []byte("mail"), nil })
	for range 2 {
		if raw, err := wait(); string(raw) != "mail" || err != nil {
			t.Errorf("wait() = %q, %v; want the mail", raw, err)
		}
	}
	failed := errors.New("render failed")
	if _, err := inBackground(func() ([]byte, []byte, error) { return nil, nil, failed })(); !errors.Is(err, failed) {
		t.Errorf("wait() = %v, want %v", err, failed)
	}
	var nilMap map[string]int
	wait = inBackground(func() ([]byte, []byte, error) { nilMap["x"] = 1; return nil, nil, nil })
	if _, err := wait(); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("wait() after a panic = %v, want an error saying so", err)
	}
}
