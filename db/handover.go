package db

import (
	"context"
	"fmt"

	"codeberg.org/opteos/roomgate/gateway"
)

// HandOver gives the meeting (h.From, h.UID) to h.To: its bookings keep
// their IDs (reminders, approvals, Zoom meetings and jobs refer to them),
// their slots and statuses, and take the new organizer; so does its
// open-ended series. The rows h.To already had for that UID (a request
// declined as a clash with this very meeting) are dropped first: the
// unique key (organizer, uid, recurrence_id) holds one row per date. The
// versions of the old organizer stay, so that a late copy of its mail is
// still seen as stale.
func (t *tx) HandOver(ctx context.Context, h gateway.Handover) error {
	if _, err := t.db.NewDelete().Model((*bookingRow)(nil)).Where("organizer = ?", h.To).Where("uid = ?", h.UID).Exec(ctx); err != nil {
		return fmt.Errorf("hand over %s: drop the new organizer's rows: %w", h.UID, err)
	}
	if _, err := t.db.NewUpdate().Model((*bookingRow)(nil)).Set("organizer = ?", h.To).Set("organizer_name = ?", h.ToName).
		Set("updated_at = ?", utc(h.At)).Where("organizer = ?", h.From).Where("uid = ?", h.UID).Exec(ctx); err != nil {
		return fmt.Errorf("hand over %s: %w", h.UID, err)
	}
	if _, err := t.db.NewDelete().Model((*openSeriesRow)(nil)).Where("organizer = ?", h.To).Where("uid = ?", h.UID).Exec(ctx); err != nil {
		return fmt.Errorf("hand over %s: drop the new organizer's series: %w", h.UID, err)
	}
	if _, err := t.db.NewUpdate().Model((*openSeriesRow)(nil)).Set("organizer = ?", h.To).
		Where("organizer = ?", h.From).Where("uid = ?", h.UID).Exec(ctx); err != nil {
		return fmt.Errorf("hand over the open series %s: %w", h.UID, err)
	}
	return nil
}
