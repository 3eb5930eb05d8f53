package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// The meetings of Zoom API mode, the accept mails held for them, the
// copies of their recordings and the alerts sent once.

type zoomMeetingRow struct {
	bun.BaseModel `bun:"table:zoom_meetings"`

	BookingID       int64     `bun:"booking_id,pk"`
	Marker          string    `bun:"marker"`
	State           string    `bun:"state"`
	MeetingID       int64     `bun:"meeting_id"`
	JoinURL         string    `bun:"join_url"`
	Passcode        string    `bun:"passcode"`
	Topic           string    `bun:"topic"`
	StartAt         time.Time `bun:"start_at,nullzero"`
	EndAt           time.Time `bun:"end_at,nullzero"`
	StartedAt       time.Time `bun:"started_at,nullzero"`
	RecordingsToken string    `bun:"recordings_token"`
	RecordingsUntil time.Time `bun:"recordings_until,nullzero"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
}

func (r *zoomMeetingRow) meeting() *meetings.Meeting {
	return &meetings.Meeting{BookingID: r.BookingID, Marker: r.Marker, State: r.State, MeetingID: r.MeetingID,
		JoinURL: r.JoinURL, Passcode: r.Passcode, Topic: r.Topic, Start: utc(r.StartAt), End: utc(r.EndAt),
		StartedAt: utc(r.StartedAt), RecordingsToken: r.RecordingsToken, RecordingsUntil: utc(r.RecordingsUntil),
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)}
}

func toZoomMeetingRow(m *meetings.Meeting) *zoomMeetingRow {
	return &zoomMeetingRow{BookingID: m.BookingID, Marker: m.Marker, State: m.State, MeetingID: m.MeetingID,
		JoinURL: m.JoinURL, Passcode: m.Passcode, Topic: m.Topic, StartAt: utc(m.Start), EndAt: utc(m.End),
		StartedAt: utc(m.StartedAt), RecordingsToken: m.RecordingsToken, RecordingsUntil: utc(m.RecordingsUntil),
		CreatedAt: utc(m.CreatedAt), UpdatedAt: utc(m.UpdatedAt)}
}

// zoomMeetingColumns are replaced by SaveZoomMeeting; booking_id and
// created_at stay.
var zoomMeetingColumns = []string{"marker", "state", "meeting_id", "join_url", "passcode", "topic", "start_at",
	"end_at", "started_at", "recordings_token", "recordings_until", "updated_at"}

// ZoomMeeting returns a booking's meeting, or nil.
func (t *tx) Meeting(ctx context.Context, bookingID int64) (*meetings.Meeting, error) {
	return zoomMeeting(ctx, t.db, bookingID)
}

func zoomMeeting(ctx context.Context, db bun.IDB, bookingID int64) (*meetings.Meeting, error) {
	var r zoomMeetingRow
	err := db.NewSelect().Model(&r).Where("booking_id = ?", bookingID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zoom meeting of booking %d: %w", bookingID, err)
	}
	return r.meeting(), nil
}

// SaveZoomMeeting inserts or replaces a booking's meeting; zero times
// are set to now.
func (t *tx) SaveMeeting(ctx context.Context, m *meetings.Meeting) error {
	n := now()
	if m.CreatedAt.IsZero() {
		m.CreatedAt = n
	}
	m.UpdatedAt = n
	q := t.db.NewInsert().Model(toZoomMeetingRow(m)).On("CONFLICT (booking_id) DO UPDATE")
	for _, c := range zoomMeetingColumns {
		q = q.Set(c + " = EXCLUDED." + c)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("save zoom meeting of booking %d: %w", m.BookingID, err)
	}
	return nil
}

// ZoomBooking returns a booking and its meeting (nil when none), or
// (nil, nil, nil) when there is no such booking.
func (s *Store) ZoomBooking(ctx context.Context, bookingID int64) (*gateway.Booking, *meetings.Meeting, error) {
	var r bookingRow
	err := s.r.NewSelect().Model(&r).Where("id = ?", bookingID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, markUnavailable(fmt.Errorf("booking %d: %w", bookingID, err))
	}
	b := r.booking()
	m, err := zoomMeeting(ctx, s.r, bookingID)
	return &b, m, markUnavailable(err)
}

// ZoomMeetingByID returns the latest meeting not deleted that roomgate
// created with that Zoom number, or nil.
func (s *Store) ZoomMeetingByID(ctx context.Context, meetingID int64) (*meetings.Meeting, error) {
	var r zoomMeetingRow
	err := s.r.NewSelect().Model(&r).Where("meeting_id = ?", meetingID).Where("state <> ?", meetings.MeetingDeleted).
		Order("updated_at DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || meetingID == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zoom meeting %d: %w", meetingID, err)
	}
	return r.meeting(), nil
}

// ZoomRecordingsByToken returns the booking, meeting and copies of the
// recordings whose link token hashes to tokenHash; a nil booking when the
// token names none.
func (s *Store) ZoomRecordingsByToken(ctx context.Context, tokenHash string) (*gateway.Booking, *meetings.Meeting, []meetings.Recording, error) {
	var r zoomMeetingRow
	if tokenHash == "" {
		return nil, nil, nil, nil
	}
	err := s.r.NewSelect().Model(&r).Where("recordings_token = ?", tokenHash).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("recordings by token: %w", err)
	}
	b, m, err := s.ZoomBooking(ctx, r.BookingID)
	if err != nil || b == nil {
		return nil, nil, nil, err
	}
	recs, err := s.ZoomRecordings(ctx, r.BookingID)
	return b, m, recs, err
}

type zoomHeldRow struct {
	bun.BaseModel `bun:"table:zoom_held_mails"`

	OutboxID  int64     `bun:"outbox_id,pk"`
	Organizer string    `bun:"organizer"`
	UID       string    `bun:"uid"`
	Deadline  time.Time `bun:"deadline"`
	State     string    `bun:"state"`
	Data      []byte    `bun:"data"`
	CreatedAt time.Time `bun:"created_at"`
}

// HoldMail records a held accept mail and makes its outbox row due at the
// deadline.
func (t *tx) HoldMail(ctx context.Context, h meetings.HeldMail) error {
	r := &zoomHeldRow{OutboxID: h.OutboxID, Organizer: h.Organizer, UID: h.UID, Deadline: utc(h.Deadline),
		State: "held", Data: h.Data, CreatedAt: now()}
	if _, err := t.db.NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("hold mail %d: %w", h.OutboxID, err)
	}
	_, err := t.db.NewUpdate().Model((*outboxRow)(nil)).Set("next_attempt = ?", utc(h.Deadline)).
		Where("id = ?", h.OutboxID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("hold mail %d: %w", h.OutboxID, err)
	}
	return nil
}

// HeldMails returns the mails still held for the meeting (organizer,
// uid), oldest first.
func (t *tx) HeldMails(ctx context.Context, organizer, uid string) ([]meetings.HeldMail, error) {
	var rows []zoomHeldRow
	err := t.db.NewSelect().Model(&rows).Where("organizer = ?", organizer).Where("uid = ?", uid).
		Where("state = 'held'").Order("outbox_id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("held mails of %s: %w", uid, err)
	}
	out := make([]meetings.HeldMail, len(rows))
	for i, r := range rows {
		out[i] = meetings.HeldMail{OutboxID: r.OutboxID, Organizer: r.Organizer, UID: r.UID, Deadline: utc(r.Deadline),
			State: r.State, Data: r.Data, CreatedAt: utc(r.CreatedAt)}
	}
	return out, nil
}

// ReleaseHeldMail marks a held mail done and, when replace is not nil
// and the mail has not left nor been claimed (pending, never tried, still
// due at its deadline), gives it the new bytes, due at now.
func (t *tx) ReleaseHeldMail(ctx context.Context, h meetings.HeldMail, replace []byte, at time.Time) (bool, error) {
	if err := t.storeBodies(ctx); err != nil { // the upsert below must find any body of this transaction
		return false, err
	}
	replaced := false
	if replace != nil {
		res, err := t.db.NewUpdate().Model((*outboxRow)(nil)).Set("message_id = ?", rawMessageID(replace)).Set("next_attempt = ?", utc(at)).
			Where("id = ?", h.OutboxID).Where("status = ?", string(gateway.OutboxPending)).Where("attempts = 0").
			Where("next_attempt = ?", utc(h.Deadline)).Exec(ctx)
		if err != nil {
			return false, fmt.Errorf("replace held mail %d: %w", h.OutboxID, err)
		}
		n, _ := res.RowsAffected()
		replaced = n == 1
	}
	if replaced {
		_, err := t.db.NewInsert().Model(&outboxBodyRow{OutboxID: h.OutboxID, Raw: replace}).
			On("CONFLICT (outbox_id) DO UPDATE").Set("raw = EXCLUDED.raw").Exec(ctx)
		if err != nil {
			return false, fmt.Errorf("replace held mail %d: %w", h.OutboxID, err)
		}
	}
	// What the mail was made of is no longer needed: it goes.
	_, err := t.db.NewUpdate().Model((*zoomHeldRow)(nil)).Set("state = 'done'").Set("data = ?", []byte{}).
		Where("outbox_id = ?", h.OutboxID).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("release held mail %d: %w", h.OutboxID, err)
	}
	return replaced, nil
}

type zoomRecordingRow struct {
	bun.BaseModel `bun:"table:zoom_recordings"`

	ID        int64     `bun:"id,pk,autoincrement"`
	BookingID int64     `bun:"booking_id"`
	FileID    string    `bun:"file_id"`
	Name      string    `bun:"name"`
	FileType  string    `bun:"file_type"`
	Size      int64     `bun:"size"`
	SHA256    string    `bun:"sha256"`
	ExpiresAt time.Time `bun:"expires_at"`
	DeletedAt time.Time `bun:"deleted_at,nullzero"`
	CreatedAt time.Time `bun:"created_at"`
}

func (r *zoomRecordingRow) recording() meetings.Recording {
	return meetings.Recording{ID: r.ID, BookingID: r.BookingID, FileID: r.FileID, Name: r.Name, FileType: r.FileType,
		Size: r.Size, SHA256: r.SHA256, ExpiresAt: utc(r.ExpiresAt), DeletedAt: utc(r.DeletedAt), CreatedAt: utc(r.CreatedAt)}
}

func recordings(rows []zoomRecordingRow) []meetings.Recording {
	out := make([]meetings.Recording, len(rows))
	for i := range rows {
		out[i] = rows[i].recording()
	}
	return out
}

// SaveZoomRecording records a verified copy, replacing the one of the
// same booking and file; r.ID is set.
func (t *tx) SaveRecording(ctx context.Context, r *meetings.Recording) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now()
	}
	row := &zoomRecordingRow{BookingID: r.BookingID, FileID: r.FileID, Name: r.Name, FileType: r.FileType, Size: r.Size,
		SHA256: r.SHA256, ExpiresAt: utc(r.ExpiresAt), DeletedAt: utc(r.DeletedAt), CreatedAt: utc(r.CreatedAt)}
	q := t.db.NewInsert().Model(row).ExcludeColumn("id").On("CONFLICT (booking_id, file_id) DO UPDATE")
	for _, c := range []string{"name", "file_type", "size", "sha256", "expires_at", "deleted_at"} {
		q = q.Set(c + " = EXCLUDED." + c)
	}
	if err := q.Returning("id").Scan(ctx); err != nil {
		return fmt.Errorf("save recording %s: %w", r.FileID, err)
	}
	r.ID = row.ID
	return nil
}

// MarkZoomRecordingDeleted records that a copy was removed.
func (t *tx) MarkRecordingDeleted(ctx context.Context, id int64, at time.Time) error {
	_, err := t.db.NewUpdate().Model((*zoomRecordingRow)(nil)).Set("deleted_at = ?", utc(at)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark recording %d deleted: %w", id, err)
	}
	return nil
}

// ZoomRecordings returns the copies of a booking's recordings, by ID.
func (s *Store) ZoomRecordings(ctx context.Context, bookingID int64) ([]meetings.Recording, error) {
	var rows []zoomRecordingRow
	if err := s.r.NewSelect().Model(&rows).Where("booking_id = ?", bookingID).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("recordings of booking %d: %w", bookingID, err)
	}
	return recordings(rows), nil
}

// ExpiredZoomRecordings returns up to limit copies not deleted whose link
// expired before now.
func (s *Store) ExpiredZoomRecordings(ctx context.Context, now time.Time, limit int) ([]meetings.Recording, error) {
	var rows []zoomRecordingRow
	err := s.r.NewSelect().Model(&rows).Where("deleted_at IS NULL").Where("expires_at < ?", utc(now)).
		Order("expires_at", "id").Limit(int64(max(limit, 1))).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("expired recordings: %w", err)
	}
	return recordings(rows), nil
}

// ListZoomRecordings returns up to limit copies, the newest first.
func (s *Store) ListZoomRecordings(ctx context.Context, limit int) ([]meetings.Recording, error) {
	var rows []zoomRecordingRow
	q := s.r.NewSelect().Model(&rows).Order("id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	return recordings(rows), nil
}

type zoomAlertRow struct {
	bun.BaseModel `bun:"table:zoom_alerts"`

	Key    string    `bun:"key,pk"`
	SentAt time.Time `bun:"sent_at"`
}

// ZoomAlertOnce records key and reports whether it is new.
func (t *tx) AlertOnce(ctx context.Context, key string, at time.Time) (bool, error) {
	res, err := t.db.NewInsert().Model(&zoomAlertRow{Key: key, SentAt: utc(at)}).On("CONFLICT (key) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("record alert %s: %w", key, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
