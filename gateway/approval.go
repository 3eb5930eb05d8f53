package gateway

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Approval by a facilitator. Policy.Approval lists what, instead of a
// refusal (or, for the hours and domains, instead of an answer at once),
// needs a person: such a request is answered TENTATIVE, holds its slot
// (StatusPending, with the request's calendar and a nonce), and the
// facilitators get a mail with two signed links, approve and refuse
// (approvallink.go). The link opens a confirmation page of the web server;
// its POST calls Gateway.DecideApproval. Nobody answering by the start
// declines it (ExpireApprovals).

// Approval rules (Policy.Approval), besides "@domain" entries.
const (
	// ApproveTooLong: a meeting longer than max_duration, up to
	// maxApprovedDuration.
	ApproveTooLong = "too-long"
	// ApproveOutsideHours: a meeting that does not lie between day_start
	// and day_end on one day (accepted at once when the rule is absent).
	ApproveOutsideHours = "outside-hours"
	// ApproveBeyondWindow: a meeting that starts beyond the booking
	// window, up to twice as far.
	ApproveBeyondWindow = "beyond-window"
	// ApproveEndless: a recurring series without end (no COUNT or UNTIL).
	ApproveEndless = "endless-series"
)

// ApproveDomain is the rule recorded for an organizer whose address or
// domain is listed in Policy.Approval.
const ApproveDomain = "organizer"

// maxApprovedDuration is the longest meeting a facilitator may approve:
// Zoom ends a paid account's meeting after 30 hours; a day is plenty.
const maxApprovedDuration = 24 * time.Hour

// ApprovalOptions configures the signed links of approvals.
type ApprovalOptions struct {
	// Key signs the links (HMAC-SHA256); at least 32 bytes.
	Key []byte
	// PublicURL is the web server's address as facilitators reach it,
	// e.g. https://salles.coop.example; the links are PublicURL/approval.
	PublicURL string
}

// minApprovalKey is the shortest signing key accepted.
const minApprovalKey = 32

// checkApproval checks the approval rules and what they need.
func (o *Options) checkApproval() error {
	if len(o.Policy.Approval) == 0 {
		return nil
	}
	for _, r := range o.Policy.Approval {
		if strings.Contains(r, "@") {
			if _, err := ListEntry(r); err != nil {
				return fmt.Errorf("gateway: approval: %w", err)
			}
		} else if !knownApprovalRule(r) {
			return fmt.Errorf("gateway: approval rule %q is none of %s, %s, %s, %s or an address or @domain",
				r, ApproveTooLong, ApproveOutsideHours, ApproveBeyondWindow, ApproveEndless)
		}
	}
	if len(o.Approval.Key) < minApprovalKey {
		return fmt.Errorf("gateway: approvals need a signing key of at least %d bytes", minApprovalKey)
	}
	u, err := url.Parse(o.Approval.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("gateway: approvals need the web server's public URL (http or https), not %q", o.Approval.PublicURL)
	}
	if len(o.Relay.Facilitators) == 0 {
		return fmt.Errorf("gateway: approvals need facilitators to answer them")
	}
	return nil
}

func knownApprovalRule(r string) bool {
	switch r {
	case ApproveTooLong, ApproveOutsideHours, ApproveBeyondWindow, ApproveEndless:
		return true
	}
	return false
}

// normalizeApproval normalizes the address and domain entries of the
// approval rules, keeping the named rules as they are.
func normalizeApproval(rules []string) []string {
	out := make([]string, 0, len(rules))
	for _, r := range rules {
		r = strings.ToLower(strings.TrimSpace(r))
		if n, err := ListEntry(r); err == nil && strings.Contains(r, "@") {
			r = n // an invalid one is kept as it is, for checkApproval to refuse
		}
		out = append(out, r)
	}
	return out
}

// approves reports whether rule is listed.
func (p Policy) approves(rule string) bool {
	for _, r := range p.Approval {
		if r == rule {
			return true
		}
	}
	return false
}

// approvalOrganizer reports whether the organizer's requests need a
// facilitator because their address or domain is listed.
func (p Policy) approvalOrganizer(addr string) bool { return matchesList(p.Approval, addr) }

// policyApproval is what checkPolicy finds for one slot: a declining
// verdict, or the rules the slot needs a facilitator for (none: the slot
// is decided at once). A meeting a facilitator already approved (a series
// without end, extended as the window moves) needs none again.
func (g *Gateway) policyApproval(inv *invitation, s, e time.Time) (v verdict, need []string, ok bool) {
	p, now := g.opt.Policy, g.opt.Now()
	allowed := func(rule string) bool { return inv.approved || p.approves(rule) }
	add := func(rule string) {
		if !inv.approved {
			need = append(need, rule)
		}
	}
	switch {
	case !e.After(s):
		return verdict{reason: ReasonInvalidTime, text: "the meeting ends before it starts"}, nil, false
	case s.Before(now):
		return verdict{reason: ReasonPast, text: "the meeting starts in the past"}, nil, false
	}
	if s.After(now.Add(p.BookingWindow)) {
		if !allowed(ApproveBeyondWindow) || s.After(now.Add(2*p.BookingWindow)) {
			return verdict{reason: ReasonBeyondWindow, text: fmt.Sprintf("the meeting starts more than %d days ahead", windowDays(p))}, nil, false
		}
		add(ApproveBeyondWindow)
	}
	if d := e.Sub(s); d > p.MaxDuration {
		if !allowed(ApproveTooLong) || d > maxApprovedDuration {
			return verdict{reason: ReasonTooLong, text: fmt.Sprintf("the meeting lasts %s, longer than the maximum %s", d, p.MaxDuration)}, nil, false
		}
		add(ApproveTooLong)
	}
	if p.approves(ApproveOutsideHours) && !withinDay(s.In(g.opt.Location), e.In(g.opt.Location), p.DayStart, p.DayEnd) {
		add(ApproveOutsideHours)
	}
	if inv.master != nil && openEnded(inv.master) && p.approves(ApproveEndless) {
		add(ApproveEndless)
	}
	if p.approvalOrganizer(inv.organizer) {
		add(ApproveDomain)
	}
	return verdict{}, need, true
}

// admitted reports whether the invitation's organizer may ask for the
// room: a member, or somebody whose address or domain a facilitator
// approves, when the mail is proven to come from them.
func (g *Gateway) admitted(a *analysis, inv *invitation) bool {
	p := g.opt.Policy
	return p.AllowedOrganizer(inv.organizer) || (p.approvalOrganizer(inv.organizer) && g.speaksFor(a, inv.organizer, inv.sentBy))
}

// holdForApproval leaves a series pending as a whole when one of its
// dates is: the dates decided now that are free wait for the same answer
// (the rules of all of them), and the ones already accepted stay so.
func holdForApproval(ds []dated) {
	var need []string
	for _, d := range ds {
		if d.v.pending {
			need = mergeRules(need, d.v.approval)
		}
	}
	if need == nil {
		return
	}
	for i := range ds {
		if d := &ds[i]; d.v.accepted && !d.carried {
			host, free := d.v.host, d.v.free
			d.v = freeVerdict(need)
			d.v.host, d.v.free = host, free
		}
	}
}

// mergeRules adds to rules those of more it lacks, in order.
func mergeRules(rules, more []string) []string {
	for _, r := range more {
		if !slices.Contains(rules, r) {
			rules = append(rules, r)
		}
	}
	return rules
}

// splitRules reads the rules back from a pending booking's reason text.
func splitRules(text string) []string {
	var out []string
	for _, r := range strings.Split(text, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// pendingApproval reports whether some booking waits for a facilitator.
func pendingApproval(bs []Booking) bool {
	for _, b := range bs {
		if b.Status == StatusPending {
			return true
		}
	}
	return false
}

// approvedMeeting reports whether a facilitator approved the meeting: one
// of its bookings is accepted under an approval.
func approvedMeeting(bs []Booking) bool {
	for _, b := range bs {
		if b.Status == StatusAccepted && b.Approval != "" {
			return true
		}
	}
	return false
}
