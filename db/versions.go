package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// versionRow is one row of meeting_versions.
type versionRow struct {
	bun.BaseModel `bun:"table:meeting_versions"`

	Organizer    string    `bun:"organizer,pk"`
	UID          string    `bun:"uid,pk"`
	RecurrenceID string    `bun:"recurrence_id,pk"`
	Sequence     int       `bun:"sequence"`
	DTStamp      time.Time `bun:"dtstamp,nullzero"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

// Versions returns the versions last decided for the components of the
// meeting (organizer, uid), ordered by RecurrenceID.
func (t *tx) Versions(ctx context.Context, organizer, uid string) ([]gateway.Version, error) {
	if _, err := t.flush(ctx, nil); err != nil {
		return nil, err
	}
	if t.s.hot != nil {
		out, err := t.versionsHot(ctx, organizer, uid)
		if err != nil {
			return nil, fmt.Errorf("meeting versions: %w", err)
		}
		return out, nil
	}
	if vs, ok := t.ahead.versionsOf(organizer, uid); ok {
		return vs, nil
	}
	var rows []versionRow
	if err := t.versionsQuery(&rows, nil, organizer, uid).Scan(ctx); err != nil {
		return nil, fmt.Errorf("meeting versions: %w", err)
	}
	return versions(rows), nil
}

// versionsQuery is Versions' query on PostgreSQL, scanned into model,
// with its arguments written in, or as placeholders added to p.
func (t *tx) versionsQuery(model any, p *pgArgs, organizer, uid string) *bun.SelectQuery {
	return t.db.NewSelect().Model(model).Where("organizer = ?", p.v(organizer)).Where("uid = ?", p.v(uid)).
		Order("recurrence_id")
}

func versions(rows []versionRow) []gateway.Version {
	out := make([]gateway.Version, len(rows))
	for i, r := range rows {
		out[i] = gateway.Version{RecurrenceID: r.RecurrenceID, Sequence: r.Sequence, DTStamp: utc(r.DTStamp)}
	}
	return out
}

// SaveVersions inserts or replaces the versions of components of the
// meeting (organizer, uid).
func (t *tx) SaveVersions(ctx context.Context, organizer, uid string, vs []gateway.Version) error {
	if len(vs) == 0 {
		return nil
	}
	rows := make([]versionRow, len(vs))
	for i, v := range vs {
		rows[i] = versionRow{Organizer: organizer, UID: uid, RecurrenceID: v.RecurrenceID, Sequence: v.Sequence,
			DTStamp: utc(v.DTStamp), UpdatedAt: now()}
	}
	if t.s.hot != nil {
		if err := t.saveVersionsHot(ctx, rows); err != nil {
			return fmt.Errorf("save meeting versions: %w", err)
		}
		return nil
	}
	if t.conn != nil {
		for i := range rows {
			if _, err := t.deferPrepared("meeting_versions", pgSaveVersionSQL, versionValues(&rows[i], pgAt)...); err != nil {
				return fmt.Errorf("save meeting versions: %w", err)
			}
		}
		return nil
	}
	q := t.db.NewInsert().Model(&rows).On("CONFLICT (organizer, uid, recurrence_id) DO UPDATE").
		Set("sequence = EXCLUDED.sequence").Set("dtstamp = EXCLUDED.dtstamp").Set("updated_at = EXCLUDED.updated_at")
	if kept, err := t.deferWrite(q); kept {
		return err
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("save meeting versions: %w", err)
	}
	return nil
}
