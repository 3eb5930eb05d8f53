package db

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/meetings"
)

// The queue of Zoom API mode's jobs (layer.Store of package meetings/layer, meetings.Tx):
// one row per booking and kind, queued in a decision's transaction,
// claimed with a lease by the instance that runs it.

type zoomJobRow struct {
	bun.BaseModel `bun:"table:zoom_jobs"`

	ID           int64     `bun:"id,pk,autoincrement"`
	BookingID    int64     `bun:"booking_id"`
	Kind         string    `bun:"kind"`
	Status       string    `bun:"status"`
	Version      int       `bun:"version"`
	Attempts     int       `bun:"attempts"`
	NextAttempt  time.Time `bun:"next_attempt"`
	ClaimedUntil time.Time `bun:"claimed_until,nullzero"`
	LastError    string    `bun:"last_error"`
	Claim        int64     `bun:"claim"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

func (r *zoomJobRow) job() meetings.Job {
	return meetings.Job{ID: r.ID, BookingID: r.BookingID, Kind: r.Kind, Status: r.Status, Version: r.Version,
		Attempts: r.Attempts, NextAttempt: utc(r.NextAttempt), LastError: r.LastError,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)}
}

var _ meetings.Tx = (*tx)(nil)

// Meetings returns the transaction itself: it keeps the meeting layer's
// rows beside the bookings.
func (t *tx) Meetings() meetings.Tx { return t }

// AfterCommit runs fn once the transaction committed.
func (t *tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

// queueJobSQL inserts a job or makes the existing one pending again with
// a new version. A run in progress keeps its lease (claimed_until): the
// job runs again after it, never beside it.
const queueJobSQL = `INSERT INTO zoom_jobs (booking_id, kind, status, version, attempts, next_attempt, last_error, created_at, updated_at)
VALUES (?, ?, 'pending', 1, 0, ?, '', ?, ?)
ON CONFLICT (booking_id, kind) DO UPDATE SET status = 'pending', version = zoom_jobs.version + 1, attempts = 0,
last_error = '', next_attempt = excluded.next_attempt, updated_at = excluded.updated_at`

// QueueJob queues the job (bookingID, kind), due at `at`.
func (t *tx) QueueJob(ctx context.Context, bookingID int64, kind string, at time.Time) error {
	n := now()
	if _, err := t.db.ExecContext(ctx, queueJobSQL, bookingID, kind, utc(at), n, n); err != nil {
		return fmt.Errorf("queue zoom job %s %d: %w", kind, bookingID, err)
	}
	return nil
}

// FinishJob marks the job done if it is still at version; the lease
// ends either way. It reports whether the job was marked done.
func (t *tx) FinishJob(ctx context.Context, id int64, version int, at time.Time) (bool, error) {
	res, err := t.db.NewUpdate().Model((*zoomJobRow)(nil)).
		Set("status = ?", meetings.JobDone).Set("claimed_until = NULL").Set("last_error = ''").
		Set("updated_at = ?", utc(at)).
		Where("id = ?", id).Where("version = ?", version).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("finish zoom job %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	_, err = t.db.NewUpdate().Model((*zoomJobRow)(nil)).Set("claimed_until = NULL").Where("id = ?", id).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("finish zoom job %d: %w", id, err)
	}
	return false, nil
}

// ClaimJobs returns up to limit pending jobs of the kinds given, due
// at now and not leased, oldest due first, and leases them until
// now+lease. On PostgreSQL rows a concurrent claim locked are skipped.
func (s *Store) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int, kinds ...string) ([]meetings.Job, error) {
	due := s.w.NewSelect().Model((*zoomJobRow)(nil)).Column("id").
		Where("status = ?", meetings.JobPending).
		Where("next_attempt <= ?", utc(now)).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("claimed_until IS NULL").WhereOr("claimed_until <= ?", utc(now))
		}).
		Where("kind IN (?)", bun.List(kinds)).
		Order("next_attempt", "id").Limit(int64(max(limit, 1)))
	if s.driver == DriverPostgres {
		due = due.For("UPDATE SKIP LOCKED")
	}
	var rows []zoomJobRow
	err := s.w.NewUpdate().Model((*zoomJobRow)(nil)).
		Set("claimed_until = ?", utc(now.Add(lease))).
		Set("claim = ?", randomClaim()).
		Where("id IN (?)", due).
		Returning("*").
		Scan(ctx, &rows)
	if err != nil {
		return nil, markUnavailable(fmt.Errorf("claim zoom jobs: %w", err))
	}
	out := make([]meetings.Job, len(rows))
	for i := range rows {
		out[i] = rows[i].job()
		out[i].Claim = rows[i].Claim
	}
	return out, nil
}

// RenewJob moves the lease of the job to until while the claim holds
// it (claimed_until set, the claim's token): see meetings.JobQueue.
func (s *Store) RenewJob(ctx context.Context, id, claim int64, until time.Time) (bool, error) {
	res, err := s.w.NewUpdate().Model((*zoomJobRow)(nil)).
		Set("claimed_until = ?", utc(until)).
		Where("id = ?", id).Where("claim = ?", claim).Where("claimed_until IS NOT NULL").
		Exec(ctx)
	if err != nil {
		return false, markUnavailable(fmt.Errorf("renew zoom job %d: %w", id, err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("renew zoom job %d: %w", id, err)
	}
	return n == 1, nil
}

// RetryJob records a failed attempt of the job at version; a job
// queued again since only loses its lease.
func (s *Store) RetryJob(ctx context.Context, id int64, version int, next time.Time, errText string, permanent bool) error {
	q := s.w.NewUpdate().Model((*zoomJobRow)(nil)).
		Set("attempts = attempts + 1").Set("next_attempt = ?", utc(next)).Set("last_error = ?", clipText(errText)).
		Set("claimed_until = NULL").Set("updated_at = ?", now()).
		Where("id = ?", id).Where("version = ?", version)
	if permanent {
		q = q.Set("status = ?", meetings.JobFailed)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return fmt.Errorf("retry zoom job %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.w.NewUpdate().Model((*zoomJobRow)(nil)).Set("claimed_until = NULL").Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("retry zoom job %d: %w", id, err)
	}
	return nil
}

// ListZoomJobs returns up to limit jobs that are not done (pending or
// failed), the most recently changed first.
func (s *Store) ListZoomJobs(ctx context.Context, limit int) ([]meetings.Job, error) {
	var rows []zoomJobRow
	q := s.r.NewSelect().Model(&rows).Where("status <> ?", meetings.JobDone).Order("updated_at DESC", "id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list zoom jobs: %w", err)
	}
	out := make([]meetings.Job, len(rows))
	for i := range rows {
		out[i] = rows[i].job()
	}
	return out, nil
}

// CountZoomJobs counts the jobs by status.
func (s *Store) CountZoomJobs(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	err := s.r.NewSelect().Model((*zoomJobRow)(nil)).Column("status").ColumnExpr("COUNT(*) AS n").
		Group("status").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count zoom jobs: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// clipText bounds an error text kept in a row.
func clipText(s string) string {
	const most = 500
	if len(s) > most {
		return s[:most]
	}
	return s
}

// randomClaim returns a job claim token: random, never 0 (no claim).
func randomClaim() int64 {
	for {
		if c := rand.Int64(); c != 0 {
			return c
		}
	}
}
