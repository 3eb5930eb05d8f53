package web

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// fakeStore is an in-memory Store for the handler tests.
type fakeStore struct {
	mu       sync.Mutex
	bookings []gateway.Booking
	audit    []gateway.AuditEntry
	outbox   []gateway.OutboxMail
	counts   map[string]int
	pingErr  error
}

func (f *fakeStore) ListBookings(ctx context.Context, from, to time.Time) ([]gateway.Booking, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pingErr != nil {
		return nil, f.pingErr
	}
	var out []gateway.Booking
	for _, b := range f.bookings {
		if b.Start.Before(to) && b.End.After(from) {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

func (f *fakeStore) ListAudit(ctx context.Context, since time.Time, limit int) ([]gateway.AuditEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []gateway.AuditEntry
	for _, e := range f.audit {
		if !e.At.Before(since) && (limit <= 0 || len(out) < limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeStore) ListOutbox(ctx context.Context, status gateway.OutboxStatus, limit int) ([]gateway.OutboxMail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pingErr != nil {
		return nil, f.pingErr
	}
	var out []gateway.OutboxMail
	for i := len(f.outbox) - 1; i >= 0; i-- {
		if m := f.outbox[i]; (status == "" || m.Status == status) && (limit <= 0 || len(out) < limit) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *fakeStore) PendingOutbox(ctx context.Context) (int, time.Time, error) {
	ms, err := f.ListOutbox(ctx, gateway.OutboxPending, 0)
	var oldest time.Time
	for _, m := range ms {
		if oldest.IsZero() || m.CreatedAt.Before(oldest) {
			oldest = m.CreatedAt
		}
	}
	return len(ms), oldest, err
}

func (f *fakeStore) CountMessages(ctx context.Context) (map[string]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts, nil
}

func (f *fakeStore) Ping(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pingErr
}

func (f *fakeStore) setPingErr(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pingErr = nil
	if down {
		f.pingErr = errors.New("connection refused")
	}
}
