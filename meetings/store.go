package meetings

import (
	"context"
	"time"
)

// States of a Meeting.
const (
	MeetingCreating = "creating" // the marker is recorded; the meeting may exist
	MeetingCreated  = "created"
	MeetingDeleted  = "deleted"
	// MeetingMoving: the meeting MeetingID (JoinURL, Passcode) was made
	// under another user of the provider than the one the booking's host
	// now is (a pool host changed by a move): a meeting is to be made
	// under the new one, with Marker (recorded before the call, as in
	// state creating), and MeetingID deleted.
	MeetingMoving = "moving"
)

// Meeting is the provider's meeting of one booking (the table
// zoom_meetings).
type Meeting struct {
	BookingID int64
	// Marker is the booking's key, written in the meeting's agenda, by
	// which a meeting whose creation was not recorded is found again.
	Marker    string
	State     string
	MeetingID int64 // the provider's number
	JoinURL   string
	Passcode  string
	// Topic, Start and End are what the provider was last told.
	Topic      string
	Start, End time.Time
	// StartedAt is when the meeting was seen live; zero until then.
	StartedAt time.Time
	// RecordingsToken is the SHA-256 (hex) of the token of the link to
	// the recordings' copies, valid until RecordingsUntil.
	RecordingsToken string
	RecordingsUntil time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Recording is one verified copy of a cloud recording file (the table
// zoom_recordings).
type Recording struct {
	ID        int64
	BookingID int64
	FileID    string // FileKey of the provider's file
	Name      string // file name in the booking's directory
	FileType  string // MP4, M4A, TRANSCRIPT…
	Size      int64
	SHA256    string // hex, of the copy on disk
	ExpiresAt time.Time
	DeletedAt time.Time
	CreatedAt time.Time
}

// HeldMail is an accept mail held in the outbox (row OutboxID, due at
// Deadline with the fixed room's details) until the meetings of the
// bookings of (Organizer, UID) exist; Data is what it is made of (JSON).
type HeldMail struct {
	OutboxID  int64
	Organizer string
	UID       string
	Deadline  time.Time
	State     string // "held" or "done"
	Data      []byte
	CreatedAt time.Time
}

// Tx is what the meeting layer writes inside a transaction of the
// decisions' store (gateway's Tx.Meetings). The db package's
// transactions implement it.
type Tx interface {
	// QueueJob queues the job (bookingID, kind) due at `at`: a new
	// row, or the existing one made pending again with a new version.
	QueueJob(ctx context.Context, bookingID int64, kind string, at time.Time) error
	// FinishJob marks job version version done; false when the job
	// was queued again since (it stays pending).
	FinishJob(ctx context.Context, id int64, version int, at time.Time) (bool, error)
	// Meeting returns a booking's meeting, or nil.
	Meeting(ctx context.Context, bookingID int64) (*Meeting, error)
	// SaveMeeting inserts or replaces a booking's meeting.
	SaveMeeting(ctx context.Context, m *Meeting) error
	// HoldMail records a held accept mail.
	HoldMail(ctx context.Context, h HeldMail) error
	// HeldMails returns the mails still held for the meeting (organizer, uid).
	HeldMails(ctx context.Context, organizer, uid string) ([]HeldMail, error)
	// ReleaseHeldMail marks a held mail done and, when replace is not nil
	// and the mail has not left (still pending, due at its deadline,
	// never tried), replaces its bytes and makes it due at now. It
	// reports whether the bytes were replaced.
	ReleaseHeldMail(ctx context.Context, h HeldMail, replace []byte, now time.Time) (bool, error)
	// SaveRecording records one verified copy (by booking and file).
	SaveRecording(ctx context.Context, r *Recording) error
	// MarkRecordingDeleted records that a copy was removed.
	MarkRecordingDeleted(ctx context.Context, id int64, at time.Time) error
	// AlertOnce records the alert key and reports true the first time.
	AlertOnce(ctx context.Context, key string, at time.Time) (bool, error)
	// AfterCommit runs fn once the transaction committed, never when it
	// rolled back (the job runner is woken so, once its jobs are visible).
	AfterCommit(fn func())
}
