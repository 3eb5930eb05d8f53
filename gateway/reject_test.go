package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestBadInput: what cannot be read is rejected with a clear reason, and
// still recorded and audited.
func TestBadInput(t *testing.T) {
	good := func() invite { return meeting("REQUEST", "m-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)) }
	edit := func(f func(*invite)) []byte {
		iv := good()
		f(&iv)
		return iv.bytes()
	}
	small := good().bytes()
	header := small[:strings.Index(string(small), "\r\n\r\n")+4]
	big := append(append([]byte(nil), small...), strings.Repeat("x", 20<<20)...)
	const (
		rej   = gateway.ActionRejected
		other = gateway.KindOtherCalendar
	)

	tests := []struct {
		name   string
		in     gateway.Incoming
		kind   gateway.Kind
		action gateway.Action
		folder gateway.Folder
		reason string
		// told: the sender, a member, is told the invitation could not
		// be read (one mail, and the reason says so).
		told bool
	}{
		{name: "garbage", in: incoming([]byte("\x00\x01\x02 this is \xff no mail\r\n\r\n")), kind: gateway.KindMail, action: rej,
			folder: gateway.FolderRejected, reason: "unreadable message header: message: malformed MIME header line:  this is \uFFFD no mail"},
		{name: "no header", in: incoming([]byte("Hello,\r\nplease book the room.\r\n")), kind: gateway.KindMail, action: rej,
			folder: gateway.FolderRejected, reason: "unreadable message header: message: malformed MIME header line: Hello,"},
		{name: "long garbage line", in: incoming([]byte(strings.Repeat("é", 400) + "\r\n\r\n")), kind: gateway.KindMail, action: rej,
			folder: gateway.FolderRejected, reason: "unreadable message header: message: malformed MIME header line: " + strings.Repeat("é", 118) + "…"},
		// An empty message has nothing to reject: it is no invitation.
		{name: "empty", in: incoming(nil), kind: gateway.KindMail, action: gateway.ActionIgnored, folder: gateway.FolderOther,
			reason: "not an invitation"},
		{name: "missing UID", in: incoming(edit(func(iv *invite) { iv.Events[0].Omit = []string{"UID"} })),
			kind: other, action: rej, folder: gateway.FolderRejected, told: true, reason: "invalid calendar: ical: VEVENT #1: missing UID"},
		{name: "missing DTSTART", in: incoming(edit(func(iv *invite) { iv.Events[0].Omit = []string{"DTSTART"} })),
			kind: other, action: rej, folder: gateway.FolderRejected, told: true, reason: `invalid calendar: ical: VEVENT "m-1": missing DTSTART`},
		{name: "end before start", in: incoming(edit(func(iv *invite) { iv.Events[0].End = tomorrow(9, 0) })),
			kind: other, action: rej, folder: gateway.FolderRejected, told: true, reason: `invalid calendar: ical: VEVENT "m-1": end before start`},
		{name: "20 MB", in: gateway.Incoming{Raw: big, Size: int64(len(big))},
			kind: gateway.KindMail, action: rej, folder: gateway.FolderRejected,
			reason: fmt.Sprintf("message too large: %d octets, the limit is 10485760", len(big))},
		{name: "20 MB, header only", in: gateway.Incoming{Raw: header, Size: 20 << 20, Truncated: true},
			kind: gateway.KindMail, action: rej, folder: gateway.FolderRejected,
			reason: "message too large: 20971520 octets, the limit is 10485760"},
		{name: "truncated", in: gateway.Incoming{Raw: header, Size: 4096, Truncated: true},
			kind: gateway.KindMail, action: rej, folder: gateway.FolderRejected,
			reason: "message too large: 4096 octets, the limit is 10485760"},
		{name: "unknown charset", in: incoming(edit(func(iv *invite) { iv.Charset = "x-no-such-charset" })),
			kind: other, action: rej, folder: gateway.FolderRejected,
			told: true, reason: `calendar part unreadable: ical: invalid charset "x-no-such-charset": charset "x-no-such-charset": htmlindex: invalid encoding name`},
		{name: "broken base64", in: incoming(edit(func(iv *invite) { iv.CTE, iv.Body = "base64", "QkVHSU46VkNBTEVOREFS*!*\r\n" })),
			kind: other, action: rej, folder: gateway.FolderRejected,
			told: true, reason: "calendar part unreadable: ical: bad base64 in calendar part: illegal base64 data at input byte 20"},
		{name: "not a calendar", in: incoming([]byte("From: a@coop.example\r\nSubject: hi\r\n\r\nHello\r\n")),
			kind: gateway.KindMail, action: gateway.ActionIgnored, folder: gateway.FolderOther, reason: "not an invitation"},
		{name: "base64 calendar is fine", in: incoming(edit(func(iv *invite) { iv.CTE = "base64" })),
			kind: gateway.KindRequest, action: gateway.ActionAccepted, folder: gateway.FolderProcessed, reason: "the account is free"},
		{name: "latin-1 calendar is fine", in: incoming(edit(func(iv *invite) { iv.Charset = "ISO-8859-1" })),
			kind: gateway.KindRequest, action: gateway.ActionAccepted, folder: gateway.FolderProcessed, reason: "the account is free"},
		{name: "no ORGANIZER", in: incoming(edit(func(iv *invite) { iv.Events[0].Organizer = "" })),
			kind: gateway.KindRequest, action: rej, folder: gateway.FolderRejected, told: true, reason: `invitation "m-1": no ORGANIZER`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			got := h.handleIn(tc.in)
			queued := 0
			if tc.told {
				tc.reason += "; the sender was told the invitation could not be read"
				queued = 1
			}
			if got.Kind != tc.kind || got.Action != tc.action || got.Folder != tc.folder || got.Reason != tc.reason {
				t.Fatalf("outcome = %s/%s/%s %q\n      want %s/%s/%s %q", got.Kind, got.Action, got.Folder, got.Reason,
					tc.kind, tc.action, tc.folder, tc.reason)
			}
			if tc.action == gateway.ActionRejected && got.Queued != queued {
				t.Errorf("%d mails queued for a rejected message, want %d", got.Queued, queued)
			}
			key := rawKey(tc.in.Raw)
			pm, ok := h.st.processed(key)
			if !ok || pm.Kind != tc.kind || pm.Action != tc.action || pm.Folder != tc.folder || pm.Reason != tc.reason || !pm.At.Equal(t0) {
				t.Errorf("processed record = %+v (found %v)", pm, ok)
			}
			audit := h.st.auditLog()
			if len(audit) != 1 || audit[0].MessageKey != key || audit[0].Action != tc.action || audit[0].Kind != tc.kind ||
				audit[0].Reason != tc.reason || !audit[0].At.Equal(t0) {
				t.Errorf("audit = %+v, want one entry for the message", audit)
			}
			// Handled again: recognised, not decided again.
			again := h.handleIn(tc.in)
			if again.Action != gateway.ActionIgnored || again.Folder != tc.folder || len(h.st.auditLog()) != 1 {
				t.Errorf("second time: %+v", again)
			}
		})
	}
}

func incoming(raw []byte) gateway.Incoming {
	return gateway.Incoming{Ref: "INBOX/1/7", Raw: raw, Size: int64(len(raw))}
}

func rawKey(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}
