package gateway

import (
	"context"
	"errors"
	"fmt"

	"codeberg.org/opteos/roomgate/ical"
)

// TmplForged is the alert telling the facilitators that a mail written in
// a member's name was rejected.
const TmplForged = "forged"

// organizerOfEvent reads the ORGANIZER of a component and its SENT-BY, each
// as exactly one mailbox. An error says why the component cannot be
// trusted to name anybody.
func organizerOfEvent(ev *ical.Event) (org, sentBy string, err error) {
	if ev.Organizer == nil {
		return "", "", errors.New("no ORGANIZER")
	}
	if org, err = ev.Organizer.Mailbox(); err != nil {
		return "", "", fmt.Errorf("ORGANIZER: %w", err)
	}
	if sentBy, err = ev.Organizer.SentBy(); err != nil {
		return "", "", fmt.Errorf("ORGANIZER's SENT-BY: %w", err)
	}
	return org, sentBy, nil
}

// senderProblem applies RFC 6047 §3 to a REQUEST or CANCEL in the name of
// org: when the policy requires authentic mail, the From domain must be
// authenticated and the From address must be the organizer, a delegate
// org declared (Policy.Delegates; when the message names a SENT-BY, the
// From must be it), or a trusted sender. It returns "" when the message
// may speak for org, else why not.
func (g *Gateway) senderProblem(a *analysis, org, sentBy string) string {
	if !g.opt.Policy.RequireAuthentic {
		return ""
	}
	return g.speakProblem(a, org, sentBy)
}

// speaksFor reports whether the message is proven to come from org (see
// senderProblem), whatever the policy requires.
func (g *Gateway) speaksFor(a *analysis, org, sentBy string) bool {
	return g.speakProblem(a, org, sentBy) == ""
}

func (g *Gateway) speakProblem(a *analysis, org, sentBy string) string {
	p, from := g.opt.Policy, a.auth.From
	switch {
	case from == "":
		return "the From field is not exactly one valid address"
	case !a.auth.Pass:
		return "the sender's domain is not authenticated: " + a.auth.Why
	case from == org:
		return ""
	case p.delegateOf(org, from) && (sentBy == "" || sentBy == from):
		return ""
	case p.trustedSender(from):
		return ""
	case sentBy != "" && from == sentBy:
		return fmt.Sprintf("the sender %s is the organizer's SENT-BY, but %s declared no such delegate ([policy] delegates)", from, org)
	}
	return fmt.Sprintf("the sender %s is neither the organizer %s, nor a delegate it declared, nor a trusted sender", from, org)
}

// rejectForged files a REQUEST, CANCEL or DECLINECOUNTER that may not speak for its
// organizer in the rejected folder, without any reply (an answer would
// go to whoever the forger named), and warns the facilitators at a
// bounded rate.
func (g *Gateway) rejectForged(ctx context.Context, tx Tx, a *analysis, uid, org, why string) (Outcome, error) {
	out := Outcome{Kind: a.kind, Action: ActionRejected, UID: uid, Folder: FolderRejected,
		Reason: "not accepted as the organizer's mail: " + why}
	kind := "request"
	switch {
	case a.kind == KindCancel:
		kind = "cancel"
	case a.cal != nil && a.cal.Method == "DECLINECOUNTER":
		kind = "declinecounter"
	}
	view := MailView{Lang: g.opt.Lang, TimeZone: g.opt.Location.String(), Contact: g.opt.Contact,
		Organizer: org, Reason: kind}
	view.Relay = RelayView{Forged: true, Why: printable(why), Sender: a.env.FromText, Received: g.opt.Now().In(g.opt.Location)}
	if seen := g.authservMismatch(a); seen != "" {
		view.Relay.AuthservSeen, view.Relay.AuthservWant = seen, g.opt.Auth.AuthservID
	}
	n, err := g.alertFacilitators(ctx, tx, a.key, TmplForged, view)
	out.Queued = n
	return out, err
}
