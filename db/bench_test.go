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
	for _, k := range benchBackends() {
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

// BenchmarkReplyLimits measures the reply limits' statement of every
// decision (CountOutboxesLast with gateway.limitChecks's queries) for a
// new meeting of a member who already got 100, 1,000 or 10,000 replies
// (6 KB each, over the past year). Its cost should not grow with that
// history: the statement is answered from indexes alone
// (TestReplyLimitPlan). On SQLite, and PostgreSQL with ROOMGATE_TEST_POSTGRES.
//
//	go test -run '^$' -bench ReplyLimits ./db
func BenchmarkReplyLimits(b *testing.B) {
	for _, k := range benchBackends() {
		for _, n := range []int{100, 1_000, 10_000} {
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				s := openStore(b, k.newDB(b))
				seedReplies(b, s, n)
				ctx := context.Background()
				now := at(12, 0)
				to := "ann@example.org"
				qs := []gateway.OutboxQuery{
					{UID: "fresh", To: to, Since: now.Add(-time.Hour)},
					{To: to, Kind: gateway.OutboxReply, Since: now.Add(-time.Hour)},
				}
				err := s.Update(ctx, func(gtx gateway.Tx) error {
					for b.Loop() {
						ns, _, err := gtx.(*tx).CountOutboxesLast(ctx, qs, gateway.OutboxQuery{UID: "fresh", To: to})
						if err != nil {
							return err
						}
						if ns[0] != 0 {
							return fmt.Errorf("counted %d replies for a new meeting", ns[0])
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// seedReplies queues n sent replies to ann@example.org, one every few
// hours back from at(0, 0), for n/5 meetings.
func seedReplies(b *testing.B, s *Store, n int) {
	b.Helper()
	body := make([]byte, 6000)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	ms := make([]*gateway.OutboxMail, n)
	for i := range ms {
		created := at(0, 0).Add(-time.Duration(i) * 3 * time.Hour)
		m := mail(fmt.Sprintf("u-%d", i/5), created, created)
		m.Kind, m.Status, m.Raw = gateway.OutboxReply, gateway.OutboxSent, append([]byte("Subject: x\r\n\r\n"), body...)
		ms[i] = m
	}
	enqueueAll(b, s, ms)
}

// benchBackends are the back ends a benchmark runs on: SQLite, and
// PostgreSQL when ROOMGATE_TEST_POSTGRES is set.
func benchBackends() []backend {
	if os.Getenv(envPostgres) != "" {
		return []backend{sqliteBackend, postgresBackend}
	}
	return []backend{sqliteBackend}
}
