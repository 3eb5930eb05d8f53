package gateway

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// TmplHandedOver is the short mail telling the previous organizer of a
// meeting that its booking was handed over to another organizer (see
// handOver).
const TmplHandedOver = "handed-over"

// tellHandedOver queues, in the transaction of the handover, a short
// notice to from, the meeting's previous organizer: the booking of its
// dates bs is now held by the request's organizer, who sent the meeting
// in their name; if that was not expected, the facilitators are to be
// told. A member who knows another's UID and invites her could otherwise
// take her booking over silently. The notice shows no host key and no
// join details (she no longer holds the room), and respects the limits
// on replies to her (see replyLimit). It returns how many mails were
// queued.
func (g *Gateway) tellHandedOver(ctx context.Context, tx Tx, a *analysis, inv *invitation, from string, bs []Booking) (int, error) {
	dates := handedDates(bs, g.opt.Now())
	if len(dates) == 0 || g.mustNotAnswer(from) {
		return 0, nil
	}
	why, err := g.replyLimit(ctx, tx, inv.uid, from, OutboxHandover)
	if err != nil || why != "" {
		if why != "" {
			g.log.Warn("previous organizer not told of the handover", "uid", printable(inv.uid), "to", from, "why", why)
		}
		return 0, err
	}
	b := &dates[0]
	view := MailView{TimeZone: g.opt.Location.String(), Contact: g.opt.Contact, Service: g.opt.ServiceName,
		HandedTo: inv.organizer, HandedToName: inv.organizerName}
	g.bookingView(&view, b)
	g.seriesView(&view, dates)
	text, err := g.opt.Renderer.Render(view.Lang, TmplHandedOver, view)
	if err != nil {
		return 0, fmt.Errorf("render %s mail: %w", TmplHandedOver, err)
	}
	to := Address{Name: b.OrganizerName, Addr: from}
	if err := g.queueNoticeAs(ctx, tx, a.key, inv.uid, OutboxHandover, g.roomSender(b), to, text); err != nil {
		return 0, err
	}
	return 1, nil
}

// handedDates are the bookings of bs that hold or wait for a slot, by
// start: those not over yet, or all of them when every one is over.
func handedDates(bs []Booking, now time.Time) []Booking {
	var live, ahead []Booking
	for _, b := range bs {
		if !holdsLive([]Booking{b}) {
			continue
		}
		live = append(live, b)
		if b.End.After(now) {
			ahead = append(ahead, b)
		}
	}
	if len(ahead) > 0 {
		live = ahead
	}
	sort.Slice(live, func(i, j int) bool { return live[i].Start.Before(live[j].Start) })
	return live
}
