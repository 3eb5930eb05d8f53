package gateway_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// aheadStore is a memStore whose transactions read ahead
// (gateway.Prefetcher) as db's do on PostgreSQL, and note every question
// of a decision that its read ahead did not cover: each one would be a
// round trip of its own there. It follows db's rules: the same meeting,
// window, person or outbox query, an instant the same or later.
type aheadStore struct {
	*memStore
	prefetches int
	missed     []string
}

func (s *aheadStore) Update(ctx context.Context, fn func(gateway.Tx) error) error {
	return s.memStore.Update(ctx, func(tx gateway.Tx) error { return fn(&aheadTx{Tx: tx, s: s}) })
}

type aheadTx struct {
	gateway.Tx
	s     *aheadStore
	reads *gateway.Reads
}

func (t *aheadTx) Prefetch(_ context.Context, r gateway.Reads) error {
	t.s.prefetches++
	t.reads = &r
	return nil
}

func (t *aheadTx) miss(ok bool, format string, args ...any) {
	if t.reads != nil && !ok {
		t.s.missed = append(t.s.missed, fmt.Sprintf(format, args...))
	}
}

func (t *aheadTx) BookingsOf(ctx context.Context, organizer, uid string) ([]gateway.Booking, error) {
	if t.reads != nil {
		t.miss(slices.Contains(t.reads.Bookings, gateway.MeetingRef{Organizer: organizer, UID: uid}), "BookingsOf(%s, %s)", organizer, uid)
	}
	return t.Tx.BookingsOf(ctx, organizer, uid)
}

func (t *aheadTx) Versions(ctx context.Context, organizer, uid string) ([]gateway.Version, error) {
	if t.reads != nil {
		t.miss(slices.Contains(t.reads.Versions, gateway.MeetingRef{Organizer: organizer, UID: uid}), "Versions(%s, %s)", organizer, uid)
	}
	return t.Tx.Versions(ctx, organizer, uid)
}

func (t *aheadTx) Overlapping(ctx context.Context, from, to time.Time) ([]gateway.Booking, error) {
	if t.reads != nil {
		t.miss(slices.ContainsFunc(t.reads.Overlapping, func(s gateway.Span) bool { return s.Start.Equal(from) && s.End.Equal(to) }),
			"Overlapping(%s, %s)", from, to)
	}
	return t.Tx.Overlapping(ctx, from, to)
}

func (t *aheadTx) Holds(ctx context.Context, after time.Time) ([]gateway.Booking, error) {
	if t.reads != nil {
		t.miss(t.reads.Holds && !after.Before(t.reads.HoldsAfter), "Holds(%s)", after)
	}
	return t.Tx.Holds(ctx, after)
}

func (t *aheadTx) PersonBookings(ctx context.Context, person string, after time.Time) ([]gateway.Booking, error) {
	if t.reads != nil {
		t.miss(slices.Contains(t.reads.People, person) && !after.Before(t.reads.PeopleAfter), "PersonBookings(%s, %s)", person, after)
	}
	return t.Tx.PersonBookings(ctx, person, after)
}

// PersonBookingsOpen makes the gateway ask one question for a person's
// bookings and series, as of db's stores.
func (t *aheadTx) PersonBookingsOpen(ctx context.Context, person string, after time.Time) ([]gateway.Booking, []bool, error) {
	bs, err := t.PersonBookings(ctx, person, after)
	if err != nil {
		return nil, nil, err
	}
	open := make([]bool, len(bs))
	for i, b := range bs {
		uids, err := t.Tx.OpenSeriesUIDs(ctx, b.Organizer)
		if err != nil {
			return nil, nil, err
		}
		open[i] = slices.Contains(uids, b.UID)
	}
	return bs, open, nil
}

func (t *aheadTx) CountOutboxesLast(ctx context.Context, qs []gateway.OutboxQuery, last gateway.OutboxQuery) ([]int, time.Time, error) {
	if r := t.reads; r != nil {
		ok := r.Last != nil && *r.Last == last && len(qs) == len(r.Counts)
		for i := 0; ok && i < len(qs); i++ {
			a, b := qs[i], r.Counts[i]
			ok = !a.Since.Before(b.Since) && a.Since.Sub(b.Since) < time.Minute
			a.Since, b.Since = time.Time{}, time.Time{}
			ok = ok && a == b
		}
		t.miss(ok, "CountOutboxesLast(%+v, %+v)", qs, last)
	}
	ns := make([]int, len(qs))
	for i, q := range qs {
		n, err := t.Tx.CountOutbox(ctx, q)
		if err != nil {
			return nil, time.Time{}, err
		}
		ns[i] = n
	}
	at, err := t.Tx.LastOutbox(ctx, last)
	return ns, at, err
}

func (t *aheadTx) OverlappingAny(ctx context.Context, spans []gateway.Span) ([]gateway.Booking, error) {
	if r := t.reads; r != nil {
		var read []gateway.Span
		if r.Series != nil {
			read = r.Series().Spans
		}
		ok := true
		for _, sp := range spans {
			ok = ok && slices.ContainsFunc(read, func(s gateway.Span) bool { return s.Start.Equal(sp.Start) && s.End.Equal(sp.End) })
		}
		t.miss(ok, "OverlappingAny(%v)", spans)
	}
	return t.Tx.OverlappingAny(ctx, spans)
}

func (t *aheadTx) SaveBookings(ctx context.Context, bs []*gateway.Booking) error {
	if r := t.reads; r != nil {
		var saves []gateway.BookingKey
		if r.Series != nil {
			saves = r.Series().Saves
		}
		for _, b := range bs {
			t.miss(slices.Contains(saves, gateway.BookingKey{Organizer: b.Organizer, UID: b.UID, RecurrenceID: b.RecurrenceID}),
				"SaveBookings(%s, %s, %s)", b.Organizer, b.UID, b.RecurrenceID)
		}
	}
	return t.Tx.SaveBookings(ctx, bs)
}

func (t *aheadTx) SaveBooking(ctx context.Context, b *gateway.Booking) error {
	if t.reads != nil {
		t.miss(slices.Contains(t.reads.Saves, gateway.BookingKey{Organizer: b.Organizer, UID: b.UID, RecurrenceID: b.RecurrenceID}),
			"SaveBooking(%s, %s, %s)", b.Organizer, b.UID, b.RecurrenceID)
	}
	return t.Tx.SaveBooking(ctx, b)
}

// TestPrefetchCoversDecision: the read ahead of a single event's decision
// names every question the decision then asks of the reads db serves
// ahead, and the booking it saves, with quotas, holds, a delegate, an
// attendee that may be a previous organizer, an update and a clock that
// moves at each reading: on PostgreSQL, each question missed is a round
// trip. The one read left out is the window of the free slots proposed
// when the slot is taken (weeks of bookings, for a decline).
func TestPrefetchCoversDecision(t *testing.T) {
	st := &aheadStore{memStore: newMemStore()}
	clock := &fakeClock{now: t0}
	opt := baseOptions(t, st, clock)
	securityOptions(&opt)
	opt.Now = func() time.Time { clock.advance(time.Millisecond); return clock.Now() }
	opt.Policy.MaxWeekHours, opt.Policy.MaxFutureBookings, opt.Policy.MaxOpenSeriesDates = 6*time.Hour, 20, 30
	opt.Policy.MaxHoldsPerSender, opt.Policy.MaxHoldsPerDomain = 3, 6
	g, err := gateway.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return at(2026, 12, d, 9, 0) }
	withBob := meeting("REQUEST", "p-3", alice, 0, day(3), day(3).Add(time.Hour))
	withBob.Events[0].Attendees = append(withBob.Events[0].Attendees, bob)
	const suggestions = 1 // the proposals' window
	steps := []struct {
		name   string
		iv     invite
		action gateway.Action
		missed int
	}{
		{"a new meeting", meeting("REQUEST", "p-1", alice, 0, day(1), day(1).Add(2*time.Hour)), gateway.ActionAccepted, 0},
		{"moved", meeting("REQUEST", "p-1", alice, 1, day(2), day(2).Add(2*time.Hour)), gateway.ActionAccepted, 0},
		{"sent again", stamped(meeting("REQUEST", "p-1", alice, 1, day(2), day(2).Add(2*time.Hour)), time.Minute), gateway.ActionAccepted, 0},
		{"by a delegate", sentBy("REQUEST", "p-2", alice, carol, 0, day(2).Add(3*time.Hour), day(2).Add(4*time.Hour)), gateway.ActionAccepted, 0},
		{"with a member attending", withBob, gateway.ActionAccepted, 0},
		{"over the week's quota", meeting("REQUEST", "p-4", alice, 0, day(4), day(4).Add(4*time.Hour)), gateway.ActionDeclined, 0},
		{"on a taken slot", meeting("REQUEST", "p-5", bob, 0, day(2), day(2).Add(time.Hour)), gateway.ActionDeclined, suggestions},
	}
	for i, s := range steps {
		raw := s.iv.bytes()
		ahead, missed := st.prefetches, len(st.missed)
		out, err := g.Handle(t.Context(), gateway.Incoming{Ref: fmt.Sprintf("INBOX/1/%d", i+1), Raw: raw, Size: int64(len(raw))})
		if err != nil {
			t.Fatal(err)
		}
		if out.Action != s.action {
			t.Errorf("%s: %+v, want %s", s.name, out, s.action)
		}
		if st.prefetches != ahead+1 {
			t.Errorf("%s: %d reads ahead, want 1", s.name, st.prefetches-ahead)
		}
		if got := st.missed[missed:]; len(got) != s.missed {
			t.Errorf("%s: asked without reading it ahead: %q, want %d such", s.name, got, s.missed)
		}
	}
}

// TestPrefetchCoversSeries: the read ahead of a series' decision names
// the spans of the one query that reads the bookings around its dates.
// The one read left out is that of the free slots proposed for a busy
// date, near it.
func TestPrefetchCoversSeries(t *testing.T) {
	st := &aheadStore{memStore: newMemStore()}
	clock := &fakeClock{now: t0}
	g, err := gateway.New(baseOptions(t, st, clock))
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return at(2026, 12, d, 9, 0) }
	const suggestions = 1 // the proposals' window
	steps := []struct {
		name   string
		iv     invite
		action gateway.Action
		reason string
		missed int
	}{
		{"a weekly series", weekly("s-1", alice, 0, day(7), 6), gateway.ActionAccepted, "6 date(s) accepted, 0 declined", 0},
		{"sent again", stamped(weekly("s-1", alice, 0, day(7), 6), time.Minute), gateway.ActionAccepted, "6 date(s) accepted, 0 declined", 0},
		{"a single meeting", meeting("REQUEST", "m-1", bob, 0, day(22).Add(-time.Hour), day(22)), gateway.ActionAccepted, "", 0},
		{"a series with a busy date", weekly("s-2", carol, 0, day(8), 6), gateway.ActionAccepted, "5 date(s) accepted, 1 declined", suggestions},
	}
	for i, s := range steps {
		raw := s.iv.bytes()
		ahead, missed := st.prefetches, len(st.missed)
		out, err := g.Handle(t.Context(), gateway.Incoming{Ref: fmt.Sprintf("INBOX/1/%d", i+1), Raw: raw, Size: int64(len(raw))})
		if err != nil {
			t.Fatal(err)
		}
		if out.Action != s.action || s.reason != "" && out.Reason != s.reason {
			t.Errorf("%s: %+v, want %s, %q", s.name, out, s.action, s.reason)
		}
		if st.prefetches != ahead+1 {
			t.Errorf("%s: %d reads ahead, want 1", s.name, st.prefetches-ahead)
		}
		if got := st.missed[missed:]; len(got) != s.missed {
			t.Errorf("%s: asked without reading it ahead: %q, want %d such", s.name, got, s.missed)
		}
	}
}
