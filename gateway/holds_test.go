package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// holdsOn bounds the requests not yet accepted as the configuration does
// by default: three per person, six per domain of people who are no
// members.
func holdsOn(o *gateway.Options) {
	o.Policy.MaxHoldsPerSender, o.Policy.MaxHoldsPerDomain = 3, 6
}

// countStatus counts the stored bookings of a status.
func (h *harness) countStatus(st gateway.BookingStatus) int {
	n := 0
	for _, b := range h.st.bookings() {
		if b.Status == st {
			n++
		}
	}
	return n
}

// TestPartnerDomainHolds: with approval = ["@partner.example"], twelve
// authentic partner addresses each ask for a whole day (08:00–16:00, one
// day each): six are pending, the next six are declined for the domain's
// limit and say so, and members book those days at once. Once a
// facilitator answers one, the domain may ask again.
func TestPartnerDomainHolds(t *testing.T) {
	h := newHarness(t, securityOptions, approvalOn, holdsOn)
	day := func(i int) time.Time { return at(2026, 12, 1+i, 8, 0) }
	for i := range 12 {
		p := fmt.Sprintf("p%d@partner.example", i+1)
		n := len(h.st.outbox())
		out := h.handle(meeting("REQUEST", fmt.Sprint("partner-", i), p, 0, day(i), day(i).Add(8*time.Hour)).bytes())
		if i < 6 {
			if out.Action != gateway.ActionPending {
				t.Fatalf("partner %d: %+v, want pending", i+1, out)
			}
			continue
		}
		want := "the addresses of partner.example already have 6 requests not yet accepted (pending approval, waiting, or a proposed slot); the limit is 6"
		if out.Action != gateway.ActionDeclined || out.Reason != want {
			t.Fatalf("partner %d: %+v, want declined: %s", i+1, out, want)
		}
		m, r := h.onlyMail(n) // no mail to the facilitators
		if m.To[0] != p || !strings.Contains(strings.Join(strings.Fields(r.Text), " "),
			"the addresses of partner.example may have at most 6 requests not yet accepted together") {
			t.Errorf("decline to %v:\n%s", m.To, r.Text)
		}
	}
	if n := h.countStatus(gateway.StatusPending); n != 6 {
		t.Errorf("%d dates pending, want 6", n)
	}
	for i := 6; i < 12; i++ {
		out := h.handle(meeting("REQUEST", fmt.Sprint("member-", i), alice, 0, day(i).Add(time.Hour), day(i).Add(2*time.Hour)).bytes())
		if out.Action != gateway.ActionAccepted {
			t.Errorf("alice on day %d: %+v, want accepted", i, out)
		}
	}
	// One partner alone is bounded by the person's limit first.
	h2 := newHarness(t, securityOptions, approvalOn, holdsOn)
	for i := range 4 {
		out := h2.handle(meeting("REQUEST", fmt.Sprint("anna-", i), partner, 0, day(i), day(i).Add(time.Hour)).bytes())
		if want := map[bool]gateway.Action{true: gateway.ActionPending, false: gateway.ActionDeclined}[i < 3]; out.Action != want {
			t.Errorf("anna's request %d: %+v, want %s", i+1, out, want)
		}
	}
}

// TestHoldsFreedByAnswer: a pending request answered by a facilitator no
// longer counts, and a new version of a held meeting replaces it rather
// than counting twice.
func TestHoldsFreedByAnswer(t *testing.T) {
	h := newHarness(t, securityOptions, approvalOn, func(o *gateway.Options) { o.Policy.MaxHoldsPerSender = 1 })
	first := meeting("REQUEST", "anna-1", partner, 0, tomorrow(9, 0), tomorrow(10, 0))
	n := len(h.st.outbox())
	if out := h.handle(first.bytes()); out.Action != gateway.ActionPending {
		t.Fatalf("first: %+v", out)
	}
	approve, _ := approvalLinks(t, h, n)
	if out := h.handle(stamped(meeting("REQUEST", "anna-1", partner, 1, tomorrow(11, 0), tomorrow(12, 0)), time.Minute).bytes()); out.Action != gateway.ActionPending {
		t.Fatalf("the same meeting moved: %+v, want pending again", out)
	}
	if out := h.handle(meeting("REQUEST", "anna-2", partner, 0, tomorrow(14, 0), tomorrow(15, 0)).bytes()); out.Action != gateway.ActionDeclined || !strings.Contains(out.Reason, "the limit is 1") {
		t.Fatalf("second meeting: %+v, want declined for the limit", out)
	}
	_ = approve // the link of the first version is void: answer the current one
	n = len(h.st.outbox())
	if out := h.handle(stamped(meeting("REQUEST", "anna-1", partner, 2, tomorrow(11, 0), tomorrow(12, 30)), 2*time.Minute).bytes()); out.Action != gateway.ActionPending {
		t.Fatalf("moved again: %+v", out)
	}
	approve, _ = approvalLinks(t, h, n)
	if _, err := h.g.DecideApproval(t.Context(), approve, ""); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if out := h.handle(stamped(meeting("REQUEST", "anna-2", partner, 1, tomorrow(14, 0), tomorrow(15, 0)), time.Minute).bytes()); out.Action != gateway.ActionPending {
		t.Errorf("second meeting once the first is approved: %+v, want pending", out)
	}
}

// TestWaitlistOnePlacePerSender: one member cannot fill a slot's whole
// waiting list with three UIDs: he waits once for a slot, and the other
// members still find places.
func TestWaitlistOnePlacePerSender(t *testing.T) {
	h := newHarness(t, securityOptions, holdsOn, func(o *gateway.Options) { o.Policy.Waitlist, o.Policy.WaitlistMax = true, 3 })
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	for i := range 3 {
		n := len(h.st.outbox())
		out := h.handle(meeting("REQUEST", fmt.Sprint("bob-", i), bob, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
		_, r := h.onlyMail(n)
		waits := strings.Contains(r.Text, "If the slot frees before the meeting")
		if out.Action != gateway.ActionDeclined || waits != (i == 0) {
			t.Errorf("bob's UID %d: %+v, waits %v, want only the first to wait", i, out, waits)
		}
	}
	for _, who := range []string{carol, dave} {
		n := len(h.st.outbox())
		h.handle(meeting("REQUEST", "w-"+who, who, 0, tomorrow(10, 30), tomorrow(11, 30)).bytes())
		if _, r := h.onlyMail(n); !strings.Contains(r.Text, "If the slot frees before the meeting") {
			t.Errorf("%s does not wait:\n%s", who, r.Text)
		}
	}
	if n := h.countStatus(gateway.StatusWaiting); n != 3 {
		t.Errorf("%d waiting, want 3 (bob, carol, dave)", n)
	}
}

// TestCounterHoldsBounded: eight Thunderbird requests of one member for a
// taken hour leave at most three meetings holding the account (waiting or
// with a proposed slot); the others get neither, and their decline says
// why.
func TestCounterHoldsBounded(t *testing.T) {
	h := newHarness(t, securityOptions, holdsOn, counterOn, func(o *gateway.Options) { o.Policy.Waitlist = true })
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(9, 0), tomorrow(10, 0)).bytes())
	for i := range 8 {
		iv := meeting("REQUEST", fmt.Sprint("tb-", i), bob, 0, tomorrow(9, 0), tomorrow(10, 0))
		iv.ProdID = thunderbirdProdID
		n := len(h.st.outbox())
		out := h.handle(iv.bytes())
		_, counter := counterMail(t, h, n)
		if out.Action != gateway.ActionDeclined || (counter != nil) != (i < 3) {
			t.Errorf("request %d: %+v, COUNTER %v; want one for the first three only", i, out, counter != nil)
		}
		if i < 3 {
			continue
		}
		for _, m := range h.queuedSince(n) {
			r := decodeReply(t, m.Raw)
			text := strings.Join(strings.Fields(r.Text), " ")
			if !strings.Contains(text, "The room does not keep this request waiting and proposes no other time: you already have 3 requests not yet accepted (the limit is 3).") {
				t.Errorf("request %d: the decline does not say why:\n%s", i, r.Text)
			}
		}
	}
	if n := h.countStatus(gateway.StatusHeld); n != 3 {
		t.Errorf("%d slots held, want 3", n)
	}
	// Once the proposals expire and nothing waits, bob may ask again.
	h.clock.advance(time.Hour)
	if out := h.handle(meeting("REQUEST", "b-later", bob, 0, tomorrow(15, 0), tomorrow(16, 0)).bytes()); out.Action != gateway.ActionAccepted {
		t.Errorf("a free slot: %+v", out)
	}
}

// TestHoldsCountInQuotas: a request that waits counts in its organizer's
// weekly hours; the decline for the quota says that such requests count.
func TestHoldsCountInQuotas(t *testing.T) {
	h := newHarness(t, func(o *gateway.Options) {
		o.Policy.MaxWeekHours, o.Policy.Waitlist = 6*time.Hour, true
	})
	h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(9, 0), tomorrow(13, 0)).bytes())
	n := len(h.st.outbox())
	if out := h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(9, 0), tomorrow(13, 0)).bytes()); out.Action != gateway.ActionDeclined {
		t.Fatalf("alice's 4 h at a taken time: %+v", out)
	}
	if _, r := h.onlyMail(n); !strings.Contains(r.Text, "If the slot frees before the meeting") {
		t.Fatalf("alice does not wait:\n%s", r.Text)
	}
	n = len(h.st.outbox())
	out := h.handle(meeting("REQUEST", "a-2", alice, 0, tomorrow(15, 0), tomorrow(18, 0)).bytes())
	want := "alice@coop.example already has 4 h booked in the week of 2026-11-30; the limit is 6 h a week"
	if out.Action != gateway.ActionDeclined || out.Reason != want {
		t.Fatalf("3 h more: %+v, want declined: %s", out, want)
	}
	_, r := h.onlyMail(n)
	if text := strings.Join(strings.Fields(r.Text), " "); !strings.Contains(text, "Requests not yet accepted (waiting for a facilitator, for a slot to free, or a proposed slot) count too.") {
		t.Errorf("decline:\n%s", r.Text)
	}
	// A request for a taken slot beyond the quota does not wait: it is
	// declined for the quota.
	h.handle(meeting("REQUEST", "d-1", dave, 0, at(2026, 12, 2, 9, 0), at(2026, 12, 2, 12, 0)).bytes())
	if out := h.handle(meeting("REQUEST", "a-3", alice, 0, at(2026, 12, 2, 9, 0), at(2026, 12, 2, 12, 0)).bytes()); out.Action != gateway.ActionDeclined || !strings.Contains(out.Reason, "the limit is 6 h") {
		t.Errorf("3 h more at a taken time: %+v, want declined for the quota", out)
	}
	if n := h.countStatus(gateway.StatusWaiting); n != 1 {
		t.Errorf("%d waiting, want 1", n)
	}
}
