package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// openSeriesRow is one row of open_series.
type openSeriesRow struct {
	bun.BaseModel `bun:"table:open_series"`

	UID       string    `bun:"uid,pk"`
	Organizer string    `bun:"organizer,pk"`
	Room      string    `bun:"room"`
	Calendar  []byte    `bun:"calendar"`
	MessageID string    `bun:"message_id"`
	Horizon   time.Time `bun:"horizon"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// SaveOpenSeries inserts or replaces the open-ended series of the meeting
// (s.Organizer, s.UID). On PostgreSQL the save is kept behind
// (writebehind.go).
func (t *tx) SaveOpenSeries(ctx context.Context, s gateway.OpenSeries) error {
	r := &openSeriesRow{UID: s.UID, Organizer: s.Organizer, Room: s.Room, Calendar: s.Calendar,
		MessageID: s.MessageID, Horizon: utc(s.Horizon), UpdatedAt: now()}
	kept, err := t.deferPrepared("open_series", pgSaveOpenSeriesSQL, r.UID, r.Organizer, r.Room, r.Calendar,
		r.MessageID, pgAt(r.Horizon), pgAt(r.UpdatedAt))
	if kept {
		if err != nil {
			return fmt.Errorf("save open series %s: %w", s.UID, err)
		}
		return nil
	}
	_, err = t.db.NewInsert().Model(r).
		On("CONFLICT (organizer, uid) DO UPDATE").
		Set("room = EXCLUDED.room").
		Set("calendar = EXCLUDED.calendar").
		Set("message_id = EXCLUDED.message_id").
		Set("horizon = EXCLUDED.horizon").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save open series %s: %w", s.UID, err)
	}
	return nil
}

// DeleteOpenSeries forgets the open-ended series of the meeting
// (organizer, uid), if any. On PostgreSQL the delete is kept behind
// (writebehind.go).
func (t *tx) DeleteOpenSeries(ctx context.Context, organizer, uid string) error {
	if kept, err := t.deferPrepared("open_series", pgDeleteOpenSeriesSQL, organizer, uid); kept {
		if err != nil {
			return fmt.Errorf("delete open series %s: %w", uid, err)
		}
		return nil
	}
	if _, err := t.db.NewDelete().Model((*openSeriesRow)(nil)).Where("organizer = ?", organizer).Where("uid = ?", uid).Exec(ctx); err != nil {
		return fmt.Errorf("delete open series %s: %w", uid, err)
	}
	return nil
}

// OpenSeriesDue returns up to limit open-ended series decided up to an
// instant before `before`, those saved the longest ago first: a series
// that cannot move (its organizer's quota is full) is looked at again only
// after every other one due.
func (t *tx) OpenSeriesDue(ctx context.Context, before time.Time, limit int) ([]gateway.OpenSeries, error) {
	var rows []openSeriesRow
	q := t.db.NewSelect().Model(&rows).Where("horizon < ?", utc(before)).Order("updated_at", "horizon", "organizer", "uid")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("open series due: %w", err)
	}
	out := make([]gateway.OpenSeries, len(rows))
	for i, r := range rows {
		out[i] = gateway.OpenSeries{UID: r.UID, Organizer: r.Organizer, Room: r.Room, Calendar: r.Calendar,
			MessageID: r.MessageID, Horizon: utc(r.Horizon)}
	}
	return out, nil
}

// OpenSeriesUIDs returns the UIDs of the organizer's open-ended series.
func (t *tx) OpenSeriesUIDs(ctx context.Context, organizer string) ([]string, error) {
	var uids []string
	err := t.db.NewSelect().Model((*openSeriesRow)(nil)).Column("uid").
		Where("organizer = ?", organizer).Order("uid").Scan(ctx, &uids)
	if err != nil {
		return nil, fmt.Errorf("open series of an organizer: %w", err)
	}
	return uids, nil
}
