package gateway

import (
	"context"
	"fmt"
	"slices"
	"time"

	"codeberg.org/opteos/roomgate/mailauth"
)

// Fair holds. A request that is not accepted may still keep the account
// from others: pending a facilitator's approval (its slot kept), waiting
// for a taken slot, or with a slot proposed by a COUNTER. Each such
// meeting is a hold of the people it counts for (its organizer, and the
// actor who asked for it). Policy.MaxHoldsPerSender bounds the meetings
// one person holds so at once, Policy.MaxHoldsPerDomain those of all the
// people of one domain who are no members (admitted only through an
// approval @domain, so that a partner's twelve addresses hold no more than
// one partner). Beyond, a request that would be pending is declined
// (ReasonHolds), and one for a taken slot neither waits nor gets a
// proposal, and its decline says why. The holds also count in the quotas
// (quota.go), as bookings.

// ReasonHolds is the reason code of a request declined because who asked
// already holds as many requests as allowed.
const ReasonHolds = "hold-limit"

// holdRoom says whether an invitation may hold the account without being
// accepted; full, with what its people hold and the limit, when not.
type holdRoom struct {
	full bool
	view QuotaView // Count, Most, and Domain for the domain's limit
	text string    // English, for logs and the audit
}

// loadHolds decides whether the invitation may add a hold: its own
// meeting's holds are not counted (a new version replaces them).
func (g *Gateway) loadHolds(ctx context.Context, tx Tx, inv *invitation) error {
	p := g.opt.Policy
	if p.MaxHoldsPerSender <= 0 && p.MaxHoldsPerDomain <= 0 {
		return nil
	}
	now := g.opt.Now()
	hs, err := tx.Holds(ctx, now)
	if err != nil {
		return fmt.Errorf("read the requests not yet accepted: %w", err)
	}
	hs = slices.DeleteFunc(hs, func(b Booking) bool { return inv.key().owns(b) || !holding(b, now) })
	inv.holds = g.holdsFor(inv.people(), hs)
	return nil
}

// holdsFor checks each person's limit, then, for a person who is no
// member, their domain's.
func (g *Gateway) holdsFor(people []string, hs []Booking) holdRoom {
	p := g.opt.Policy
	for i, who := range people {
		n := countMeetings(hs, func(b Booking) bool { return slices.Contains(b.people(), who) })
		if p.MaxHoldsPerSender > 0 && n >= p.MaxHoldsPerSender {
			view := QuotaView{Count: n, Most: p.MaxHoldsPerSender}
			if i > 0 { // who sent it for the organizer
				view.Person = who
			}
			return holdRoom{full: true, view: view,
				text: fmt.Sprintf("%s already has %d requests not yet accepted (pending approval, waiting, or a proposed slot); the limit is %d", who, n, p.MaxHoldsPerSender)}
		}
	}
	for _, who := range people {
		if p.MaxHoldsPerDomain <= 0 || p.AllowedOrganizer(who) {
			continue
		}
		dom := mailauth.Domain(who)
		n := countMeetings(hs, func(b Booking) bool {
			return slices.ContainsFunc(b.people(), func(x string) bool { return mailauth.Domain(x) == dom && !p.AllowedOrganizer(x) })
		})
		if n >= p.MaxHoldsPerDomain {
			return holdRoom{full: true, view: QuotaView{Count: n, Most: p.MaxHoldsPerDomain, Domain: dom},
				text: fmt.Sprintf("the addresses of %s already have %d requests not yet accepted (pending approval, waiting, or a proposed slot); the limit is %d", dom, n, p.MaxHoldsPerDomain)}
		}
	}
	return holdRoom{}
}

// holding reports whether b holds the account at now without being
// accepted: pending, waiting, or a proposal not expired.
func holding(b Booking, now time.Time) bool {
	switch b.Status {
	case StatusPending, StatusWaiting:
		return true
	case StatusHeld:
		return b.ExpiresAt.After(now)
	}
	return false
}

// countMeetings counts the meetings (organizer, UID) of hs that match.
func countMeetings(hs []Booking, match func(Booking) bool) int {
	seen := map[[2]string]bool{}
	for _, b := range hs {
		if match(b) {
			seen[[2]string{b.Organizer, b.UID}] = true
		}
	}
	return len(seen)
}

// people are the persons a booking counts for: its organizer, and who
// asked for it when somebody else did.
func (b Booking) people() []string {
	if b.Actor == "" || b.Actor == b.Organizer {
		return []string{b.Organizer}
	}
	return []string{b.Organizer, b.Actor}
}

// verdict declines a request that would be pending when its people hold
// too much already.
func (h holdRoom) verdict() verdict {
	return verdict{reason: ReasonHolds, quota: h.view, text: h.text}
}

// mayHold reports whether the invitation may add a hold (wait, or get a
// proposed slot).
func (inv *invitation) mayHold() bool { return !inv.holds.full }
