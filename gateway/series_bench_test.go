package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/internal/benchcpu"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/db/dbtest"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/templates"
)

// errRollback makes rollbackStore undo every transaction, so a benchmark
// decides the same invitation again and again against the same bookings.
var errRollback = errors.New("rollback")

type rollbackStore struct{ *db.Store }

func (s rollbackStore) Update(ctx context.Context, fn func(gateway.Tx) error) error {
	err := s.Store.Update(ctx, func(tx gateway.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		// On PostgreSQL the transaction keeps writes to send with its
		// COMMIT (db/writebehind.go), and a rollback would never send
		// them. A look at the processed messages sends them first, so
		// that they are timed: one round trip more than a commit costs.
		if _, err := tx.Message(ctx, "rollback"); err != nil {
			return err
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

// benchNow is the benchmarks' fixed clock: a Monday.
var benchNow = time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)

// seedBookings stores n accepted one-hour bookings: a working week of
// meetings over the coming year (none on Wednesday evenings, but two that
// the benchmark's series will meet), the rest in the past, as a long-lived
// instance accumulates them.
func seedBookings(b *testing.B, store *db.Store, driver string, n int) {
	b.Helper()
	paris, _ := time.LoadLocation("Europe/Paris")
	ctx := context.Background()
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, paris)
	var all []gateway.Booking
	for d := 0; len(all) < n; d++ {
		date := day.AddDate(0, 0, d%365)
		if d >= 365 {
			date = day.AddDate(0, 0, -(d - 364))
		}
		if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for h := 8; h < 17 && len(all) < n; h++ {
			s := time.Date(date.Year(), date.Month(), date.Day(), h, 0, 0, 0, paris)
			all = append(all, gateway.Booking{UID: fmt.Sprintf("seed-%d-%d", d, h), Room: "zoom@coop.example",
				Organizer: "seed@coop.example", Summary: "seed", Start: s.UTC(), End: s.Add(time.Hour).UTC(),
				Status: gateway.StatusAccepted, CreatedAt: benchNow, UpdatedAt: benchNow})
		}
	}
	for _, wk := range []int{3, 20} { // two Wednesdays the series will find busy
		s := time.Date(2026, 12, 2, 18, 30, 0, 0, paris).AddDate(0, 0, 7*wk)
		all = append(all, gateway.Booking{UID: fmt.Sprintf("busy-%d", wk), Room: "zoom@coop.example", Organizer: "seed@coop.example",
			Start: s.UTC(), End: s.Add(time.Hour).UTC(), Status: gateway.StatusAccepted, CreatedAt: benchNow, UpdatedAt: benchNow})
	}
	for i := 0; i < len(all); i += 5000 {
		chunk := make([]*gateway.Booking, 0, 5000)
		for j := i; j < min(i+5000, len(all)); j++ {
			chunk = append(chunk, &all[j])
		}
		err := store.Update(ctx, func(tx gateway.Tx) error {
			if driver == db.DriverPostgres {
				return tx.SaveBookings(ctx, chunk) // 100k round trips would take minutes
			}
			// On SQLite row by row through SaveBooking, whose code does not
			// change from build to build: which path filled the database
			// shapes SQLite's memory (modernc's allocator) and so the timings.
			for _, b := range chunk {
				if err := tx.SaveBooking(ctx, b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// The seeding's garbage (100k bookings' worth) is collected before
	// anything is timed: a daemon has none of it, and its collection
	// would be charged to the first runs.
	runtime.GC()
}

// weeklySeries is an invitation for a weekly meeting on Wednesdays at
// 18:00 Paris for one year (52 dates).
func weeklySeries() []byte {
	return []byte("From: alice@coop.example\r\nTo: zoom@coop.example\r\nSubject: Formation\r\nMessage-ID: <bench@coop.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n\r\n" +
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:bench-weekly\r\n" +
		"DTSTAMP:20261130T070000Z\r\nDTSTART;TZID=Europe/Paris:20261202T180000\r\nDTEND;TZID=Europe/Paris:20261202T193000\r\n" +
		"RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=52\r\nSUMMARY:Formation hebdomadaire\r\nORGANIZER;CN=Alice:mailto:alice@coop.example\r\n" +
		"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:zoom@coop.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
}

// benchSeriesGateway opens a database holding n bookings (see
// seedBookings) and a gateway on it whose transactions are all rolled back.
// The database is SQLite, or a schema of its own on PostgreSQL with
// ROOMGATE_TEST_BACKEND=postgres and ROOMGATE_TEST_POSTGRES (see dbtest).
func benchSeriesGateway(b *testing.B, n int) (*gateway.Gateway, *db.Store) {
	b.Helper()
	ctx := context.Background()
	driver, dsn := dbtest.New(b)
	store, err := db.Open(ctx, db.Options{Driver: driver, DSN: dsn, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	store.SetMaxBookingLength(8 * time.Hour) // as the daemon does, from policy.max_duration
	seedBookings(b, store, driver, n)
	return benchGateway(b, rollbackStore{store}), store
}

// benchGateway is the benchmarks' gateway on store.
func benchGateway(b *testing.B, store gateway.Store) *gateway.Gateway {
	b.Helper()
	tmpl, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	gw, err := gateway.New(gateway.Options{Store: store, Renderer: tmpl, Location: paris,
		Rooms:   []gateway.Room{{Name: "Salle", Address: "zoom@coop.example", JoinURL: "https://zoom.us/j/1"}},
		HostKey: "483920", Now: func() time.Time { return benchNow }, Logger: slog.New(slog.DiscardHandler),
		// The defaults of roomgate.example.toml, with a one-year window.
		Policy: gateway.Policy{Organizers: []string{"@coop.example"}, BookingWindow: 365 * 24 * time.Hour,
			MaxDuration: 8 * time.Hour, Buffer: 10 * time.Minute, Suggestions: 3, DayStart: 8 * time.Hour, DayEnd: 20 * time.Hour,
			AllowSeries: true, SeriesMaxBusy: 8, SeriesMaxBusyPercent: 50}})
	if err != nil {
		b.Fatal(err)
	}
	return gw
}

// BenchmarkDecideWeeklySeries times the decision about a weekly one-year
// series (52 dates, two of them busy) against n stored bookings, on SQLite
// (on PostgreSQL with ROOMGATE_TEST_BACKEND=postgres, see benchSeriesGateway):
// parsing the message, expanding the series, reading the bookings of its
// UID and those around its dates, deciding each date and finding a free
// slot for each busy one, in a transaction of its own. Storing the
// bookings and composing the reply are BenchmarkHandleWeeklySeries.
//
//	go test -run '^$' -bench WeeklySeries -benchtime 200x ./gateway
func BenchmarkDecideWeeklySeries(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			ctx := context.Background()
			gw, store := benchSeriesGateway(b, n)
			raw := weeklySeries()
			in := gateway.Incoming{Raw: raw, Size: int64(len(raw))}
			decide := func() {
				err := rollbackStore{store}.Update(ctx, func(tx gateway.Tx) error {
					acc, dec, err := gw.DecideSeries(ctx, tx, in)
					if err == nil && (acc != 50 || dec != 2) {
						err = fmt.Errorf("%d accepted and %d declined, want 50 and 2", acc, dec)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			decide()
			b.ResetTimer()
			cpu := benchcpu.Used(b)
			for i := 0; i < b.N; i++ {
				decide()
			}
			benchcpu.Report(b, cpu, time.Millisecond, "cpu-ms/op")
		})
	}
}

// BenchmarkHandleWeeklySeries handles the same invitation as
// BenchmarkDecideWeeklySeries from end to end: the decision, then storing
// 52 bookings, composing the reply and the member's mail, queueing them
// and writing the audit entry (all rolled back after each run).
//
//	go test -run '^$' -bench WeeklySeries -benchtime 200x ./gateway
func BenchmarkHandleWeeklySeries(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			ctx := context.Background()
			gw, _ := benchSeriesGateway(b, n)
			raw := weeklySeries()
			out, err := gw.Handle(ctx, gateway.Incoming{Raw: raw, Size: int64(len(raw))})
			if err != nil || out.Action != gateway.ActionAccepted || out.Reason != "50 date(s) accepted, 2 declined" {
				b.Fatalf("decision = %+v, %v; want 50 accepted and 2 declined", out, err)
			}
			b.ResetTimer()
			cpu := benchcpu.Used(b)
			for i := 0; i < b.N; i++ {
				if _, err := gw.Handle(ctx, gateway.Incoming{Raw: raw, Size: int64(len(raw))}); err != nil {
					b.Fatal(err)
				}
			}
			benchcpu.Report(b, cpu, time.Millisecond, "cpu-ms/op")
		})
	}
}
