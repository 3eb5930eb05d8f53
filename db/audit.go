package db

import (
	"context"
	"fmt"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// Audit appends an entry to the decision log. A zero e.At is logged as now.
func (t *tx) Audit(ctx context.Context, e gateway.AuditEntry) error {
	if e.At.IsZero() {
		e.At = now()
	}
	if t.s.hot != nil {
		if err := t.auditHot(ctx, toAuditRow(e)); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return nil
	}
	r := toAuditRow(e)
	if kept, err := t.deferPrepared("audit_log", pgAuditSQL, auditValues(r, pgAt)...); kept {
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return nil
	}
	q := t.db.NewInsert().Model(r).ExcludeColumn("id")
	if kept, err := t.deferWrite(q); kept {
		return err
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// ListAudit returns up to limit entries logged at or after since, oldest
// first. A limit of 0 or less means no limit.
func (s *Store) ListAudit(ctx context.Context, since time.Time, limit int) ([]gateway.AuditEntry, error) {
	var rows []auditRow
	q := s.r.NewSelect().Model(&rows).
		Where("logged_at >= ?", utc(since)).
		Order("logged_at", "id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	out := make([]gateway.AuditEntry, len(rows))
	for i := range rows {
		out[i] = rows[i].entry()
	}
	return out, nil
}
