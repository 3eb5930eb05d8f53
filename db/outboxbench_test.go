package db

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// BenchmarkOutboxClaimAndMark measures what the outbox costs per mail
// sent out of a backlog: a claim of outboxBenchBatch due mails of 7 KB
// (a reply's size), then their "sent" mark in one call, as the sender
// marks the mails of a claim on a SQLite file (gateway/outboxclaim.go,
// marks). One op is one claim; ns/mail and, on SQLite,
// wal-B/mail (the growth of the -wal file, no checkpoint running) are
// per mail. It runs on SQLite, and on PostgreSQL when
// ROOMGATE_TEST_POSTGRES is set.
func BenchmarkOutboxClaimAndMark(b *testing.B) {
	for _, k := range benchBackends() {
		b.Run(k.name, func(b *testing.B) {
			opt := k.newDB(b)
			opt.checkpointTicks = make(chan time.Time) // never: the WAL keeps what the loop wrote
			s := openStore(b, opt)
			ctx := context.Background()
			seedOutbox(b, s, b.N*outboxBenchBatch)
			wal := opt.DSN + "-wal"
			if s.driver == DriverSQLite {
				if _, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
					b.Fatal(err)
				}
			}
			now := at(9, 0)
			b.ResetTimer()
			for range b.N {
				due, err := s.ClaimOutbox(ctx, now, time.Minute, outboxBenchBatch)
				if err != nil || len(due) != outboxBenchBatch || len(due[0].Raw) != outboxBenchSize {
					b.Fatalf("claimed %d mails: %v", len(due), err)
				}
				ids := make([]int64, len(due))
				for i, m := range due {
					ids[i] = m.ID
				}
				if err := s.OutboxSent(ctx, now, ids...); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			mails := float64(b.N * outboxBenchBatch)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/mails, "ns/mail")
			if fi, err := os.Stat(wal); err == nil && s.driver == DriverSQLite {
				b.ReportMetric(float64(fi.Size())/mails, "wal-B/mail")
			}
		})
	}
}

const (
	outboxBenchBatch = 16 // gateway.OutboxOptions.Batch's default
	outboxBenchSize  = 7 * 1024
)

// seedOutbox queues n pending mails of outboxBenchSize bytes, due at
// at(9, 0), in transactions of 1,000.
func seedOutbox(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	body := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\r\n"), outboxBenchSize/76+1)
	for done := 0; done < n; {
		err := s.Update(ctx, func(tx gateway.Tx) error {
			for ; done < n; done++ {
				m := mail(fmt.Sprint("u", done), at(8, 0), at(9, 0))
				m.Raw = append(fmt.Appendf(nil, "Message-ID: <%d@roomgate.test>\r\n\r\n", done), body...)[:outboxBenchSize]
				if err := tx.Enqueue(ctx, m); err != nil {
					return err
				}
				if done%1000 == 999 {
					done++
					return nil
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOutboxEnqueue measures the queueing of one reply of 7 KB in a
// transaction of its own, as a decision queues it (SQLite: the prepared
// inserts of hotwrite.go).
func BenchmarkOutboxEnqueue(b *testing.B) {
	s := openStore(b, sqliteBackend.newDB(b))
	ctx := context.Background()
	raw := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\r\n"), outboxBenchSize/76+1)
	i := 0
	for b.Loop() {
		m := mail(fmt.Sprint("u", i), at(8, 0), at(9, 0))
		m.Raw = append(fmt.Appendf(nil, "Message-ID: <%d@roomgate.test>\r\n\r\n", i), raw...)[:outboxBenchSize]
		i++
		if err := s.Update(ctx, func(tx gateway.Tx) error { return tx.Enqueue(ctx, m) }); err != nil {
			b.Fatal(err)
		}
	}
}
