package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/gateway"
)

// BenchmarkPagesHistory serves the agenda page of the current week,
// /agenda.ics and /freebusy.ics from a SQLite database holding 1k and
// 100k bookings: one hour every two hours, all in the past but the last
// month's. The pages read only their window (plus the longest booking
// before it), so their p50 should not grow with the history. Each
// sub-benchmark reports its p50 in ms.
func BenchmarkPagesHistory(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		st := historyStore(b, n)
		srv, err := New(testOptions(st))
		if err != nil {
			b.Fatal(err)
		}
		for _, path := range []string{"/", "/agenda.ics", "/freebusy.ics"} {
			b.Run(fmt.Sprintf("%s/%d", path, n), func(b *testing.B) {
				var took []time.Duration
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, path+"?token="+memberToken, nil)
					rec := httptest.NewRecorder()
					start := time.Now()
					srv.ServeHTTP(rec, req)
					took = append(took, time.Since(start))
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: status %d", path, rec.Code)
					}
				}
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			})
		}
	}
}

// historyStore opens a SQLite store holding n bookings ending at t0 plus
// a month, one hour every two hours, as the daemon configures it.
func historyStore(b *testing.B, n int) *db.Store {
	b.Helper()
	ctx := context.Background()
	st, err := db.Open(ctx, db.Options{DSN: filepath.Join(b.TempDir(), "history.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	st.SetMaxBookingLength(8 * time.Hour)
	last := t0.Add(30 * 24 * time.Hour)
	for done := 0; done < n; {
		err := st.Update(ctx, func(tx gateway.Tx) error {
			var bs []*gateway.Booking
			for i := done; i < min(done+1000, n); i++ {
				start := last.Add(-time.Duration(i) * 2 * time.Hour)
				bs = append(bs, &gateway.Booking{UID: fmt.Sprintf("h-%d", i), Room: roomAddr,
					Organizer: "ann@coop.example", Summary: "Réunion", Start: start, End: start.Add(time.Hour),
					Status: gateway.StatusAccepted, CreatedAt: t0, UpdatedAt: t0})
			}
			return tx.SaveBookings(ctx, bs)
		})
		if err != nil {
			b.Fatal(err)
		}
		done = min(done+1000, n)
	}
	return st
}
