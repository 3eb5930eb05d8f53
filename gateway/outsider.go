package gateway

import (
	"context"
	"fmt"

	"codeberg.org/opteos/roomgate/ical"
)

// declineOutsider answers an invitation from somebody who may not book.
// Every component is declined and nothing is stored: the meeting stays
// nobody's, so a member's invitation that happens to carry the same UID
// is decided on its own. A reply goes out only when the mail is proven to
// come from that organizer (an answer to a forged ORGANIZER would be
// backscatter, or worse), within the limits on replies to outsiders, and
// its subject shows nothing the outsider wrote.
func (g *Gateway) declineOutsider(ctx context.Context, tx Tx, a *analysis, inv *invitation, out Outcome) (Outcome, error) {
	v := verdict{reason: ReasonNotOrganizer, text: fmt.Sprintf("organizer %s may not book this room", inv.organizer)}
	ev := inv.events[0]
	out.Action, out.Reason, out.Start, out.End = ActionDeclined, v.text, ev.Start, ev.End
	if !g.speaksFor(a, inv.organizer, inv.sentBy) {
		out.Reason += " (no reply sent: the mail is not authenticated as the organizer's)"
		return out, nil
	}
	items := make([]ical.ReplyItem, 0, len(inv.events))
	for _, e := range inv.events {
		items = append(items, g.replyItem(inv, e, v))
	}
	view := g.mailView(inv, v, ev, ev.Start, ev.End)
	view.Outsider = true
	view.Series = inv.master != nil && inv.master.IsRecurring()
	return g.answer(ctx, tx, a, inv, out, TmplDecline, view, items)
}
