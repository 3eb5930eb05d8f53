package db

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// saveAll stores the bookings in one transaction and sets their IDs.
func saveAll(t testing.TB, s *Store, bs []*gateway.Booking) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx gateway.Tx) error {
		for _, b := range bs {
			if err := tx.SaveBooking(ctx, b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func booking(uid, rid string, start, end time.Time, st gateway.BookingStatus) *gateway.Booking {
	return &gateway.Booking{
		UID: uid, RecurrenceID: rid, Room: "room@example.org", Organizer: "ann@example.org",
		Start: start, End: end, Status: st, CreatedAt: at(8, 0), UpdatedAt: at(8, 0),
	}
}

func TestSaveBooking(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		first := &gateway.Booking{
			UID: "040000008200E00074C5B7101A82E008", Room: "room@example.org",
			Organizer: "ann@example.org", OrganizerName: "Ann Example", Summary: "Board – Q1",
			Start: at(14, 0), End: at(15, 0), Sequence: 0, DTStamp: at(7, 59),
			Status: gateway.StatusAccepted, MessageID: "<1@example.org>", Lang: "fr",
			CreatedAt: at(8, 0), UpdatedAt: at(8, 0),
		}
		saveAll(t, s, []*gateway.Booking{first})
		if first.ID == 0 {
			t.Fatal("SaveBooking did not set ID")
		}
		// A new save of the same key (a rescheduled REQUEST) updates the row.
		again := *first
		again.ID = 0
		again.Start, again.End, again.Sequence = at(16, 0), at(17, 0), 1
		again.Status, again.Reason = gateway.StatusDeclined, "overlap"
		again.CreatedAt, again.UpdatedAt = at(9, 0), at(9, 0)
		occurrence := booking(first.UID, gateway.RecurrenceKey(at(14, 0).AddDate(0, 0, 7)), at(14, 0).AddDate(0, 0, 7), at(15, 0).AddDate(0, 0, 7), gateway.StatusAccepted)
		other := booking("other", "", at(10, 0), at(11, 0), gateway.StatusAccepted)
		saveAll(t, s, []*gateway.Booking{&again, occurrence, other})

		want := again
		want.ID = first.ID
		want.CreatedAt = at(8, 0) // kept from the first save
		diff(t, "updated booking as returned", again, want)
		if occurrence.ID == first.ID || other.ID == first.ID || occurrence.ID == other.ID {
			t.Errorf("IDs not distinct: %d %d %d", first.ID, occurrence.ID, other.ID)
		}
		// Another organizer's meeting with the same UID is another meeting.
		theirs := booking(first.UID, "", at(18, 0), at(19, 0), gateway.StatusDeclined)
		theirs.Organizer = "mallory@evil.example"
		saveAll(t, s, []*gateway.Booking{theirs})
		if theirs.ID == first.ID {
			t.Errorf("another organizer's booking with the same UID replaced the first")
		}
		err := s.Update(ctx, func(tx gateway.Tx) error {
			got, err := tx.BookingsOf(ctx, "ann@example.org", first.UID)
			if err != nil {
				return err
			}
			diff(t, "BookingsOf", got, []gateway.Booking{want, *occurrence})
			if got, err = tx.BookingsOf(ctx, "mallory@evil.example", first.UID); err != nil {
				return err
			}
			diff(t, "BookingsOf(other organizer)", got, []gateway.Booking{*theirs})
			got, err = tx.BookingsOf(ctx, "ann@example.org", "nope")
			diff(t, "BookingsOf(unknown)", got, []gateway.Booking{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestPersonBookings: what counts in a person's quotas and holds is what
// they organize or asked for (as a delegate), accepted or held in any
// way, ending after the given time; each row once, by start.
func TestPersonBookings(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		past := booking("past", "", at(8, 0), at(9, 0), gateway.StatusAccepted)
		ahead := booking("ahead", "", at(12, 0), at(13, 0), gateway.StatusAccepted)
		ahead.Actor = "ann@example.org" // organized and asked for: listed once
		now := booking("now", "", at(9, 30), at(10, 30), gateway.StatusAccepted)
		declined := booking("declined", "", at(14, 0), at(15, 0), gateway.StatusDeclined)
		other := booking("other", "", at(14, 0), at(15, 0), gateway.StatusAccepted)
		other.Organizer = "bob@example.org"
		forBob := booking("for-bob", "", at(16, 0), at(17, 0), gateway.StatusPending)
		forBob.Organizer, forBob.Actor = "bob@example.org", "ann@example.org"
		waiting := booking("waiting", "", at(11, 0), at(12, 0), gateway.StatusWaiting)
		held := booking("held", "hold", at(11, 30), at(12, 30), gateway.StatusHeld)
		held.Organizer, held.Actor, held.ExpiresAt = "carol@example.org", "ann@example.org", at(10, 15)
		cancelled := booking("cancelled", "", at(18, 0), at(19, 0), gateway.StatusCancelled)
		cancelled.Organizer, cancelled.Actor = "bob@example.org", "ann@example.org"
		saveAll(t, s, []*gateway.Booking{past, ahead, now, declined, other, forBob, waiting, held, cancelled})
		err := s.Update(t.Context(), func(tx gateway.Tx) error {
			got, err := tx.PersonBookings(t.Context(), "ann@example.org", at(10, 0))
			diff(t, "PersonBookings(ann)", got, []gateway.Booking{*now, *waiting, *held, *ahead, *forBob})
			if err != nil {
				return err
			}
			got, err = tx.PersonBookings(t.Context(), "bob@example.org", at(10, 0))
			diff(t, "PersonBookings(bob)", got, []gateway.Booking{*other, *forBob})
			if err != nil {
				return err
			}
			return checkPersonBookingsOpen(t, tx, []gateway.Booking{*now, *waiting, *held, *ahead, *forBob})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// checkPersonBookingsOpen checks that PersonBookingsOpen lists what
// PersonBookings does, and marks the bookings of a meeting that is a
// series without end of its organizer, and only those.
func checkPersonBookingsOpen(t *testing.T, tx gateway.Tx, want []gateway.Booking) error {
	t.Helper()
	ctx := t.Context()
	for _, o := range []gateway.OpenSeries{
		{UID: "ahead", Organizer: "ann@example.org", Room: "r", Calendar: []byte("BEGIN:VCALENDAR"), Horizon: at(20, 0)},
		{UID: "for-bob", Organizer: "bob@example.org", Room: "r", Calendar: []byte("BEGIN:VCALENDAR"), Horizon: at(20, 0)},
		{UID: "now", Organizer: "bob@example.org", Room: "r", Calendar: []byte("BEGIN:VCALENDAR"), Horizon: at(20, 0)}, // ann's "now", not bob's
	} {
		if err := tx.SaveOpenSeries(ctx, o); err != nil {
			return err
		}
	}
	got, open, err := tx.(gateway.OpenBookingsReader).PersonBookingsOpen(ctx, "ann@example.org", at(10, 0))
	diff(t, "PersonBookingsOpen(ann)", quotaView(got), quotaView(want))
	diff(t, "PersonBookingsOpen(ann) open", open, []bool{false, false, false, true, true})
	return err
}

// TestHolds: the requests not yet accepted (pending, waiting, held) that
// end after the given time, of every organizer, by start; a row that
// starts more than the longest booking before it is not read.
func TestHolds(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		s.SetMaxBookingLength(2 * time.Hour)
		pending := booking("pending", "", at(12, 0), at(13, 0), gateway.StatusPending)
		waiting := booking("waiting", "", at(11, 0), at(12, 0), gateway.StatusWaiting)
		waiting.Organizer, waiting.Actor = "bob@example.org", "ann@example.org"
		held := booking("held", "hold", at(9, 30), at(10, 30), gateway.StatusHeld)
		held.ExpiresAt = at(9, 45) // expired: the gateway drops it
		over := booking("over", "", at(8, 0), at(9, 0), gateway.StatusWaiting)
		accepted := booking("accepted", "", at(14, 0), at(15, 0), gateway.StatusAccepted)
		declined := booking("declined", "", at(14, 0), at(15, 0), gateway.StatusDeclined)
		saveAll(t, s, []*gateway.Booking{pending, waiting, held, over, accepted, declined})
		err := s.Update(t.Context(), func(tx gateway.Tx) error {
			got, err := tx.Holds(t.Context(), at(10, 0))
			diff(t, "Holds", got, []gateway.Booking{*held, *waiting, *pending})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestSaveBookingDefaultsTimes(t *testing.T) {
	t.Parallel()
	s := openStore(t, sqliteBackend.newDB(t))
	b := &gateway.Booking{UID: "u", Start: at(9, 0), End: at(10, 0), Status: gateway.StatusAccepted}
	before := time.Now().Add(-time.Second)
	saveAll(t, s, []*gateway.Booking{b})
	if b.UpdatedAt.Before(before) || !b.CreatedAt.Equal(b.UpdatedAt) {
		t.Errorf("CreatedAt %v, UpdatedAt %v: want both set to now", b.CreatedAt, b.UpdatedAt)
	}
}

func TestOverlapping(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		s.SetMaxBookingLength(6 * time.Hour)
		morning := booking("morning", "", at(9, 0), at(10, 0), gateway.StatusAccepted)
		noon := booking("noon", "", at(11, 30), at(12, 30), gateway.StatusAccepted)
		long := booking("long", "", at(6, 0), at(12, 0), gateway.StatusAccepted) // exactly the maximum
		declined := booking("declined", "", at(9, 0), at(10, 0), gateway.StatusDeclined)
		cancelled := booking("cancelled", "", at(13, 0), at(14, 0), gateway.StatusCancelled)
		tooLong := booking("too-long", "", at(0, 0).AddDate(0, 0, -2), at(23, 0), gateway.StatusAccepted)
		saveAll(t, s, []*gateway.Booking{morning, noon, long, declined, cancelled, tooLong})

		tests := []struct {
			name     string
			from, to time.Time
			want     []*gateway.Booking
		}{
			{name: "inside morning", from: at(9, 15), to: at(9, 45), want: []*gateway.Booking{long, morning}},
			{name: "ends where morning starts", from: at(8, 0), to: at(9, 0), want: []*gateway.Booking{long}},
			{name: "starts where morning ends", from: at(10, 0), to: at(11, 0), want: []*gateway.Booking{long}},
			{name: "covers all", from: at(5, 0), to: at(13, 0), want: []*gateway.Booking{long, morning, noon}},
			{name: "only cancelled there", from: at(13, 0), to: at(14, 0), want: nil},
			{name: "starts where long ends", from: at(12, 0), to: at(12, 15), want: []*gateway.Booking{noon}},
			// tooLong breaks the caller's promise and is not seen: the
			// scan is bounded by the maximum length.
			{name: "late evening", from: at(22, 0), to: at(22, 30), want: nil},
		}
		for _, tt := range tests {
			err := s.Update(t.Context(), func(tx gateway.Tx) error {
				got, err := tx.Overlapping(t.Context(), tt.from, tt.to)
				want := []gateway.Booking{}
				for _, b := range tt.want {
					want = append(want, *b)
				}
				diff(t, tt.name, got, want)
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		}
	})
}

func TestListBookings(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		a := booking("a", "", at(9, 0), at(10, 0), gateway.StatusAccepted)
		d := booking("d", "", at(9, 30), at(10, 30), gateway.StatusDeclined)
		c := booking("c", "", at(11, 0), at(12, 0), gateway.StatusCancelled)
		next := booking("next", "", at(9, 0).AddDate(0, 0, 1), at(10, 0).AddDate(0, 0, 1), gateway.StatusAccepted)
		saveAll(t, s, []*gateway.Booking{next, c, d, a})
		tests := []struct {
			name     string
			from, to time.Time
			want     []gateway.Booking
		}{
			{name: "the day", from: at(0, 0), to: at(0, 0).AddDate(0, 0, 1), want: []gateway.Booking{*a, *d, *c}},
			{name: "two days", from: at(0, 0), to: at(0, 0).AddDate(0, 0, 2), want: []gateway.Booking{*a, *d, *c, *next}},
			{name: "overlap counts", from: at(10, 15), to: at(11, 1), want: []gateway.Booking{*d, *c}},
			{name: "empty", from: at(12, 0), to: at(13, 0), want: []gateway.Booking{}},
		}
		for _, tt := range tests {
			got, err := s.ListBookings(t.Context(), tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, tt.name, got, tt.want)
		}
	})
}

// Overlapping must be an index range scan, not a table scan.
func TestOverlappingUsesIndex(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		// The statements Overlapping and OverlappingAny run.
		var queries []string
		if s.driver == DriverSQLite {
			spans, width := spansText([]gateway.Span{{Start: at(9, 0), End: at(10, 0)}, {Start: at(11, 0), End: at(12, 0)}}, time.Hour)
			queries = []string{
				regexp.MustCompile(`\?\d`).ReplaceAllString(byStatus(overlappingSQL, occupying), "'x'"),
				strings.NewReplacer("?1", "'"+spans+"'", "?2", strconv.Itoa(width)).Replace(overlappingAnySQL),
			}
		} else {
			q := s.w.NewSelect().Model((*bookingRow)(nil)).
				Where("status = ?", "accepted").
				Where("start_at > ?", at(0, 0)).
				Where("start_at < ?", at(10, 0)).
				Where("end_at > ?", at(9, 0)).
				Order("start_at", "id")
			anyQ := overlappingAnyQuery(s.w, nil, []gateway.Span{{Start: at(9, 0), End: at(10, 0)}, {Start: at(11, 0), End: at(12, 0)}}, time.Hour)
			queries = []string{q.String(), anyQ.String()}
		}
		for _, query := range queries {
			var plan []string
			var err error
			if s.driver == DriverSQLite {
				plan, err = explainSQLite(ctx, s, query)
			} else {
				plan, err = explainPostgres(ctx, s, query)
			}
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(plan, "\n")
			usesIndex := strings.Contains(text, "bookings_status_start") || strings.Contains(text, "bookings_start")
			if s.driver == DriverPostgres && strings.Contains(query, "unnest") && !regexp.MustCompile(`Index Cond: [^\n]*start_at > w\.lo`).MatchString(text) {
				t.Errorf("OverlappingAny's plan is not a range scan per span:\n%s", text)
			}
			if !usesIndex || strings.Contains(text, "SCAN b\n") || strings.HasSuffix(text, "SCAN b") ||
				strings.Contains(text, "SCAN booking") || strings.Contains(text, "Seq Scan") {
				t.Errorf("plan is not a range scan of a start_at index:\n%s", text)
			}
			t.Logf("plan:\n%s", text)
		}
	})
}

// OverlappingAny must return what one Overlapping per span returns, each
// booking once, ordered by start: spans that touch, nest, share bookings
// or fall between them, and spans that a booking only touches.
func TestOverlappingAny(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		s.SetMaxBookingLength(5 * time.Hour)
		var all []*gateway.Booking
		rnd := rand.New(rand.NewPCG(1, 2))
		for i := range 120 {
			start := at(0, 0).Add(time.Duration(rnd.IntN(72*60)) * time.Minute).Add(time.Duration(rnd.IntN(1000)) * time.Microsecond)
			st := gateway.StatusAccepted
			if i%4 == 3 {
				st = gateway.StatusDeclined
			}
			all = append(all, booking(fmt.Sprintf("b%03d", i), "", start, start.Add(time.Duration(15+rnd.IntN(5*60-15))*time.Minute), st))
		}
		saveAll(t, s, all)
		for round := range 40 {
			var spans []gateway.Span
			for range 1 + rnd.IntN(70) {
				from := at(0, 0).Add(time.Duration(rnd.IntN(80*60)-4*60) * time.Minute)
				to := from.Add(time.Duration(1+rnd.IntN(180)) * time.Minute)
				if rnd.IntN(2) == 0 {
					// Bounds that a booking's start or end meets exactly,
					// written longer (microseconds) or shorter than the
					// other instants of the query.
					b := all[rnd.IntN(len(all))]
					from, to = b.End, b.End.Add(time.Duration(1+rnd.IntN(180))*time.Minute)
					if rnd.IntN(2) == 0 {
						from, to = b.Start.Add(-time.Duration(1+rnd.IntN(180))*time.Minute), b.Start
					}
				}
				spans = append(spans, gateway.Span{Start: from, End: to})
			}
			err := s.Update(t.Context(), func(tx gateway.Tx) error {
				got, err := tx.OverlappingAny(t.Context(), spans)
				if err != nil {
					return err
				}
				seen := map[int64]bool{}
				want := []gateway.Booking{}
				for _, sp := range spans {
					one, err := tx.Overlapping(t.Context(), sp.Start, sp.End)
					if err != nil {
						return err
					}
					for _, b := range one {
						if !seen[b.ID] {
							seen[b.ID] = true
							want = append(want, b)
						}
					}
				}
				sort.Slice(want, func(i, j int) bool {
					if !want[i].Start.Equal(want[j].Start) {
						return want[i].Start.Before(want[j].Start)
					}
					return want[i].ID < want[j].ID
				})
				if len(got) == 0 {
					got = []gateway.Booking{}
				}
				diff(t, fmt.Sprintf("round %d, %d spans", round, len(spans)), got, want)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		err := s.Update(t.Context(), func(tx gateway.Tx) error {
			got, err := tx.OverlappingAny(t.Context(), nil)
			if err != nil || len(got) != 0 {
				t.Errorf("no spans: got %v, %v", got, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func explainSQLite(ctx context.Context, s *Store, query string, args ...any) ([]string, error) {
	rows, err := s.w.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}

// explainPostgres forbids sequential scans so that the planner's choice on
// a tiny table does not hide whether the index can serve the query.
func explainPostgres(ctx context.Context, s *Store, query string) ([]string, error) {
	var plan []string
	err := s.inTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		return tx.NewRaw("EXPLAIN "+query).Scan(ctx, &plan)
	})
	return plan, err
}

// SQLite compares instants as text: fractional seconds must still order
// correctly against whole seconds and against each other.
func TestOverlappingSubSecond(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ten := at(10, 0)
		half := booking("half", "", at(9, 0), ten.Add(500*time.Millisecond), gateway.StatusAccepted)
		micro := booking("micro", "", ten.Add(time.Second+time.Microsecond), at(11, 0), gateway.StatusAccepted)
		saveAll(t, s, []*gateway.Booking{half, micro})
		tests := []struct {
			name     string
			from, to time.Time
			want     []string
		}{
			{name: "whole second before the end", from: ten, to: ten.Add(time.Millisecond), want: []string{"half"}},
			{name: "shorter fraction before the end", from: ten.Add(250 * time.Millisecond), to: ten.Add(260 * time.Millisecond), want: []string{"half"}},
			{name: "longer fraction before the end", from: ten.Add(499999 * time.Microsecond), to: ten.Add(time.Second), want: []string{"half"}},
			{name: "exactly at the end", from: ten.Add(500 * time.Millisecond), to: ten.Add(time.Second), want: []string{}},
			{name: "longer fraction after the end", from: ten.Add(550 * time.Millisecond), to: ten.Add(time.Second), want: []string{}},
			{name: "to one microsecond short of micro", from: ten.Add(999 * time.Millisecond), to: ten.Add(time.Second + time.Microsecond), want: []string{}},
			{name: "to just after micro starts", from: ten.Add(999 * time.Millisecond), to: ten.Add(time.Second + 2*time.Microsecond), want: []string{"micro"}},
		}
		for _, tt := range tests {
			err := s.Update(t.Context(), func(tx gateway.Tx) error {
				got, err := tx.Overlapping(t.Context(), tt.from, tt.to)
				uids := []string{}
				for _, b := range got {
					uids = append(uids, b.UID)
				}
				diff(t, tt.name, uids, tt.want)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestSaveBookingsSameRows: SaveBookings (on SQLite a prepared upsert per
// row without RETURNING, see upsertBookingSQL) stores byte for byte the
// rows SaveBooking stores, NULLs and empty blobs included, and returns the
// same IDs and creation times, on insert and on update.
func TestSaveBookingsSameRows(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		one, many := openStore(t, b.newDB(t)), openStore(t, b.newDB(t))
		ctx := t.Context()
		versions := func() [][]*gateway.Booking {
			full := &gateway.Booking{UID: "series", RecurrenceID: gateway.RecurrenceKey(at(14, 0)), Room: "room@example.org",
				Organizer: "ann@example.org", OrganizerName: "Ann", Summary: "Board – Q1 'quoted'", Start: at(14, 0), End: at(15, 30),
				Sequence: 2, DTStamp: at(7, 59), Status: gateway.StatusPending, Reason: "approval: rule", MessageID: "<1@example.org>",
				Lang: "fr", CreatedAt: at(8, 0), UpdatedAt: at(8, 0), Request: []byte("BEGIN:VCALENDAR\r\n\x00\xff"),
				ExpiresAt: at(20, 0), Approval: "nonce", Actor: "bob@example.org", Host: "host2", Provider: "jitsi",
				ToolRoom: gateway.ToolRoom{ID: "r1", JoinURL: "https://meet.example/r1", ValidFrom: at(13, 0)},
				Options:  gateway.StoredOptions("muted")}
			bare := booking("series", gateway.RecurrenceKey(at(14, 0).AddDate(0, 0, 7)), at(14, 0).AddDate(0, 0, 7), at(15, 0).AddDate(0, 0, 7), gateway.StatusAccepted)
			empty := booking("single", "", at(9, 0), at(10, 0), gateway.StatusWaiting)
			empty.Request = []byte{} // an empty blob, not NULL
			// The second version changes every stored column of the first
			// two dates (the stored created_at stays) and adds one.
			full2, bare2 := *full, *bare
			full2.ID, full2.Start, full2.End, full2.Sequence, full2.DTStamp = 0, at(16, 0), at(17, 0), 3, time.Time{}
			full2.Status, full2.Reason, full2.Request, full2.ExpiresAt, full2.Approval = gateway.StatusAccepted, "", nil, time.Time{}, ""
			full2.CreatedAt, full2.UpdatedAt, full2.Provider, full2.ToolRoom, full2.Options = at(9, 0), at(9, 0), "", gateway.ToolRoom{}, gateway.MeetingOptions{}
			bare2.ID, bare2.Status, bare2.Reason, bare2.CreatedAt, bare2.UpdatedAt = 0, gateway.StatusDeclined, "conflict: busy", time.Time{}, time.Time{}
			added := booking("series", gateway.RecurrenceKey(at(14, 0).AddDate(0, 0, 14)), at(14, 0).AddDate(0, 0, 14), at(15, 0).AddDate(0, 0, 14), gateway.StatusAccepted)
			return [][]*gateway.Booking{{full, bare, empty}, {&full2, &bare2, added}}
		}
		for i, v := range versions() {
			w := versions()[i]
			saveAll(t, one, v)
			if err := many.Update(ctx, func(tx gateway.Tx) error { return tx.SaveBookings(ctx, w) }); err != nil {
				t.Fatal(err)
			}
			for j := range v {
				if v[j].ID == 0 {
					t.Errorf("version %d, booking %d: no ID", i, j)
				}
				got := *w[j]
				got.UpdatedAt = v[j].UpdatedAt // now when zero
				diff(t, fmt.Sprintf("version %d, booking %d as returned", i, j), got, *v[j])
			}
			// updated_at defaults to now: align it before comparing rows.
			const align = `UPDATE bookings SET updated_at = created_at WHERE uid = 'series' AND recurrence_id = ?`
			for _, s := range []*Store{one, many} {
				if _, err := s.w.ExecContext(ctx, align, v[1].RecurrenceID); err != nil {
					t.Fatal(err)
				}
			}
			diff(t, fmt.Sprintf("rows after version %d", i), rawBookings(t, many), rawBookings(t, one))
		}
	})
}

// rawBookings reads every stored booking column as the driver returns it,
// with its Go type.
func rawBookings(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	scanRaw(t, s.w.DB, `SELECT * FROM bookings ORDER BY id`, func(cols []string, vals []any) {
		for i, c := range cols {
			out = append(out, fmt.Sprintf("%s=%T %#v", c, vals[i], vals[i]))
		}
	})
	return out
}

// scanRaw runs query on db and calls each with every row's values as the
// driver returns them.
func scanRaw(t *testing.T, db *sql.DB, query string, each func(cols []string, vals []any)) {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		each(cols, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
