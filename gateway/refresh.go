package gateway

import (
	"context"
	"fmt"
)

// handleRefresh files a REFRESH. RFC 5546 §3.2.6 has an attendee send it
// to the organizer to get the meeting's latest version: the room is never
// the organizer, and its own answer is a REPLY to the organizer's REQUEST,
// which a REFRESH does not replace. So nothing is sent back and nothing
// changes. It is authenticated like a REQUEST, so that its record says
// whether it came from the organizer it names or the attendee asking: one
// that may speak for neither is filed as rejected, without the
// facilitators' alert, since it cannot change anything.
func (g *Gateway) handleRefresh(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	out := Outcome{Kind: KindOtherCalendar, Action: ActionIgnored, UID: firstUID(a), Folder: FolderProcessed,
		Reason: "REFRESH asks the organizer for the meeting (RFC 5546 §3.2.6): the room sends nothing back"}
	if len(a.cal.Events) == 0 {
		return out, nil
	}
	org, sentBy, err := organizerOfEvent(a.cal.Events[0])
	if err != nil {
		out.Action, out.Folder, out.Reason = ActionRejected, FolderRejected, printable("REFRESH: "+err.Error())
		return out, nil
	}
	why := g.senderProblem(a, org, sentBy)
	if why == "" || g.fromRequestor(a) {
		return out, nil
	}
	out.Action, out.Folder = ActionRejected, FolderRejected
	out.Reason = printable(fmt.Sprintf("REFRESH not accepted as %s's mail: %s", org, why))
	return out, nil
}

// fromRequestor reports whether a REFRESH comes, authentic, from the
// attendee it names as its requestor (RFC 5546 §3.2.6: its one ATTENDEE).
func (g *Gateway) fromRequestor(a *analysis) bool {
	ev := a.cal.Events[0]
	if len(ev.Attendees) != 1 {
		return false
	}
	att, err := ev.Attendees[0].Mailbox()
	return err == nil && g.senderProblem(a, att, "") == ""
}
