package db

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// BenchmarkOverlapping measures one Overlapping query inside an open
// transaction, with 1k, 10k and 100k stored bookings (one hour every two
// hours, a third of them declined). It runs on SQLite, and on PostgreSQL
// when ROOMGATE_TEST_POSTGRES is set.
func BenchmarkOverlapping(b *testing.B) {
	kinds := []backend{sqliteBackend}
	if os.Getenv(envPostgres) != "" {
		kinds = append(kinds, postgresBackend)
	}
	for _, k := range kinds {
		for _, n := range []int{1_000, 10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				s := openStore(b, k.newDB(b))
				seedBookings(b, s, n)
				benchOverlapping(b, s, n)
			})
		}
	}
}

func benchOverlapping(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	first := at(0, 0)
	err := s.Update(ctx, func(tx gateway.Tx) error {
		i := 0
		for b.Loop() {
			// Walk windows across the whole range, half an hour each.
			from := first.Add(time.Duration(i*7919%n) * 2 * time.Hour).Add(30 * time.Minute)
			if _, err := tx.Overlapping(ctx, from, from.Add(30*time.Minute)); err != nil {
				return err
			}
			i++
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// seedBookings inserts n one-hour bookings, one every two hours.
func seedBookings(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	first := at(0, 0)
	const batch = 1000
	err := s.inTx(ctx, func(tx bun.Tx) error {
		rows := make([]bookingRow, 0, batch)
		for i := range n {
			start := first.Add(time.Duration(i) * 2 * time.Hour)
			st := gateway.StatusAccepted
			if i%3 == 2 {
				st = gateway.StatusDeclined
			}
			rows = append(rows, *toBookingRow(&gateway.Booking{
				UID: fmt.Sprintf("seed-%d", i), Room: "room@example.org", Organizer: "ann@example.org",
				Start: start, End: start.Add(time.Hour), Status: st, CreatedAt: first, UpdatedAt: first,
			}))
			if len(rows) == batch || i == n-1 {
				if _, err := tx.NewInsert().Model(&rows).ExcludeColumn("id").Exec(ctx); err != nil {
					return err
				}
				rows = rows[:0]
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if s.driver == DriverPostgres {
		if _, err := s.w.ExecContext(ctx, "ANALYZE bookings"); err != nil {
			b.Fatal(err)
		}
	}
}
