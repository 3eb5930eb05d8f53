package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// BookingByID returns the booking with that ID, or (nil, nil) when there is
// none.
func (t *tx) BookingByID(ctx context.Context, id int64) (*gateway.Booking, error) {
	var r bookingRow
	err := t.db.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("booking %d: %w", id, err)
	}
	b := r.booking()
	return &b, nil
}

// RetryOutbox makes failed and pending mails due at now: failed ones become
// pending again, keeping their attempts and last error. With no ids, every
// failed or pending mail is concerned; otherwise only those. Sent mails are
// never touched. A pending mail due within lease of now is left alone: it
// may be claimed by an instance sending it right now (ClaimOutbox), and
// making it due again would send it twice. It returns how many mails were
// changed.
func (s *Store) RetryOutbox(ctx context.Context, now time.Time, lease time.Duration, ids ...int64) (int, error) {
	q := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("status = ?", string(gateway.OutboxPending)).
		Set("next_attempt = ?", utc(now)).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("status = ?", string(gateway.OutboxFailed)).
				WhereOr("status = ? AND (next_attempt <= ? OR next_attempt > ?)",
					string(gateway.OutboxPending), utc(now), utc(now.Add(lease)))
		})
	if len(ids) > 0 {
		q = q.Where("id IN (?)", bun.List(ids))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("retry outbox: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("retry outbox: %w", err)
	}
	return int(n), nil
}
