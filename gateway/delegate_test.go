package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// sentBy is an invitation of org's meeting written by from, who names
// himself the ORGANIZER's SENT-BY, as Outlook's and Thunderbird's
// delegates do.
func sentBy(method, uid, org, from string, seq int, s, e time.Time) invite {
	iv := meeting(method, uid, "", seq, s, e)
	iv.Events[0].Lines = []string{fmt.Sprintf(`ORGANIZER;CN=%s;SENT-BY="mailto:%s":mailto:%s`, nameOf(org), from, org)}
	iv.From = from
	return iv
}

// TestSentByActsForNobody: an authentic member, Bob, writing himself as
// Alice's SENT-BY, can neither cancel, move, nor book in her name: Alice
// declared no delegate. Carol, whom she declared, can.
func TestSentByActsForNobody(t *testing.T) {
	aliceInv := meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	attacks := map[string]invite{
		"cancel": stamped(sentBy("CANCEL", "a-1", alice, bob, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute),
		"move":   stamped(sentBy("REQUEST", "a-1", alice, bob, 1, tomorrow(15, 0), tomorrow(16, 0)), time.Minute),
		"book":   sentBy("REQUEST", "a-2", alice, bob, 0, tomorrow(14, 0), tomorrow(15, 0)),
	}
	for name, iv := range attacks {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, securityOptions)
			if out := h.handle(aliceInv.bytes()); out.Action != gateway.ActionAccepted {
				t.Fatalf("alice: %+v", out)
			}
			n := len(h.st.outbox())
			out := h.handle(iv.bytes())
			want := "the sender bob@coop.example is the organizer's SENT-BY, but alice@coop.example declared no such delegate ([policy] delegates)"
			if out.Action != gateway.ActionRejected || !strings.HasSuffix(out.Reason, want) {
				t.Fatalf("bob's %s: %+v, want rejected: %s", name, out, want)
			}
			for _, m := range h.st.outbox()[n:] {
				if m.To[0] != tech {
					t.Errorf("a mail went to %v", m.To)
				}
			}
			if bs := h.st.bookings(); len(bs) != 1 || bs[0].Status != gateway.StatusAccepted || !bs[0].Start.Equal(tomorrow(10, 0)) {
				t.Errorf("bookings after bob's %s: %+v", name, bs)
			}
			// The delegate alice declared does what bob could not.
			iv.From = carol
			iv.Events[0].Lines = []string{`ORGANIZER;CN=Alice;SENT-BY="mailto:carol@coop.example":mailto:alice@coop.example`}
			if out := h.handle(iv.bytes()); out.Action == gateway.ActionRejected {
				t.Errorf("carol's %s: %+v", name, out)
			}
		})
	}
}

// TestInventedOrganizers: an authentic member writing invitations whose
// ORGANIZER is an address he made up (b.alt1@coop.example…, members by
// their domain) is refused as not the organizer's; when he may speak for
// others (a trusted sender, a declared delegate), or when authentic mail
// is not required, what he books counts in his own quota: 8 h of 24 for
// each made-up organizer, and the fourth goes beyond his 24 h.
func TestInventedOrganizers(t *testing.T) {
	alt := func(i int) string { return fmt.Sprintf("bob.alt%d@coop.example", i) }
	setups := map[string]func(*gateway.Options){
		"not trusted": securityOptions,
		"a trusted sender": func(o *gateway.Options) {
			securityOptions(o)
			o.Policy.TrustedSenders = append(o.Policy.TrustedSenders, bob)
		},
		"their declared delegate": func(o *gateway.Options) {
			securityOptions(o)
			o.Policy.Delegates = map[string][]string{alt(1): {bob}, alt(2): {bob}, alt(3): {bob}, alt(4): {bob}}
		},
		"authentic mail not required": func(*gateway.Options) {},
	}
	for name, setup := range setups {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, setup, func(o *gateway.Options) { o.Policy.MaxWeekHours = 24 * time.Hour })
			var outs []gateway.Outcome
			for i := 1; i <= 4; i++ {
				day := at(2026, 12, i, 9, 0)
				iv := meeting("REQUEST", fmt.Sprint("alt-", i), alt(i), 0, day, day.Add(8*time.Hour))
				iv.From = bob
				outs = append(outs, h.handle(iv.bytes()))
			}
			if name == "not trusted" {
				for i, out := range outs {
					if out.Action != gateway.ActionRejected || !strings.Contains(out.Reason, "the sender bob@coop.example is neither the organizer "+alt(i+1)) {
						t.Errorf("made-up organizer %d: %+v, want rejected", i+1, out)
					}
				}
				if n := len(h.st.bookings()); n != 0 {
					t.Errorf("%d bookings", n)
				}
				return
			}
			for i, out := range outs[:3] {
				if out.Action != gateway.ActionAccepted {
					t.Errorf("made-up organizer %d: %+v, want accepted (8 h of bob's 24)", i+1, out)
				}
			}
			want := "bob@coop.example already has 24 h booked in the week of 2026-11-30; the limit is 24 h a week"
			if out := outs[3]; out.Action != gateway.ActionDeclined || out.Reason != want {
				t.Errorf("the fourth: %+v, want declined: %s", out, want)
			}
			if b := h.booking("alt-1", ""); b.Actor != bob || b.Organizer != alt(1) {
				t.Errorf("booking stored for %s, asked by %q", b.Organizer, b.Actor)
			}
			// Bob's own meetings count with what he booked for others.
			day := at(2026, 12, 5, 9, 0)
			if out := h.handle(meeting("REQUEST", "bob-own", bob, 0, day, day.Add(time.Hour)).bytes()); out.Action != gateway.ActionDeclined {
				t.Errorf("bob's own hour that week: %+v, want declined", out)
			}
		})
	}
}

// TestDelegateQuotas: what a declared delegate books for an organizer
// counts in both their quotas; what a trusted calendar server that is no
// member books counts for each organizer only.
func TestDelegateQuotas(t *testing.T) {
	h := newHarness(t, securityOptions, func(o *gateway.Options) { o.Policy.MaxWeekHours = 6 * time.Hour })
	day := func(d int) time.Time { return at(2026, 12, d, 9, 0) }
	steps := []struct {
		name   string
		iv     invite
		action gateway.Action
	}{
		{"carol books 4 h for alice", sentBy("REQUEST", "d-1", alice, carol, 0, day(1), day(1).Add(4*time.Hour)), gateway.ActionAccepted},
		{"carol's own 3 h", meeting("REQUEST", "d-2", carol, 0, day(2), day(2).Add(3*time.Hour)), gateway.ActionDeclined},
		{"alice's own 3 h", meeting("REQUEST", "d-3", alice, 0, day(2), day(2).Add(3*time.Hour)), gateway.ActionDeclined},
		{"carol's own 2 h", meeting("REQUEST", "d-4", carol, 0, day(3), day(3).Add(2*time.Hour)), gateway.ActionAccepted},
		{"the calendar server, 5 h for bob", func() invite {
			iv := meeting("REQUEST", "d-5", bob, 0, day(4), day(4).Add(5*time.Hour))
			iv.From = "noreply@cloud.coop.example"
			return iv
		}(), gateway.ActionAccepted},
		{"the calendar server, 5 h for dave", func() invite {
			iv := meeting("REQUEST", "d-6", dave, 0, day(2), day(2).Add(5*time.Hour))
			iv.From = "noreply@cloud.coop.example"
			return iv
		}(), gateway.ActionAccepted},
	}
	for _, s := range steps {
		if out := h.handle(s.iv.bytes()); out.Action != s.action {
			t.Errorf("%s: %+v, want %s", s.name, out, s.action)
		}
	}
	// Carol's own limit holds what she asks for alice, and alice is told
	// whose limit it is.
	n := len(h.st.outbox())
	out := h.handle(sentBy("REQUEST", "d-8", alice, carol, 0, day(5), day(5).Add(time.Hour)).bytes())
	want := "carol@coop.example already has 6 h booked in the week of 2026-11-30; the limit is 6 h a week"
	if out.Action != gateway.ActionDeclined || out.Reason != want {
		t.Fatalf("carol's hour for alice: %+v, want declined: %s", out, want)
	}
	m, r := h.onlyMail(n)
	if text := strings.Join(strings.Fields(r.Text), " "); m.To[0] != alice ||
		!strings.Contains(text, "carol@coop.example, who sent this request, already has 6 hours booked in the week of Monday 30 November 2026") {
		t.Errorf("decline to %v:\n%s", m.To, r.Text)
	}
	// Cancelling what the delegate booked frees both quotas.
	if out := h.handle(stamped(sentBy("CANCEL", "d-1", alice, carol, 1, day(1), day(1).Add(4*time.Hour)), time.Minute).bytes()); out.Action != gateway.ActionCancelled {
		t.Fatalf("carol cancels for alice: %+v", out)
	}
	if out := h.handle(meeting("REQUEST", "d-7", carol, 0, day(5), day(5).Add(4*time.Hour)).bytes()); out.Action != gateway.ActionAccepted {
		t.Errorf("carol's 4 h once alice's meeting is cancelled: %+v", out)
	}
}

// TestDelegatesChecked: the declarations are read as mailboxes, in any
// case; one that is not a mailbox stops the gateway from starting.
func TestDelegatesChecked(t *testing.T) {
	h := newHarness(t, securityOptions, func(o *gateway.Options) {
		o.Policy.Delegates = map[string][]string{"Alice@COOP.example": {" Carol@Coop.Example "}}
	})
	if out := h.handle(sentBy("REQUEST", "c-1", alice, carol, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()); out.Action != gateway.ActionAccepted {
		t.Errorf("carol for alice: %+v", out)
	}
	for _, bad := range []map[string][]string{
		{"@coop.example": {carol}},
		{alice: {"carol@coop.example@evil.example"}},
		{alice: {"mailto:carol@coop.example?cc=x@evil.example"}},
	} {
		opt := baseOptions(t, newMemStore(), &fakeClock{now: t0})
		opt.Policy.Delegates = bad
		if _, err := gateway.New(opt); err == nil || !strings.Contains(err.Error(), "gateway: delegates of") {
			t.Errorf("delegates %q: %v, want refused", bad, err)
		}
	}
}
