package db

import (
	"context"
	"fmt"
	"time"

	"roomgate/gateway"
)

// BookingsByUID returns every booking of that UID (all occurrences, any
// status), ordered by RecurrenceID.
func (t *tx) BookingsByUID(ctx context.Context, uid string) ([]gateway.Booking, error) {
	var rows []bookingRow
	err := t.db.NewSelect().Model(&rows).
		Where("uid = ?", uid).
		Order("recurrence_id").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("bookings by uid: %w", err)
	}
	return bookings(rows), nil
}

// Overlapping returns the accepted bookings with Start < to and End > from,
// ordered by Start. Only bookings starting after from minus the maximum
// booking length (SetMaxBookingLength) are considered, so the query is a
// range scan of the (status, start_at) index.
func (t *tx) Overlapping(ctx context.Context, from, to time.Time) ([]gateway.Booking, error) {
	lower := from.Add(-time.Duration(t.s.maxLen.Load()))
	var rows []bookingRow
	err := t.db.NewSelect().Model(&rows).
		Where("status = ?", string(gateway.StatusAccepted)).
		Where("start_at > ?", utc(lower)).
		Where("start_at < ?", utc(to)).
		Where("end_at > ?", utc(from)).
		Order("start_at", "id").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("overlapping bookings: %w", err)
	}
	return bookings(rows), nil
}

// bookingUpdates are the columns an existing booking takes from a save;
// id, the key and created_at stay.
var bookingUpdates = []string{
	"room", "organizer", "organizer_name", "summary", "start_at", "end_at",
	"sequence", "dtstamp", "status", "reason", "message_id", "lang", "updated_at",
}

// SaveBooking inserts or updates the booking keyed by (UID, RecurrenceID)
// and sets b.ID. b.ID is not used to find the row. A zero UpdatedAt is set
// to now, a zero CreatedAt to UpdatedAt; on update the stored CreatedAt is
// kept and copied to b.
func (t *tx) SaveBooking(ctx context.Context, b *gateway.Booking) error {
	if b.UpdatedAt.IsZero() {
		b.UpdatedAt = now()
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = b.UpdatedAt
	}
	r := toBookingRow(b)
	q := t.db.NewInsert().Model(r).ExcludeColumn("id").
		On("CONFLICT (uid, recurrence_id) DO UPDATE")
	for _, c := range bookingUpdates {
		q = q.Set(c + " = EXCLUDED." + c)
	}
	if err := q.Returning("id, created_at").Scan(ctx); err != nil {
		return fmt.Errorf("save booking %s: %w", b.UID, err)
	}
	b.ID, b.CreatedAt = r.ID, utc(r.CreatedAt)
	return nil
}

// ListBookings returns the bookings of any status that overlap [from, to)
// (Start < to and End > from), ordered by Start.
func (s *Store) ListBookings(ctx context.Context, from, to time.Time) ([]gateway.Booking, error) {
	var rows []bookingRow
	err := s.r.NewSelect().Model(&rows).
		Where("start_at < ?", utc(to)).
		Where("end_at > ?", utc(from)).
		Order("start_at", "id").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return bookings(rows), nil
}
