package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
)

// zoomState is Zoom API mode's part of a Gateway.
type zoomState struct {
	opt ZoomOptions
	// kick wakes the job runner after a transaction queued a job.
	kick chan struct{}
	// noPasscode is set once the account's rules refused a passcode of
	// roomgate's: meetings are then created with Zoom's.
	noPasscode atomic.Bool
}

// setupZoom switches Zoom API mode on when Options.Zoom is set: every
// transaction of the gateway then goes through zoomHookStore, so that each
// booking saved queues the synchronisation of its meeting in the same
// transaction, whichever decision saved it.
func (g *Gateway) setupZoom() error {
	if g.opt.Zoom == nil {
		return nil
	}
	z, err := g.opt.Zoom.withDefaults()
	if err != nil {
		return err
	}
	g.zoom = &zoomState{opt: z, kick: make(chan struct{}, 1)}
	g.opt.Store = &zoomHookStore{Store: g.opt.Store, g: g}
	return nil
}

// zoomKick wakes the job runner.
func (g *Gateway) zoomKick() {
	select {
	case g.zoom.kick <- struct{}{}:
	default:
	}
}

// zoomHookStore is the Store with transactions that queue Zoom jobs.
type zoomHookStore struct {
	Store
	g *Gateway
}

// errNoZoomTx says the store cannot hold Zoom jobs.
var errNoZoomTx = errors.New("gateway: Zoom API mode needs a store whose transactions implement ZoomTx")

// Update runs fn with a transaction whose SaveBooking and SaveBookings
// also queue the Zoom jobs the change calls for; the runner is woken
// once the transaction committed.
func (s *zoomHookStore) Update(ctx context.Context, fn func(Tx) error) error {
	queued := false
	err := s.Store.Update(ctx, func(tx Tx) error {
		ztx, ok := tx.(ZoomTx)
		if !ok {
			return errNoZoomTx
		}
		h := &zoomHookTx{Tx: tx, ZoomTx: ztx, g: s.g}
		err := fn(h)
		queued = h.queued
		return err
	})
	if err == nil && queued {
		s.g.zoomKick()
	}
	return err
}

// zoomHookTx is a Tx that queues a sync job for every booking saved whose
// meeting must change: an accepted booking without meeting, or whose
// slot or title moved; a booking no longer accepted that has one.
type zoomHookTx struct {
	Tx
	ZoomTx
	g      *Gateway
	queued bool
}

// SaveBooking saves b and queues its sync job when needed.
func (t *zoomHookTx) SaveBooking(ctx context.Context, b *Booking) error {
	if err := t.Tx.SaveBooking(ctx, b); err != nil {
		return err
	}
	return t.queueSync(ctx, b)
}

// SaveBookings saves bs and queues their sync jobs when needed.
func (t *zoomHookTx) SaveBookings(ctx context.Context, bs []*Booking) error {
	if err := t.Tx.SaveBookings(ctx, bs); err != nil {
		return err
	}
	for _, b := range bs {
		if err := t.queueSync(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func (t *zoomHookTx) queueSync(ctx context.Context, b *Booking) error {
	m, err := t.ZoomTx.ZoomMeeting(ctx, b.ID)
	if err != nil {
		return fmt.Errorf("read the booking's meeting: %w", err)
	}
	if !t.g.zoomNeedsSync(b, m) {
		return nil
	}
	t.queued = true
	return t.ZoomTx.QueueZoomJob(ctx, b.ID, ZoomJobSync, t.g.opt.Now().UTC())
}

// zoomNeedsSync reports whether the meeting m (nil when none) differs from
// what booking b calls for.
func (g *Gateway) zoomNeedsSync(b *Booking, m *ZoomMeeting) bool {
	has := m != nil && m.State != ZoomDeleted
	if b.Status != StatusAccepted {
		return has
	}
	if !has || m.State == ZoomCreating {
		return b.End.After(g.opt.Now())
	}
	return !m.Start.Equal(b.Start) || !m.End.Equal(b.End) || m.Topic != g.zoomTopic(b)
}

// zoomTopic is the topic of a booking's meeting: its title, else the
// room's name.
func (g *Gateway) zoomTopic(b *Booking) string {
	if t := strings.TrimSpace(b.Summary); t != "" {
		return storedText(t, 200)
	}
	if r := g.opt.roomFor(b.Room); r != nil && r.Name != "" {
		return r.Name
	}
	return "Zoom"
}

// zoomTx returns the ZoomTx of a transaction of the hooked store.
func zoomTx(tx Tx) (ZoomTx, error) {
	z, ok := tx.(ZoomTx)
	if !ok {
		return nil, errNoZoomTx
	}
	return z, nil
}
