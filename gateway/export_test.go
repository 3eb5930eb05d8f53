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
