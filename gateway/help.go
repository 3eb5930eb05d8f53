package gateway

import (
	"context"
	"fmt"
	"time"
)

// TmplHelp is the answer to a plain mail to the room (a question such as
// "comment je réserve ?", no calendar): how to book, and the agenda.
const TmplHelp = "help"

// helpEvery is how long a sender who got the answer gets no other: the
// room answers a question once, not a conversation.
const helpEvery = 30 * 24 * time.Hour

// answerQuestion answers, once per helpEvery, a mail without calendar
// sent to a room by somebody who may book: authentic when the policy
// requires it, neither an automatic answer nor from a list (RFC 3834 §2),
// not from a room or a no-reply address. Anything else is left, as
// before, in the other folder without answer.
func (g *Gateway) answerQuestion(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	out := Outcome{Kind: KindMail, Action: ActionIgnored, Reason: "not an invitation", Folder: FolderOther}
	room, from := g.roomNamed(a), a.env.From
	switch {
	case room == nil, from == "", g.mustNotAnswer(from), !g.opt.Policy.AllowedOrganizer(from),
		a.env.List, a.env.AutoSubmitted != "" && a.env.AutoSubmitted != "no",
		g.opt.Policy.RequireAuthentic && !a.auth.Pass:
		return out, nil
	}
	n, err := tx.CountOutbox(ctx, OutboxQuery{To: from, Kind: OutboxHelp, Since: g.opt.Now().Add(-helpEvery)})
	if err != nil {
		return Outcome{}, fmt.Errorf("count help answers: %w", err)
	}
	if n > 0 {
		out.Reason += "; the sender was told how to book less than 30 days ago"
		return out, nil
	}
	view := MailView{Lang: g.opt.Lang, TimeZone: g.opt.Location.String(), Contact: g.opt.Contact,
		Room: RoomView{Name: room.Name, Address: room.Address}, Organizer: from, Service: g.opt.ServiceName,
		AgendaURL: g.opt.AgendaURL, MaxDuration: g.opt.Policy.MaxDuration, WindowDays: windowDays(g.opt.Policy)}
	view.Relay.Subject = a.env.Subject
	if err := g.queueAnswer(ctx, tx, a, room, from, TmplHelp, OutboxHelp, view); err != nil {
		return Outcome{}, err
	}
	out.Queued++
	out.Reason += "; the sender was told how to book"
	return out, nil
}
