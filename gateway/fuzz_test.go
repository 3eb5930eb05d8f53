package gateway_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

// FuzzHandle drives the whole message path (classification, calendar
// parsing, the decision and the reply) with arbitrary messages. Whatever
// comes in, Handle must not fail or panic, the message must be filed, the
// same bytes must never be decided twice, and a reply must only ever go
// from a room to someone else, marked as automatic, with the host key only
// when the room accepted.
//
//	go test -run '^$' -fuzz FuzzHandle -fuzztime 2m ./gateway
func FuzzHandle(f *testing.F) {
	for _, raw := range [][]byte{
		meeting("REQUEST", "fz-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes(),
		meeting("CANCEL", "fz-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)).bytes(),
		[]byte("From: x@y\r\n\r\nhello"),
		{},
	} {
		f.Add(raw)
	}
	files, _ := filepath.Glob(filepath.Join("..", "ical", "testdata", "*.eml"))
	for _, name := range files {
		if raw, err := os.ReadFile(name); err == nil {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		h := newHarness(t)
		out := h.handle(raw)
		if out.Folder == "" || (out.Action == gateway.ActionRejected) != (out.Folder == gateway.FolderRejected) {
			t.Fatalf("outcome %+v: folder and action disagree", out)
		}
		for _, m := range h.st.outbox() {
			checkFuzzReply(t, m, out)
		}
		if again := h.handle(raw); again.Action != gateway.ActionIgnored || again.Folder != out.Folder {
			t.Fatalf("same bytes decided twice: %+v then %+v", out, again)
		}
	})
}

func checkFuzzReply(t *testing.T, m gateway.OutboxMail, out gateway.Outcome) {
	t.Helper()
	if m.Channel != gateway.ChannelMail {
		return
	}
	if !strings.HasPrefix(strings.ToLower(m.From), "zoom") || !strings.HasSuffix(strings.ToLower(m.From), "@coop.example") {
		t.Fatalf("reply sent from %q, not from a room", m.From)
	}
	for _, to := range m.To {
		if strings.HasSuffix(strings.ToLower(to), "@coop.example") && strings.HasPrefix(strings.ToLower(to), "zoom") {
			t.Fatalf("reply sent to a room: %q", to)
		}
	}
	if !bytes.Contains(m.Raw, []byte("Auto-Submitted: auto-replied\r\n")) {
		t.Fatal("reply not marked Auto-Submitted")
	}
	if bytes.Contains(m.Raw, []byte(hostKey)) && out.Action != gateway.ActionAccepted {
		t.Fatalf("host key in a reply to a %s message", out.Action)
	}
}
