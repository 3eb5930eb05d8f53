package db

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// RetryResult says what RetryOutboxReport did with each mail concerned,
// by ID, in ascending order.
type RetryResult struct {
	// Due are the failed and waiting mails now due (and failed ones
	// pending again).
	Due []int64
	// Leased are pending mails due within the lease: an instance may be
	// sending them right now, so they are left alone; they leave within
	// the lease anyway.
	Leased []int64
	// Sent are the IDs asked about that were already sent, with when.
	Sent map[int64]time.Time
	// Unknown are the IDs asked about that name no mail.
	Unknown []int64
}

// RetryOutboxReport is RetryOutbox that says, mail by mail, what it did:
// which mails are due now, which were left to the instance that may be
// sending them, which IDs were already sent or unknown.
func (s *Store) RetryOutboxReport(ctx context.Context, now time.Time, lease time.Duration, ids ...int64) (RetryResult, error) {
	res := RetryResult{Sent: map[int64]time.Time{}}
	err := s.inTx(ctx, func(tx bun.Tx) error {
		var rows []outboxRow
		q := tx.NewSelect().Model(&rows).Column("id", "status", "next_attempt", "sent_at").Order("id")
		if len(ids) > 0 {
			q = q.Where("id IN (?)", bun.List(ids))
		} else {
			q = q.Where("status IN (?)", bun.List([]string{string(gateway.OutboxPending), string(gateway.OutboxFailed)}))
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		candidates := res.classify(rows, ids, now, lease)
		if len(candidates) == 0 {
			return nil
		}
		due, err := s.makeDue(ctx, tx, candidates, now, lease)
		if err != nil {
			return err
		}
		for _, id := range candidates {
			if slices.Contains(due, id) {
				res.Due = append(res.Due, id)
			} else {
				res.Leased = append(res.Leased, id) // claimed since the SELECT
			}
		}
		slices.Sort(res.Leased)
		return nil
	})
	if err != nil {
		return RetryResult{}, fmt.Errorf("retry outbox: %w", err)
	}
	return res, nil
}

// classify sorts rows into the result and returns the IDs to make due.
func (r *RetryResult) classify(rows []outboxRow, ids []int64, now time.Time, lease time.Duration) []int64 {
	var candidates []int64
	seen := map[int64]bool{}
	for _, row := range rows {
		seen[row.ID] = true
		switch {
		case row.Status == string(gateway.OutboxSent):
			r.Sent[row.ID] = utc(row.SentAt)
		case row.Status == string(gateway.OutboxPending) && leasedAt(row.NextAttempt, now, lease):
			r.Leased = append(r.Leased, row.ID)
		default:
			candidates = append(candidates, row.ID)
		}
	}
	for _, id := range ids {
		if !seen[id] && !slices.Contains(r.Unknown, id) {
			r.Unknown = append(r.Unknown, id)
		}
	}
	slices.Sort(r.Unknown)
	return candidates
}

// leasedAt reports whether a pending mail due at next may be claimed now.
func leasedAt(next, now time.Time, lease time.Duration) bool {
	return next.After(now) && !next.After(now.Add(lease))
}

// makeDue makes the mails due now, with the same conditions as
// RetryOutbox (a claim taken since they were read is kept), and returns
// the IDs it changed.
func (s *Store) makeDue(ctx context.Context, tx bun.Tx, ids []int64, now time.Time, lease time.Duration) ([]int64, error) {
	var changed []int64
	err := tx.NewUpdate().Model((*outboxRow)(nil)).
		Set("status = ?", string(gateway.OutboxPending)).
		Set("next_attempt = ?", utc(now)).
		Where("id IN (?)", bun.List(ids)).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("status = ?", string(gateway.OutboxFailed)).
				WhereOr("status = ? AND (next_attempt <= ? OR next_attempt > ?)",
					string(gateway.OutboxPending), utc(now), utc(now.Add(lease)))
		}).
		Returning("id").
		Scan(ctx, &changed)
	return changed, err
}
