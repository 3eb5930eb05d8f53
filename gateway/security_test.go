package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// withOrganizer is an invitation whose ORGANIZER line is written as
// given, and whose From is from.
func withOrganizer(uid, orgLine, from string) invite {
	iv := meeting("REQUEST", uid, "", 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.Events[0].Lines = []string{orgLine}
	iv.From = from
	return iv
}

// TestOrganizerAddressAttacks: an ORGANIZER that is not exactly one
// mailbox is bad input, whatever a mail server would make of it: nothing is
// booked and nobody is answered (the host key once reached
// mallory@evil.example this way).
func TestOrganizerAddressAttacks(t *testing.T) {
	values := []string{
		"mailto:mallory@evil.example@coop.example",
		"mailto:mallory%evil.example@coop.example",
		"mailto:evil.example!mallory@coop.example",
		`mailto:"mallory@evil.example"@coop.example`,
		"mailto:mallory@evil.example,alice@coop.example",
		"mailto:alice@coop.example?cc=mallory@evil.example",
		"mailto:mallory@evil.example\talice@coop.example",
		"mailto:mallory@evil.example alice@coop.example",
		"mailto:mallory＠evil.example@coop.example",
		"mailto:alice@coop.example\\,mallory@evil.example",
	}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t)
			out := h.handle(withOrganizer("m-1", "ORGANIZER;CN=Alice:"+v, "alice@coop.example").bytes())
			if out.Action != gateway.ActionRejected || out.Folder != gateway.FolderRejected ||
				!strings.Contains(out.Reason, "ORGANIZER: invalid address") {
				t.Errorf("outcome %+v, want rejected for the ORGANIZER address", out)
			}
			// The only mail, if any, is the short notice to the sender
			// (a member) that the invitation could not be read.
			for _, m := range h.st.outbox() {
				if len(m.To) != 1 || m.To[0] != alice || m.Kind != gateway.OutboxUnreadable || strings.Contains(string(m.Raw), hostKey) {
					t.Errorf("mail to %v (%s)", m.To, m.Kind)
				}
			}
			if n := len(h.st.bookings()); n != 0 {
				t.Errorf("%d bookings stored", n)
			}
		})
	}
	// SENT-BY is read the same way.
	h := newHarness(t)
	out := h.handle(withOrganizer("m-2", `ORGANIZER;SENT-BY="mailto:bob@coop.example@evil.example":mailto:alice@coop.example`, alice).bytes())
	if out.Action != gateway.ActionRejected || !strings.Contains(out.Reason, "SENT-BY: invalid address") {
		t.Errorf("bad SENT-BY: %+v", out)
	}
}

// TestAllowListExact: "@coop.example" admits that domain only.
func TestAllowListExact(t *testing.T) {
	for _, org := range []string{"x@evil.coop.example", "x@coop.example.evil.example", "x@coop.examples", "x@xcoop.example"} {
		h := newHarness(t)
		out := h.handle(meeting("REQUEST", "m-1", org, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
		if out.Action != gateway.ActionDeclined || !strings.Contains(out.Reason, "may not book") {
			t.Errorf("%s: %+v, want declined as an outsider", org, out)
		}
	}
	h := newHarness(t)
	if out := h.handle(meeting("REQUEST", "m-1", "Alice@COOP.Example", 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()); out.Action != gateway.ActionAccepted {
		t.Errorf("an organizer in upper case: %+v", out)
	}
}

// mallory is an outsider whose own domain passes DMARC.
const mallory = "mallory@evil.example"

// securityOptions: authentic mail required, facilitators warned.
func securityOptions(o *gateway.Options) {
	authentic(o)
	o.Relay.Facilitators = []string{tech}
	o.Policy.TrustedSenders = []string{"noreply@cloud.coop.example"}
	o.Policy.Delegates = map[string][]string{alice: {"Carol@Coop.Example"}, dave: {bob}}
}

// TestWhoSentIt: with authentication required, a REQUEST or CANCEL counts
// only from its organizer, a delegate that organizer declared, or a
// trusted sender, and only when the receiving server authenticated the
// From domain. A SENT-BY is the sender's word: another member naming
// himself the organizer's SENT-BY speaks for nobody.
func TestWhoSentIt(t *testing.T) {
	base := func() invite { return meeting("REQUEST", "w-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)) }
	tests := []struct {
		name     string
		edit     func(*invite)
		accepted bool
		reason   string // part of the rejection's reason
	}{
		{"the organizer, DMARC pass", func(*invite) {}, true, ""},
		{"the organizer, aligned DKIM pass", func(iv *invite) {
			iv.AuthResults = mx + "; dkim=pass header.d=mail.coop.example; dmarc=none header.from=coop.example"
		}, true, ""},
		{"From an outsider", func(iv *invite) { iv.From = mallory },
			false, "the sender mallory@evil.example is neither the organizer alice@coop.example"},
		{"From another member", func(iv *invite) { iv.From = bob },
			false, "the sender bob@coop.example is neither the organizer"},
		{"DMARC fail", func(iv *invite) { iv.AuthResults = mx + "; dmarc=fail header.from=coop.example" },
			false, "not authenticated: mx.coop.example reports DMARC fail for coop.example"},
		{"DKIM pass for another domain", func(iv *invite) { iv.AuthResults = mx + "; dkim=pass header.d=evil.example" },
			false, "not authenticated"},
		{"DMARC pass for another domain", func(iv *invite) { iv.AuthResults = mx + "; dmarc=pass header.from=evil.example" },
			false, "not authenticated"},
		{"no Authentication-Results", func(iv *invite) { iv.AuthResults = "-" },
			false, "no Authentication-Results field"},
		{"forged field below ours", func(iv *invite) {
			iv.AuthResults = mx + "; dmarc=fail header.from=coop.example"
			iv.Header = []string{"Authentication-Results: " + mx + "; dmarc=pass header.from=coop.example"}
		}, false, "reports DMARC fail for coop.example"},
		{"forged field on top", func(iv *invite) {
			iv.AuthResults = "evil.example; dmarc=pass header.from=coop.example"
		}, false, `top Authentication-Results field is from "evil.example"`},
		{"two From addresses", func(iv *invite) {
			iv.AuthResults = mx + "; dmarc=pass header.from=coop.example"
			iv.Header = []string{"X-Filler: 1"}
			iv.From = "alice@coop.example>, <mallory@evil.example"
		}, false, "not exactly one valid address"},
		{"SENT-BY a declared delegate", func(iv *invite) {
			iv.Events[0].Organizer = ""
			iv.Events[0].Lines = []string{`ORGANIZER;CN=Alice;SENT-BY="mailto:carol@coop.example":mailto:alice@coop.example`}
			iv.From = carol
		}, true, ""},
		{"a declared delegate without SENT-BY", func(iv *invite) { iv.From = carol }, true, ""},
		{"SENT-BY a member nobody declared", func(iv *invite) {
			iv.Events[0].Organizer = ""
			iv.Events[0].Lines = []string{`ORGANIZER;CN=Alice;SENT-BY="mailto:bob@coop.example":mailto:alice@coop.example`}
			iv.From = bob
		}, false, "the sender bob@coop.example is the organizer's SENT-BY, but alice@coop.example declared no such delegate"},
		{"SENT-BY the delegate of another organizer", func(iv *invite) {
			iv.Events[0].Organizer = ""
			iv.Events[0].Lines = []string{`ORGANIZER;CN=Alice;SENT-BY="mailto:bob@coop.example":mailto:alice@coop.example`}
			iv.From = bob // dave's delegate, not alice's
		}, false, "alice@coop.example declared no such delegate"},
		{"a declared delegate, SENT-BY somebody else", func(iv *invite) {
			iv.Events[0].Organizer = ""
			iv.Events[0].Lines = []string{`ORGANIZER;CN=Alice;SENT-BY="mailto:bob@coop.example":mailto:alice@coop.example`}
			iv.From = carol
		}, false, "the sender carol@coop.example is neither the organizer alice@coop.example, nor a delegate it declared"},
		{"SENT-BY an outsider", func(iv *invite) {
			iv.Events[0].Organizer = ""
			iv.Events[0].Lines = []string{`ORGANIZER;CN=Alice;SENT-BY="mailto:mallory@evil.example":mailto:alice@coop.example`}
			iv.From = mallory
		}, false, "the sender mallory@evil.example is the organizer's SENT-BY, but alice@coop.example declared no such delegate"},
		{"a trusted calendar server", func(iv *invite) {
			iv.From = "noreply@cloud.coop.example"
			iv.Header = []string{"Reply-To: alice@coop.example"}
		}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, securityOptions)
			iv := base()
			tt.edit(&iv)
			out := h.handle(iv.bytes())
			if tt.accepted {
				if out.Action != gateway.ActionAccepted || out.Queued != 1 {
					t.Fatalf("outcome %+v, want accepted with a reply", out)
				}
				return
			}
			if out.Action != gateway.ActionRejected || out.Folder != gateway.FolderRejected || !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("outcome %+v, want rejected because %q", out, tt.reason)
			}
			q := h.st.outbox()
			if len(q) != 1 || q[0].To[0] != tech {
				t.Fatalf("queued %+v, want only the alert to the facilitator", q)
			}
			if n := len(h.st.bookings()); n != 0 {
				t.Errorf("%d bookings stored", n)
			}
			r := decodeNotice(t, q[0].Raw)
			if r.Subject != "Alert: a mail in a member's name was rejected" || !strings.Contains(r.Text, "in the\nname of alice@coop.example") {
				t.Errorf("alert: %q\n%s", r.Subject, r.Text)
			}
		})
	}
}

// TestForgedChanges: knowing a UID, an outsider can neither cancel, move,
// nor remove the room from a member's booking.
func TestForgedChanges(t *testing.T) {
	aliceInv := meeting("REQUEST", "alice-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	forge := func(iv invite) []byte {
		iv.From = mallory
		return iv.bytes()
	}
	cancel := stamped(meeting("CANCEL", "alice-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute)
	move := stamped(meeting("REQUEST", "alice-1", alice, 1, tomorrow(15, 0), tomorrow(16, 0)), time.Minute)
	removed := stamped(meeting("REQUEST", "alice-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute)
	removed.Events[0].Attendees = nil
	for name, msg := range map[string][]byte{"cancel": forge(cancel), "move": forge(move), "remove the room": forge(removed)} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, securityOptions)
			if out := h.handle(aliceInv.bytes()); out.Action != gateway.ActionAccepted {
				t.Fatalf("alice: %+v", out)
			}
			n := len(h.st.outbox())
			out := h.handle(msg)
			if out.Action != gateway.ActionRejected || out.Folder != gateway.FolderRejected {
				t.Errorf("forged %s: %+v, want rejected", name, out)
			}
			for _, m := range h.st.outbox()[n:] {
				if m.To[0] != tech {
					t.Errorf("a mail went to %v", m.To)
				}
			}
			b := h.booking("alice-1", "")
			if b.Status != gateway.StatusAccepted || !b.Start.Equal(tomorrow(10, 0)) || b.Sequence != 0 {
				t.Errorf("alice's booking after a forged %s: %s at %v, SEQUENCE %d", name, b.Status, b.Start, b.Sequence)
			}
		})
	}
}

// TestForgedAlertsBounded: a flood of forgeries gets the facilitators at
// most ten alerts an hour.
func TestForgedAlertsBounded(t *testing.T) {
	h := newHarness(t, securityOptions)
	for i := range 25 {
		iv := meeting("REQUEST", fmt.Sprintf("f-%d", i), alice, 0, tomorrow(10, 0), tomorrow(11, 0))
		iv.From = mallory
		if out := h.handle(iv.bytes()); out.Action != gateway.ActionRejected {
			t.Fatalf("forgery %d: %+v", i, out)
		}
	}
	if n := len(h.st.outbox()); n != 10 {
		t.Errorf("%d alerts, want 10", n)
	}
	h.clock.advance(61 * time.Minute)
	iv := meeting("REQUEST", "f-late", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.From = mallory
	h.handle(iv.bytes())
	if n := len(h.st.outbox()); n != 11 {
		t.Errorf("%d alerts an hour later, want 11", n)
	}
}

// TestUIDNotTakenOver: an outsider's declined request with a member's UID
// makes no booking, so the member's invitation is decided and answered.
func TestUIDNotTakenOver(t *testing.T) {
	h := newHarness(t, securityOptions)
	first := meeting("REQUEST", "shared-uid", mallory, 5, tomorrow(10, 0), tomorrow(11, 0))
	if out := h.handle(first.bytes()); out.Action != gateway.ActionDeclined || out.Queued != 1 {
		t.Fatalf("outsider: %+v, want declined with a reply", out)
	}
	out := h.handle(meeting("REQUEST", "shared-uid", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	if out.Action != gateway.ActionAccepted || out.Queued != 1 {
		t.Errorf("alice's invitation with the same UID: %+v, want accepted and answered", out)
	}
}

// TestOutsiderReplyLimits: people who may not book get at most
// OutsiderRepliesPerHour replies in all, and one address at most
// SenderRepliesPerHour whatever the UIDs; without authentication they get
// none.
func TestOutsiderReplyLimits(t *testing.T) {
	h := newHarness(t, securityOptions, func(o *gateway.Options) {
		o.Policy.OutsiderRepliesPerHour, o.Policy.SenderRepliesPerHour = 5, 3
	})
	replies := func(from string, uids int) int {
		n := len(h.st.outbox())
		for i := range uids {
			h.handle(meeting("REQUEST", fmt.Sprintf("%s-%d", from, i), from, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
		}
		return len(h.st.outbox()) - n
	}
	if n := replies("one@evil.example", 10); n != 3 {
		t.Errorf("one outsider, 10 UIDs: %d replies, want 3", n)
	}
	if n := replies("two@other.example", 10); n != 2 {
		t.Errorf("a second outsider: %d replies, want the 2 left of 5", n)
	}
	// A member is not held back by the outsiders' limit.
	if n := replies(alice, 1); n != 1 {
		t.Errorf("a member: %d replies, want 1", n)
	}
	off := newHarness(t)
	out := off.handle(meeting("REQUEST", "e-1", eve, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	if out.Action != gateway.ActionDeclined || out.Queued != 0 {
		t.Errorf("unauthenticated outsider: %+v, want declined without reply", out)
	}
}
