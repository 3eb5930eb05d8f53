package db

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestPreparedSeriesMatchBun: a series' statements on PostgreSQL, sent
// prepared with their values bound (pgseries.go), store and return the
// same as bun's statements with the values written in: SaveBookings of
// new and existing dates of two meetings (every column set to a value of
// its own, NULLs, empty bytes), OverlappingAny, and SaveOpenSeries and
// DeleteOpenSeries kept behind, which the next read sees. It fails when a column is missing,
// bound in the wrong place or in another form.
func TestPreparedSeriesMatchBun(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	const ann, bob = "ann@example.org", "bob@example.org"
	stamp := at(8, 0).Add(1500 * time.Nanosecond) // sub-microsecond: stored truncated
	week := func(n int) time.Time { return at(9, 0).AddDate(0, 0, 7*n) }
	rid := func(n int) string { return week(n).Format("20060102T150405Z") }
	type result struct {
		IDs     []int64
		Created []time.Time
		Near    []gateway.Booking
		Open    []string
		Due     []gateway.OpenSeries
		ViaBun  int // statements of the series sent through bun
	}
	series := func(ctx context.Context, gtx gateway.Tx, res *result) error {
		x := gtx.(*tx)
		sent := x.sent
		for i, m := range []gateway.MeetingRef{{Organizer: ann, UID: "s1"}, {Organizer: ann, UID: "s2"}, {Organizer: bob, UID: "s1"}, {Organizer: ann, UID: "s2"}} {
			err := gtx.SaveOpenSeries(ctx, gateway.OpenSeries{Organizer: m.Organizer, UID: m.UID, Room: fmt.Sprint("r", i),
				Calendar: []byte{byte(i), 0, 0xff}, MessageID: fmt.Sprintf("<m%d@x>", i), Horizon: stamp.AddDate(0, 0, i)})
			if err != nil {
				return err
			}
		}
		// The first date's save is kept behind (a Tx that reads ahead):
		// SaveBookings sends it first.
		err := gtx.(gateway.Prefetcher).Prefetch(ctx, gateway.Reads{Bookings: []gateway.MeetingRef{{Organizer: ann, UID: "s1"}},
			Saves: []gateway.BookingKey{{Organizer: ann, UID: "s1", RecurrenceID: rid(0)}}})
		if err != nil {
			return err
		}
		first := &gateway.Booking{UID: "s1", RecurrenceID: rid(0), Organizer: ann, Room: "room@example.org",
			Start: week(0), End: week(0).Add(time.Hour), Status: gateway.StatusAccepted, CreatedAt: stamp.Add(-time.Hour), UpdatedAt: stamp}
		if err := gtx.SaveBooking(ctx, first); err != nil {
			return err
		}
		bs := []*gateway.Booking{
			// The date saved above, changed: it keeps its ID and creation.
			{UID: "s1", RecurrenceID: rid(0), Organizer: ann, OrganizerName: "Ann O'Hara", Room: "room@example.org",
				Summary: "Formation", Start: week(0).Add(30 * time.Minute), End: week(0).Add(90 * time.Minute), Sequence: 1,
				Status: gateway.StatusAccepted, Reason: "free", UpdatedAt: stamp.Add(time.Second)},
			{UID: "s1", RecurrenceID: rid(1), Organizer: ann, OrganizerName: "Ann", Room: "room2@example.org",
				Summary: "Réunion\nligne", Start: week(1), End: week(1).Add(time.Hour), Sequence: 3, DTStamp: stamp,
				Status: gateway.StatusPending, Reason: "approval", MessageID: "<m1@x>", Lang: "fr", Request: []byte{},
				ExpiresAt: week(1).Add(-time.Hour), Approval: "n1", Actor: "carl@example.org", Host: "host@example.org",
				Provider: "jitsi", ToolRoom: gateway.ToolRoom{ID: "t1", JoinURL: "https://j/t1"},
				Options: gateway.MeetingOptions{Muted: true}, CreatedAt: stamp, UpdatedAt: stamp},
			{UID: "s1", RecurrenceID: rid(2), Organizer: ann, Start: week(2), End: week(2).Add(time.Hour),
				Status: gateway.StatusHeld, Request: []byte("BEGIN:VCALENDAR\r\n\x00\xff"), CreatedAt: stamp, UpdatedAt: stamp},
			{UID: "s2", Organizer: bob, Summary: "autre", Start: week(3), End: week(3).Add(time.Hour),
				Status: gateway.StatusDeclined, Reason: "conflict", CreatedAt: stamp, UpdatedAt: stamp},
		}
		if err := gtx.SaveBookings(ctx, bs); err != nil {
			return err
		}
		for _, b := range bs {
			res.IDs, res.Created = append(res.IDs, b.ID), append(res.Created, b.CreatedAt)
		}
		if err := gtx.DeleteOpenSeries(ctx, ann, "s1"); err != nil {
			return err
		}
		res.ViaBun = x.sent - sent
		// Through bun: the kept delete is sent first.
		if res.Open, err = gtx.OpenSeriesUIDs(ctx, ann); err != nil {
			return err
		}
		sent = x.sent
		spans := []gateway.Span{{Start: week(0), End: week(0).Add(time.Hour)}, {Start: week(2), End: week(3).Add(time.Hour)}}
		if res.Near, err = gtx.OverlappingAny(ctx, spans); err != nil {
			return err
		}
		res.ViaBun += x.sent - sent
		res.Due, err = gtx.OpenSeriesDue(ctx, stamp.AddDate(1, 0, 0), 0)
		return err
	}

	ctx := t.Context()
	prepared := openStore(t, newPostgresDB(t))
	var got result
	if err := prepared.Update(ctx, func(gtx gateway.Tx) error { return series(ctx, gtx, &got) }); err != nil {
		t.Fatalf("prepared: %v", err)
	}
	if got.ViaBun != 0 {
		t.Errorf("%d statements of the series went through bun", got.ViaBun)
	}
	got.ViaBun = 0

	// The same through bun: a transaction without its connection neither
	// keeps writes nor prepares.
	plain := openStore(t, newPostgresDB(t))
	var want result
	err := plain.inTx(ctx, func(btx bun.Tx) error { return series(ctx, &tx{s: plain, db: btx}, &want) })
	if err != nil {
		t.Fatalf("bun: %v", err)
	}
	want.ViaBun = 0
	diff(t, "series", fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want))
	if len(want.Open) != 1 || len(want.Near) != 2 || len(want.Due) != 2 {
		t.Errorf("bun's series: %d open series of ann, %d bookings near, %d open series, want 1, 2 and 2",
			len(want.Open), len(want.Near), len(want.Due))
	}
	diff(t, "bookings", dumpTable(t, prepared, "bookings"), dumpTable(t, plain, "bookings"))
}

// TestPipelineError: a statement of a pipeline that fails gives the
// server's error (here division_by_zero, SQLSTATE 22012), whether it is
// the first statement or a later one, so that a failure of the database
// itself (a connection lost, a deadlock) is still classified as such.
func TestPipelineError(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	ctx := t.Context()
	s := openStore(t, newPostgresDB(t))
	fail := pgStatement{sql: `SELECT 1 / $1::integer`, args: []any{0}, prepare: true}
	ok := pgStatement{sql: `SELECT 1`}
	for _, stmts := range [][]pgStatement{{fail}, {ok, fail, ok}} {
		err := s.Update(ctx, func(gtx gateway.Tx) error {
			var n int64
			return pipelineOn(ctx, gtx.(*tx).conn, stmts, countRows(stmts, &n))
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "22012" {
			t.Errorf("%d statements, one failing: %v, want division_by_zero", len(stmts), err)
		}
	}
}

// TestSaveBookingsBehind: after a read ahead that names a series'
// bookings (gateway.SeriesReads.Saves), SaveBookings keeps its writes
// behind, sending nothing, and gives what bun's save gives: each booking
// the ID of its row and its stored creation time, the same rows read
// back (but for the IDs, which the sequence gives otherwise), a stored
// date updated and new ones inserted.
func TestSaveBookingsBehind(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	ctx := t.Context()
	const ann = "ann@example.org"
	stamp := at(8, 0).Add(1500 * time.Nanosecond)
	week := func(n int) time.Time { return at(9, 0).AddDate(0, 0, 7*n) }
	rid := func(n int) string { return week(n).Format("20060102T150405Z") }
	dates := func() []*gateway.Booking {
		return []*gateway.Booking{
			{UID: "s1", RecurrenceID: rid(0), Organizer: ann, Summary: "changed", Start: week(0), End: week(0).Add(time.Hour),
				Status: gateway.StatusDeclined, Reason: "conflict", UpdatedAt: stamp.Add(time.Second)},
			{UID: "s1", RecurrenceID: rid(1), Organizer: ann, OrganizerName: "Ann", Room: "room2@example.org",
				Summary: "Réunion", Start: week(1), End: week(1).Add(time.Hour), Sequence: 3, DTStamp: stamp,
				Status: gateway.StatusPending, Reason: "approval", MessageID: "<m1@x>", Lang: "fr", Request: []byte{},
				ExpiresAt: week(1).Add(-time.Hour), Approval: "n1", Actor: "carl@example.org", Host: "host@example.org",
				Provider: "jitsi", ToolRoom: gateway.ToolRoom{ID: "t1"}, Options: gateway.MeetingOptions{Muted: true},
				CreatedAt: stamp, UpdatedAt: stamp},
			{UID: "s1", RecurrenceID: rid(2), Organizer: ann, Start: week(2), End: week(2).Add(time.Hour),
				Status: gateway.StatusAccepted, Request: []byte("BEGIN:VCALENDAR\r\n"), CreatedAt: stamp, UpdatedAt: stamp},
		}
	}
	type result struct {
		Created []time.Time
		Rows    []gateway.Booking // read back, IDs cleared
	}
	// save saves the dates and checks each booking got its row's ID.
	save := func(gtx gateway.Tx, res *result) error {
		bs := dates()
		if err := gtx.SaveBookings(ctx, bs); err != nil {
			return err
		}
		rows, err := gtx.BookingsOf(ctx, ann, "s1")
		if err != nil {
			return err
		}
		for i, b := range bs {
			if rows[i].ID != b.ID {
				return fmt.Errorf("%s saved as ID %d, stored as %d", b.RecurrenceID, b.ID, rows[i].ID)
			}
			res.Created = append(res.Created, b.CreatedAt)
			rows[i].ID = 0
		}
		res.Rows = rows
		return nil
	}
	first := func(t *testing.T, s *Store) {
		b := &gateway.Booking{UID: "s1", RecurrenceID: rid(0), Organizer: ann, Start: week(0), End: week(0).Add(time.Hour),
			Status: gateway.StatusAccepted, CreatedAt: stamp.Add(-time.Hour), UpdatedAt: stamp}
		if err := s.Update(ctx, func(gtx gateway.Tx) error { return gtx.SaveBooking(ctx, b) }); err != nil {
			t.Fatal(err)
		}
	}

	behind := openStore(t, newPostgresDB(t))
	first(t, behind)
	var got result
	err := behind.Update(ctx, func(gtx gateway.Tx) error {
		keys := make([]gateway.BookingKey, 3)
		for i := range keys {
			keys[i] = gateway.BookingKey{Organizer: ann, UID: "s1", RecurrenceID: rid(i)}
		}
		err := gtx.(gateway.Prefetcher).Prefetch(ctx, gateway.Reads{Bookings: []gateway.MeetingRef{{Organizer: ann, UID: "s1"}},
			Series: func() gateway.SeriesReads { return gateway.SeriesReads{Saves: keys} }})
		if err != nil {
			return err
		}
		return save(&keptOnly{tx: gtx.(*tx)}, &got)
	})
	if err != nil {
		t.Fatalf("kept behind: %v", err)
	}

	plain := openStore(t, newPostgresDB(t))
	first(t, plain)
	var want result
	if err := plain.inTx(ctx, func(btx bun.Tx) error { return save(&tx{s: plain, db: btx}, &want) }); err != nil {
		t.Fatalf("bun: %v", err)
	}
	diff(t, "saved", fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want))
}

// keptOnly is a tx whose SaveBookings must keep its writes behind: it
// fails if the save sends anything or keeps nothing.
type keptOnly struct{ *tx }

func (k *keptOnly) SaveBookings(ctx context.Context, bs []*gateway.Booking) error {
	sent, pending := k.sent, len(k.pending)
	if err := k.tx.SaveBookings(ctx, bs); err != nil {
		return err
	}
	if k.sent != sent || len(k.pending) <= pending {
		return fmt.Errorf("SaveBookings sent %d statements through bun and kept %d writes, want none and some",
			k.sent-sent, len(k.pending)-pending)
	}
	return nil
}
