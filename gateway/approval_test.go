package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

const (
	facilitator = "tech@coop.example"
	publicURL   = "https://salles.coop.example"
	partner     = "anna@partner.example"
)

var approvalKey = []byte("a signing key of at least 32 bytes, for tests")

// approvalOn lists every rule, and the domain partner.example.
func approvalOn(o *gateway.Options) {
	o.Policy.Approval = []string{gateway.ApproveTooLong, gateway.ApproveOutsideHours, gateway.ApproveBeyondWindow,
		gateway.ApproveEndless, "@partner.example"}
	o.Relay.Facilitators = []string{facilitator}
	o.Approval = gateway.ApprovalOptions{Key: approvalKey, PublicURL: publicURL}
}

// longMeeting is alice's 10-hour meeting tomorrow, longer than the 8 hours
// of the policy.
func longMeeting(seq int) invite {
	return meeting("REQUEST", "long-1", alice, seq, tomorrow(8, 30), tomorrow(18, 30))
}

var linkRE = regexp.MustCompile(`https://salles\.coop\.example/approval\?t=[A-Za-z0-9._%-]+`)

// approvalLinks finds the facilitators' mail among the mails queued since
// n and returns its approve and refuse tokens.
func approvalLinks(t *testing.T, h *harness, n int) (approve, refuse string) {
	t.Helper()
	for _, m := range h.queuedSince(n) {
		if m.To[0] != facilitator {
			continue
		}
		r := decodeNoticeParts(t, m.Raw)
		links := linkRE.FindAllString(r.Text, -1)
		if len(links) != 2 {
			t.Fatalf("facilitators' mail has %d links:\n%s", len(links), r.Text)
		}
		tok := func(link string) string {
			u, err := url.Parse(link)
			if err != nil {
				t.Fatal(err)
			}
			return u.Query().Get("t")
		}
		return tok(links[0]), tok(links[1])
	}
	t.Fatal("no mail to the facilitators")
	return "", ""
}

// mailTo returns the mails queued since n to addr.
func mailTo(h *harness, n int, addr string) []gateway.OutboxMail {
	var out []gateway.OutboxMail
	for _, m := range h.queuedSince(n) {
		if m.To[0] == addr {
			out = append(out, m)
		}
	}
	return out
}

// TestApprovalApprove: a meeting longer than the policy allows is held
// and answered TENTATIVE, the facilitators are asked, and approving it
// accepts it with the room's details, once.
func TestApprovalApprove(t *testing.T) {
	h := newHarness(t, approvalOn)
	out := h.handle(longMeeting(1).bytes())
	if out.Action != gateway.ActionPending || out.Queued != 2 {
		t.Fatalf("outcome %+v, want pending with the reply and one facilitator's mail", out)
	}
	if b := h.booking("long-1", ""); b.Status != gateway.StatusPending || b.Approval == "" || len(b.Request) == 0 {
		t.Fatalf("booking %s, approval %q, %d bytes of request", b.Status, b.Approval, len(b.Request))
	}
	member := mailTo(h, 0, alice)
	if len(member) != 1 {
		t.Fatalf("%d mails to alice", len(member))
	}
	r := decodeReply(t, member[0].Raw)
	noSecrets(t, member[0].Raw, r)
	if ps := partStat(t, r.Cal.Events[0]); ps != "TENTATIVE" {
		t.Errorf("reply PARTSTAT %s, want TENTATIVE", ps)
	}
	if !strings.HasPrefix(subject(t, r), "Waiting for a facilitator") || !strings.Contains(r.Text, "it lasts 10 hours") {
		t.Errorf("member's mail %q:\n%s", subject(t, r), r.Text)
	}
	approve, refuse := approvalLinks(t, h, 0)
	// The slot is held meanwhile.
	if o := h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(12, 0), tomorrow(13, 0)).bytes()); o.Action != gateway.ActionDeclined {
		t.Errorf("carol during the approval: %+v", o)
	}
	ctx := context.Background()
	v, err := h.g.Approval(ctx, approve)
	if err != nil || v.State != gateway.ApprovalPending || v.Action != gateway.ApprovalApprove || v.Organizer != alice ||
		len(v.Rules) != 1 || v.Rules[0] != gateway.ApproveTooLong || !v.Expires.Equal(tomorrow(8, 30)) {
		t.Fatalf("Approval = %+v, %v", v, err)
	}
	n := len(h.st.outbox())
	h.clock.advance(time.Hour)
	if v, err = h.g.DecideApproval(ctx, approve, ""); err != nil || v.State != gateway.ApprovalApproved {
		t.Fatalf("DecideApproval = %+v, %v", v, err)
	}
	if b := h.booking("long-1", ""); b.Status != gateway.StatusAccepted {
		t.Errorf("booking %s after approval", b.Status)
	}
	m, r := h.onlyMail(n)
	ev := r.Cal.Events[0]
	if m.To[0] != alice || partStat(t, ev) != "ACCEPTED" || ev.Sequence != 1 || !ev.DTStamp.After(t0) ||
		!strings.HasPrefix(subject(t, r), "Request approved") || !strings.Contains(r.Text, hostKey) {
		t.Errorf("approval mail to %v: %s seq %d stamp %v, %q:\n%s", m.To, partStat(t, ev), ev.Sequence, ev.DTStamp, subject(t, r), r.Text)
	}
	// A link works once: the same, or the other one, changes nothing.
	n = len(h.st.outbox())
	for _, tok := range []string{approve, refuse} {
		if v, err := h.g.DecideApproval(ctx, tok, "no"); !errors.Is(err, gateway.ErrApprovalDone) || v.State != gateway.ApprovalApproved {
			t.Errorf("link used again: %+v, %v", v, err)
		}
	}
	if len(h.st.outbox()) != n || h.booking("long-1", "").Status != gateway.StatusAccepted {
		t.Error("a used link changed something")
	}
}

// TestApprovalRefuse: refusing declines with the facilitator's reason, and
// a request that waited for the slot takes it.
func TestApprovalRefuse(t *testing.T) {
	h := newHarness(t, approvalOn, func(o *gateway.Options) { o.Policy.Waitlist = true })
	h.handle(longMeeting(0).bytes())
	_, refuse := approvalLinks(t, h, 0)
	if o := h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(12, 0), tomorrow(13, 0)).bytes()); o.Action != gateway.ActionDeclined {
		t.Fatalf("carol: %+v", o)
	}
	n := len(h.st.outbox())
	note := "The room is kept for the general assembly that day."
	v, err := h.g.DecideApproval(context.Background(), refuse, note)
	if err != nil || v.State != gateway.ApprovalRefused || v.Note != note {
		t.Fatalf("DecideApproval = %+v, %v", v, err)
	}
	b := h.booking("long-1", "")
	if b.Status != gateway.StatusDeclined || !strings.HasPrefix(b.Reason, gateway.ReasonApprovalRefused+": ") {
		t.Errorf("booking %s (%s)", b.Status, b.Reason)
	}
	toAlice := mailTo(h, n, alice)
	if len(toAlice) != 1 {
		t.Fatalf("%d mails to alice", len(toAlice))
	}
	r := decodeReply(t, toAlice[0].Raw)
	noSecrets(t, toAlice[0].Raw, r)
	ev := r.Cal.Events[0]
	comment := ""
	if p := ev.Prop("COMMENT"); p != nil {
		comment = plain(p.Text())
	}
	if partStat(t, ev) != "DECLINED" || !strings.Contains(comment, note) || !strings.Contains(r.Text, note) {
		t.Errorf("refusal: %s, comment %q:\n%s", partStat(t, ev), comment, r.Text)
	}
	if c := mailTo(h, n, carol); len(c) != 1 || h.booking("c-1", "").Status != gateway.StatusAccepted {
		t.Errorf("carol, who waited: %d mails, booking %s", len(c), h.booking("c-1", "").Status)
	}
}

// TestApprovalBadLinks: a link that is forged, altered, signed with
// another key or expired is refused, and nothing changes.
func TestApprovalBadLinks(t *testing.T) {
	h := newHarness(t, approvalOn)
	h.handle(longMeeting(0).bytes())
	approve, _ := approvalLinks(t, h, 0)
	parts := strings.Split(approve, ".")
	other := newHarness(t, approvalOn, func(o *gateway.Options) {
		o.Approval.Key = []byte("another key, also of at least 32 bytes")
	})
	tampered := []struct{ name, token string }{
		{"empty", ""},
		{"garbage", "not a token"},
		{"action changed", strings.Join([]string{parts[0], gateway.ApprovalRefuse, parts[2], parts[3]}, ".")},
		{"expiry moved", strings.Join([]string{parts[0], parts[1], parts[2] + "0", parts[3]}, ".")},
		{"nonce changed", strings.Join([]string{strings.Repeat("0", 32), parts[1], parts[2], parts[3]}, ".")},
		{"signature cut", approve[:len(approve)-2]},
		{"another key", other.g.ApprovalToken(parts[0], gateway.ApprovalApprove, tomorrow(8, 30))},
		{"too long", approve + strings.Repeat("A", 300)},
	}
	n := len(h.st.outbox())
	ctx := context.Background()
	for _, tt := range tampered {
		if _, err := h.g.Approval(ctx, tt.token); !errors.Is(err, gateway.ErrApprovalInvalid) {
			t.Errorf("%s: Approval err = %v, want ErrApprovalInvalid", tt.name, err)
		}
		if _, err := h.g.DecideApproval(ctx, tt.token, ""); !errors.Is(err, gateway.ErrApprovalInvalid) {
			t.Errorf("%s: DecideApproval err = %v, want ErrApprovalInvalid", tt.name, err)
		}
	}
	// Expired: the meeting has begun.
	h.clock.advance(tomorrow(8, 30).Sub(t0))
	if _, err := h.g.DecideApproval(ctx, approve, ""); !errors.Is(err, gateway.ErrApprovalExpired) {
		t.Errorf("after the start: %v, want ErrApprovalExpired", err)
	}
	if len(h.st.outbox()) != n || h.booking("long-1", "").Status != gateway.StatusPending {
		t.Error("a bad link changed something")
	}
}

// TestApprovalUnanswered: nobody answering by the start declines the
// request, once, with a reply.
func TestApprovalUnanswered(t *testing.T) {
	h := newHarness(t, approvalOn)
	h.handle(longMeeting(0).bytes())
	ctx := context.Background()
	if n, err := h.g.ExpireApprovals(ctx); err != nil || n != 0 {
		t.Fatalf("before the start: %d, %v", n, err)
	}
	h.clock.advance(tomorrow(8, 30).Sub(t0))
	n := len(h.st.outbox())
	if got, err := h.g.ExpireApprovals(ctx); err != nil || got != 1 {
		t.Fatalf("ExpireApprovals = %d, %v", got, err)
	}
	if b := h.booking("long-1", ""); b.Status != gateway.StatusDeclined || !strings.HasPrefix(b.Reason, gateway.ReasonApprovalExpired) {
		t.Errorf("booking %s (%s)", b.Status, b.Reason)
	}
	m, r := h.onlyMail(n)
	if m.To[0] != alice || partStat(t, r.Cal.Events[0]) != "DECLINED" || !strings.Contains(r.Text, "none could answer") {
		t.Errorf("mail to %v:\n%s", m.To, r.Text)
	}
	if got, _ := h.g.ExpireApprovals(ctx); got != 0 {
		t.Errorf("expired twice")
	}
}

// TestApprovalChanged: a new version of a pending request asks the
// facilitators again and voids the old links; the same version sent again
// keeps them.
func TestApprovalChanged(t *testing.T) {
	h := newHarness(t, approvalOn)
	h.handle(longMeeting(0).bytes())
	old, _ := approvalLinks(t, h, 0)
	n := len(h.st.outbox())
	if o := h.handle(stamped(longMeeting(0), time.Minute).bytes()); o.Action != gateway.ActionPending || len(mailTo(h, n, facilitator)) != 0 {
		t.Fatalf("the same version again: %+v, %d mails to the facilitators", o, len(mailTo(h, n, facilitator)))
	}
	if _, err := h.g.Approval(context.Background(), old); err != nil {
		t.Errorf("the link after a re-sent request: %v", err)
	}
	moved := meeting("REQUEST", "long-1", alice, 1, tomorrow(8, 0), tomorrow(18, 0))
	if o := h.handle(stamped(moved, 2*time.Minute).bytes()); o.Action != gateway.ActionPending {
		t.Fatalf("moved: %+v", o)
	}
	if _, err := h.g.DecideApproval(context.Background(), old, ""); !errors.Is(err, gateway.ErrApprovalReplaced) {
		t.Errorf("old link after a change: %v, want ErrApprovalReplaced", err)
	}
	approve, _ := approvalLinks(t, h, n)
	if v, err := h.g.DecideApproval(context.Background(), approve, ""); err != nil || v.State != gateway.ApprovalApproved {
		t.Errorf("new link: %+v, %v", v, err)
	}
	// Cancelled: the link says so.
	h.handle(stamped(meeting("CANCEL", "long-1", alice, 2, tomorrow(8, 0), tomorrow(18, 0)), 3*time.Minute).bytes())
	if v, err := h.g.Approval(context.Background(), approve); !errors.Is(err, gateway.ErrApprovalDone) || v.State != gateway.ApprovalCancelled {
		t.Errorf("after the cancel: %+v, %v", v, err)
	}
}

// TestApprovalRules: what needs a facilitator, and what stays refused or
// accepted at once.
func TestApprovalRules(t *testing.T) {
	far := t0.AddDate(0, 0, 200)
	farAt := func(h int) time.Time { return time.Date(far.Year(), far.Month(), far.Day(), h, 0, 0, 0, paris) }
	tests := []struct {
		name  string
		rules []string
		iv    invite
		want  gateway.Action
		rule  string
	}{
		{"too long, listed", []string{gateway.ApproveTooLong}, longMeeting(0), gateway.ActionPending, gateway.ApproveTooLong},
		{"too long, not listed", []string{gateway.ApproveOutsideHours}, longMeeting(0), gateway.ActionDeclined, ""},
		{"longer than a day", []string{gateway.ApproveTooLong},
			meeting("REQUEST", "x", alice, 0, tomorrow(8, 0), tomorrow(8, 0).Add(25*time.Hour)), gateway.ActionDeclined, ""},
		{"early, listed", []string{gateway.ApproveOutsideHours},
			meeting("REQUEST", "x", alice, 0, tomorrow(7, 0), tomorrow(8, 0)), gateway.ActionPending, gateway.ApproveOutsideHours},
		{"early, not listed", nil, meeting("REQUEST", "x", alice, 0, tomorrow(7, 0), tomorrow(8, 0)), gateway.ActionAccepted, ""},
		{"far ahead, listed", []string{gateway.ApproveBeyondWindow},
			meeting("REQUEST", "x", alice, 0, farAt(10), farAt(11)), gateway.ActionPending, gateway.ApproveBeyondWindow},
		{"far ahead, not listed", nil, meeting("REQUEST", "x", alice, 0, farAt(10), farAt(11)), gateway.ActionDeclined, ""},
		{"beyond twice the window", []string{gateway.ApproveBeyondWindow},
			meeting("REQUEST", "x", alice, 0, t0.AddDate(1, 0, 0), t0.AddDate(1, 0, 0).Add(time.Hour)), gateway.ActionDeclined, ""},
		{"a member's address listed", []string{alice}, meeting("REQUEST", "x", alice, 0, tomorrow(10, 0), tomorrow(11, 0)),
			gateway.ActionPending, gateway.ApproveDomain},
		{"another member", []string{alice}, meeting("REQUEST", "x", bob, 0, tomorrow(10, 0), tomorrow(11, 0)), gateway.ActionAccepted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, approvalOn, func(o *gateway.Options) { o.Policy.Approval = tt.rules })
			out := h.handle(tt.iv.bytes())
			if out.Action != tt.want {
				t.Fatalf("action %s (%s), want %s", out.Action, out.Reason, tt.want)
			}
			if tt.rule != "" && !strings.Contains(out.Reason, tt.rule) {
				t.Errorf("reason %q lacks %s", out.Reason, tt.rule)
			}
		})
	}
}

// TestApprovalOutsider: a listed domain whose people are no members may
// ask, when their mail is authentic; forged, it is an outsider's request.
func TestApprovalOutsider(t *testing.T) {
	for _, tt := range []struct {
		name, auth string
		want       gateway.Action
		mails      int
	}{
		{"authentic", "", gateway.ActionPending, 2},
		{"not authenticated", "-", gateway.ActionRejected, 1}, // the alert about a forgery
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, approvalOn, authentic)
			iv := meeting("REQUEST", "p-1", partner, 0, tomorrow(10, 0), tomorrow(11, 0))
			iv.AuthResults = tt.auth
			out := h.handle(iv.bytes())
			if out.Action != tt.want || out.Queued != tt.mails {
				t.Fatalf("outcome %+v, want %s with %d mails", out, tt.want, tt.mails)
			}
			if out.Action == gateway.ActionRejected {
				if len(mailTo(h, 0, partner)) != 0 || h.hasBooking("p-1", "") {
					t.Error("a forged request was answered or stored")
				}
				return
			}
			r := decodeNoticeParts(t, mailTo(h, 0, facilitator)[0].Raw)
			if !strings.Contains(r.Text, "is not a member") {
				t.Errorf("facilitators' mail:\n%s", r.Text)
			}
		})
	}
}

// TestApprovalEndlessSeries: a series without end waits as a whole, is
// approved as a whole (the master's REPLY), and, approved, grows as the
// window moves without asking again.
func TestApprovalEndlessSeries(t *testing.T) {
	h := newHarness(t, approvalOn, func(o *gateway.Options) { o.Policy.BookingWindow = 28 * 24 * time.Hour })
	iv := meeting("REQUEST", "weekly", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.Events[0].Lines = []string{"RRULE:FREQ=WEEKLY"}
	out := h.handle(iv.bytes())
	if out.Action != gateway.ActionPending {
		t.Fatalf("outcome %+v", out)
	}
	r := decodeReply(t, mailTo(h, 0, alice)[0].Raw)
	if len(r.Cal.Events) != 1 || partStat(t, r.Cal.Events[0]) != "TENTATIVE" {
		t.Fatalf("reply: %d components, %s", len(r.Cal.Events), partStat(t, r.Cal.Events[0]))
	}
	approve, _ := approvalLinks(t, h, 0)
	v, err := h.g.Approval(context.Background(), approve)
	if err != nil || v.Dates != 4 || v.Rules[0] != gateway.ApproveEndless {
		t.Fatalf("Approval = %+v, %v", v, err)
	}
	// Before an answer, the series does not grow.
	h.clock.advance(8 * 24 * time.Hour)
	if _, err := h.g.ExtendSeries(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h.hasBooking("weekly", gateway.RecurrenceKey(tomorrow(10, 0).AddDate(0, 0, 28))) {
		t.Error("a pending series grew")
	}
	h.clock.advance(-8 * 24 * time.Hour)
	n := len(h.st.outbox())
	if _, err := h.g.DecideApproval(context.Background(), approve, ""); err != nil {
		t.Fatal(err)
	}
	r = decodeReply(t, mailTo(h, n, alice)[0].Raw)
	if len(r.Cal.Events) != 1 || r.Cal.Events[0].RecurrenceID != nil || partStat(t, r.Cal.Events[0]) != "ACCEPTED" {
		t.Errorf("approval reply: %d components", len(r.Cal.Events))
	}
	h.clock.advance(8 * 24 * time.Hour)
	if _, err := h.g.ExtendSeries(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{21, 28} {
		rid := gateway.RecurrenceKey(tomorrow(10, 0).AddDate(0, 0, w))
		if b := h.booking("weekly", rid); b.Status != gateway.StatusAccepted {
			t.Errorf("date +%d days: %s", w, b.Status)
		}
	}
}

// TestApprovalRace: two facilitators confirming the same request at once
// decide it once.
func TestApprovalRace(t *testing.T) {
	h := newHarness(t, approvalOn)
	h.handle(longMeeting(0).bytes())
	approve, refuse := approvalLinks(t, h, 0)
	n := len(h.st.outbox())
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, tok := range []string{approve, refuse} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = h.g.DecideApproval(context.Background(), tok, "")
		}()
	}
	wg.Wait()
	done := 0
	for _, err := range errs {
		switch {
		case err == nil:
			done++
		case !errors.Is(err, gateway.ErrApprovalDone):
			t.Errorf("DecideApproval: %v", err)
		}
	}
	if done != 1 || len(h.st.outbox()) != n+1 {
		t.Errorf("%d decisions, %d mails; want 1 and 1", done, len(h.st.outbox())-n)
	}
}

// TestApprovalOptions: approvals need a key, the public URL and
// facilitators.
func TestApprovalOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*gateway.Options)
	}{
		{"short key", func(o *gateway.Options) { o.Approval.Key = []byte("short") }},
		{"no URL", func(o *gateway.Options) { o.Approval.PublicURL = "" }},
		{"no facilitators", func(o *gateway.Options) { o.Relay.Facilitators = nil }},
		{"unknown rule", func(o *gateway.Options) { o.Policy.Approval = []string{"too-short"} }},
		{"bad domain", func(o *gateway.Options) { o.Policy.Approval = []string{"@bad_domain"} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt := baseOptions(t, newMemStore(), &fakeClock{now: t0})
			approvalOn(&opt)
			tt.edit(&opt)
			if _, err := gateway.New(opt); err == nil {
				t.Error("gateway.New accepted it")
			}
		})
	}
}

// subject decodes a reply's subject.
func subject(t *testing.T, r replyMail) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(r.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return plain(s)
}

// TestApprovalOneDate: one date of an accepted series moved outside the
// hours waits for a facilitator alone; refused, only that date is
// declined, and the rest of the series stays accepted.
func TestApprovalOneDate(t *testing.T) {
	h := newHarness(t, approvalOn)
	if o := h.handle(weekly6("w-1", 0, 10, 0).bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("series: %+v", o)
	}
	early := meeting("REQUEST", "w-1", alice, 1, at(2026, 12, 8, 7, 0), at(2026, 12, 8, 8, 0))
	early.Events[0].Lines = []string{"RECURRENCE-ID:20261208T090000Z"}
	early.Events[0].Stamp = t0.Add(time.Minute)
	n := len(h.st.outbox())
	if o := h.handle(early.bytes()); o.Action != gateway.ActionPending {
		t.Fatalf("the moved date: %+v", o)
	}
	_, refuse := approvalLinks(t, h, n)
	n = len(h.st.outbox())
	if _, err := h.g.DecideApproval(context.Background(), refuse, "Too early for the building."); err != nil {
		t.Fatal(err)
	}
	r := decodeReply(t, mailTo(h, n, alice)[0].Raw)
	if len(r.Cal.Events) != 1 || r.Cal.Events[0].RecurrenceID == nil || partStat(t, r.Cal.Events[0]) != "DECLINED" {
		t.Fatalf("refusal reply: %d components, first %+v", len(r.Cal.Events), r.Cal.Events[0].RecurrenceID)
	}
	if b := h.booking("w-1", "20261215T090000Z"); b.Status != gateway.StatusAccepted {
		t.Errorf("another date is %s", b.Status)
	}
	if b := h.booking("w-1", "20261208T090000Z"); b.Status != gateway.StatusDeclined {
		t.Errorf("the refused date is %s", b.Status)
	}
}

// TestApprovalFlood: a flood of requests does not flood the facilitators:
// past the hourly cap they wait on the operator page, unmailed.
func TestApprovalFlood(t *testing.T) {
	h := newHarness(t, approvalOn, func(o *gateway.Options) {
		o.Policy.Approval = []string{"@coop.example"}
		o.Policy.SenderRepliesPerHour = 1000
	})
	for i := range 40 {
		s := tomorrow(8, 0).Add(time.Duration(i) * 24 * time.Hour)
		iv := meeting("REQUEST", fmt.Sprintf("f-%d", i), fmt.Sprintf("m%d@coop.example", i), 0, s, s.Add(time.Hour))
		if o := h.handle(iv.bytes()); o.Action != gateway.ActionPending {
			t.Fatalf("request %d: %+v", i, o)
		}
	}
	if n := len(mailTo(h, 0, facilitator)); n != 30 {
		t.Errorf("%d mails to the facilitator, want the cap, 30", n)
	}
}
