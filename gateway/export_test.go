package gateway

import (
	"context"
	"errors"
	"time"
)

// DecideSeries runs only the decision about a recurring invitation: it
// parses the message, expands the series, reads the bookings and decides
// every date, suggesting free slots for the busy ones. Nothing is stored or
// answered. Benchmarks use it to time the decision apart from the writes.
func (g *Gateway) DecideSeries(ctx context.Context, tx Tx, in Incoming) (accepted, declined int, err error) {
	a := g.analyze(ctx, in)
	if a.rejection != nil {
		return 0, 0, a.rejection
	}
	inv, err := g.readInvitation(a.cal)
	if err != nil {
		return 0, 0, err
	}
	if inv == nil {
		return 0, 0, errors.New("the room is not invited")
	}
	p, err := g.planSeries(ctx, tx, inv)
	if err != nil {
		return 0, 0, err
	}
	if p.ignored != "" || p.rejected != "" || p.whole != nil {
		return 0, 0, errors.New("the series is not decided date by date")
	}
	for _, d := range p.dates {
		if d.v.accepted {
			accepted++
		} else {
			declined++
		}
	}
	return accepted, declined, nil
}

// HandleTimeout is the bound on the work on one message.
func HandleTimeout() time.Duration { return handleTimeout }

// Options returns the gateway's options, with their defaults.
func (g *Gateway) Options() Options { return g.opt }

// SetMeetingHooks replaces the meeting layer the decisions tell (tests
// record the calls).
func (g *Gateway) SetMeetingHooks(h MeetingHooks) { g.meetings = h }

// ReleaseForTest runs the no-show release of the booking with that ID in
// one transaction, as the meeting layer's release job asks for it
// (ReleaseBooking without the waiting list), with a release delay of 15
// minutes.
func (g *Gateway) ReleaseForTest(ctx context.Context, id int64) error {
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		b, err := tx.BookingByID(ctx, id)
		if err != nil || b == nil {
			return errors.Join(err, errors.New("no such booking"))
		}
		return g.release(ctx, tx, b, Release{Key: "zoom-release:test", Template: TmplZoomReleased, View: g.BookingView(b),
			Reason: "released: its meeting had not started 15 minutes after its start"})
	})
}

// NextClaimLimit exposes nextClaimLimit.
func NextClaimLimit(limit, n, batch int) int { return nextClaimLimit(limit, n, batch) }
