package db

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// Enqueue adds a mail to the outbox and sets m.ID. Defaults are filled in
// and copied to m: Status pending, CreatedAt now, NextAttempt CreatedAt (due
// at once).
func (t *tx) Enqueue(ctx context.Context, m *gateway.OutboxMail) error {
	if m.Status == "" {
		m.Status = gateway.OutboxPending
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	if m.NextAttempt.IsZero() {
		m.NextAttempt = m.CreatedAt
	}
	r := toOutboxRow(m)
	if err := t.db.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Scan(ctx); err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	m.ID = r.ID
	return nil
}

// selectOutbox selects the outbox rows q selects.
func (t *tx) selectOutbox(q gateway.OutboxQuery) *bun.SelectQuery {
	sel := t.db.NewSelect().Model((*outboxRow)(nil))
	if !q.Since.IsZero() {
		sel = sel.Where("created_at >= ?", utc(q.Since))
	}
	if q.UID != "" {
		sel = sel.Where("uid = ?", q.UID)
	}
	if q.To != "" {
		sel = sel.Where("rcpt_to = ?", q.To)
	}
	if q.Kind != "" {
		sel = sel.Where("kind = ?", q.Kind)
	}
	return sel
}

// CountOutbox counts the outbox rows that q selects.
func (t *tx) CountOutbox(ctx context.Context, q gateway.OutboxQuery) (int, error) {
	n, err := t.selectOutbox(q).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return int(n), nil
}

// LastOutbox returns the latest CreatedAt of the outbox rows q selects,
// zero when there is none.
func (t *tx) LastOutbox(ctx context.Context, q gateway.OutboxQuery) (time.Time, error) {
	var rows []outboxRow
	if err := t.selectOutbox(q).Column("created_at").Order("created_at DESC").Limit(1).Scan(ctx, &rows); err != nil {
		return time.Time{}, fmt.Errorf("last outbox row: %w", err)
	}
	if len(rows) == 0 {
		return time.Time{}, nil
	}
	return rows[0].CreatedAt.UTC(), nil
}

// ClaimOutbox returns up to limit pending mails due at now, oldest first,
// and leases them: their next attempt moves to now+lease, so another
// instance sharing the database does not send them meanwhile. A mail whose
// sender crashed is due again when its lease ends. The claim is one
// statement: on PostgreSQL rows locked by a concurrent claim are skipped
// (FOR UPDATE SKIP LOCKED); on SQLite the single writer serializes claims.
// The mails are returned leased: NextAttempt is the lease's end.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]gateway.OutboxMail, error) {
	due := s.w.NewSelect().Model((*outboxRow)(nil)).Column("id").
		Where("status = ?", string(gateway.OutboxPending)).
		Where("next_attempt <= ?", utc(now)).
		Order("id")
	if limit > 0 {
		due = due.Limit(int64(limit))
	}
	if s.driver == DriverPostgres {
		due = due.For("UPDATE SKIP LOCKED")
	}
	var rows []outboxRow
	err := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("next_attempt = ?", utc(now.Add(lease))).
		Where("id IN (?)", due).
		Returning("*").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	return mails(rows), nil
}

// OutboxPostpone makes every pending row of the channel due at or before
// dueBy due at until instead (until >= dueBy: rows only move later). After
// the server failed for one mail, the others wait with it and leave in
// order once it answers again. A row leased by another instance's claim
// may move later too, which cannot make it leave twice.
func (s *Store) OutboxPostpone(ctx context.Context, channel string, dueBy, until time.Time) error {
	_, err := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("next_attempt = ?", utc(until)).
		Where("status = ?", string(gateway.OutboxPending)).
		Where("channel = ?", channel).
		Where("next_attempt <= ?", utc(dueBy)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("postpone outbox mails: %w", err)
	}
	return nil
}

// OutboxSent marks a mail sent at the given time and counts the attempt.
// It fails with ErrNotFound if there is no such mail.
func (s *Store) OutboxSent(ctx context.Context, id int64, at time.Time) error {
	res, err := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("status = ?", string(gateway.OutboxSent)).
		Set("sent_at = ?", utc(at)).
		Set("attempts = attempts + 1").
		Where("id = ?", id).
		Exec(ctx)
	return checkUpdated(res, err, "mark outbox mail sent", id)
}

// OutboxRetry records a failed attempt: Attempts+1, NextAttempt=next,
// LastError=errText. If permanent, Status becomes failed. It fails with
// ErrNotFound if there is no such mail.
func (s *Store) OutboxRetry(ctx context.Context, id int64, next time.Time, errText string, permanent bool) error {
	q := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("attempts = attempts + 1").
		Set("next_attempt = ?", utc(next)).
		Set("last_error = ?", errText).
		Where("id = ?", id)
	if permanent {
		q = q.Set("status = ?", string(gateway.OutboxFailed))
	}
	res, err := q.Exec(ctx)
	return checkUpdated(res, err, "record outbox failure", id)
}

func checkUpdated(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %d: %w", what, id, ErrNotFound)
	}
	return nil
}

// ListOutbox returns up to limit mails with the given status (any status
// if empty), newest first. A limit of 0 or less means no limit.
func (s *Store) ListOutbox(ctx context.Context, status gateway.OutboxStatus, limit int) ([]gateway.OutboxMail, error) {
	var rows []outboxRow
	q := s.r.NewSelect().Model(&rows).Order("id DESC")
	if status != "" {
		q = q.Where("status = ?", string(status))
	}
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return mails(rows), nil
}

// PendingOutbox returns how many mails wait to be sent and when the oldest
// of them was queued (zero when none), without reading the mails.
func (s *Store) PendingOutbox(ctx context.Context) (int, time.Time, error) {
	var res struct {
		N      int        `bun:"n"`
		Oldest *time.Time `bun:"oldest"`
	}
	err := s.r.NewSelect().Model((*outboxRow)(nil)).
		ColumnExpr("COUNT(*) AS n").ColumnExpr("MIN(created_at) AS oldest").
		Where("status = ?", string(gateway.OutboxPending)).
		Scan(ctx, &res)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("pending outbox: %w", err)
	}
	if res.Oldest == nil {
		return res.N, time.Time{}, nil
	}
	return res.N, utc(*res.Oldest), nil
}
