package gateway

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// Delegation. An organizer's invitations may come from somebody else:
// Outlook's and Thunderbird's delegates write the ORGANIZER's SENT-BY
// (RFC 5545 §3.2.18), and RFC 6047 §3 then expects the From to be that
// SENT-BY. A SENT-BY is only the sender's word, so it speaks for the
// organizer only when the configuration declares it (Policy.Delegates),
// and what a delegate books counts in their quotas as well as in the
// organizer's.

// normalizeDelegates parses every organizer and delegate of the
// declarations as a mailbox, lower case, and refuses an unreadable one.
func normalizeDelegates(in map[string][]string) (map[string][]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string][]string, len(in))
	orgs := make([]string, 0, len(in))
	for org := range in {
		orgs = append(orgs, org)
	}
	sort.Strings(orgs) // the same error first on every start
	for _, org := range orgs {
		o, err := ical.ParseMailbox(strings.TrimSpace(org))
		if err != nil {
			return nil, fmt.Errorf("gateway: delegates of %q: %w", org, err)
		}
		for _, d := range in[org] {
			a, err := ical.ParseMailbox(strings.TrimSpace(d))
			if err != nil {
				return nil, fmt.Errorf("gateway: delegates of %q: %w", org, err)
			}
			if !slices.Contains(out[o], a) {
				out[o] = append(out[o], a)
			}
		}
	}
	return out, nil
}

// delegateOf reports whether org declared from as a delegate. Both are
// parsed mailboxes.
func (p Policy) delegateOf(org, from string) bool {
	return slices.Contains(p.Delegates[org], from)
}

// actorFor is the person who asks for the room with a message in org's
// name, whose quotas and holds count besides org's: the From (a delegate,
// a member trusted to speak for others, or, when authentic mail is not
// required, whoever wrote it), or org itself when the From is org, is
// unknown, or is a trusted sender that is no member (a calendar server
// mailing for every member, trusted to name the true organizer).
func (g *Gateway) actorFor(a *analysis, org string) string {
	from, p := a.auth.From, g.opt.Policy
	if from == "" || from == org || (p.trustedSender(from) && !p.AllowedOrganizer(from)) {
		return org
	}
	return from
}

// lastActor is the actor of the meeting's bookings decided last, for a
// decision taken without a message (a series extended as the window
// moves): the organizer when none is recorded.
func lastActor(bs []Booking, org string) string {
	actor, at := org, time.Time{}
	for _, b := range bs {
		if b.Actor != "" && b.UpdatedAt.After(at) {
			actor, at = b.Actor, b.UpdatedAt
		}
	}
	return actor
}
