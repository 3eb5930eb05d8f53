// Package gateway is the heart of roomgate: it decides what a message means
// and what to do about it, and runs the loop that does it.
//
// It reaches storage and mail only through the small interfaces defined in
// this file (Store, Tx, Source, Sender). The db package implements Store and
// Tx, the mailbox package implements Source and Sender. gateway never imports
// either of them.
package gateway

import (
	"context"
	"errors"
	"time"

	"codeberg.org/opteos/roomgate/meetings"
)

// BookingStatus is the state of one booked slot.
type BookingStatus string

// Booking states. Accepted, held (until ExpiresAt) and pending bookings
// occupy the account.
const (
	StatusAccepted  BookingStatus = "accepted"
	StatusDeclined  BookingStatus = "declined"
	StatusCancelled BookingStatus = "cancelled"
	// StatusWaiting is a request declined only because its slot was
	// taken: it is accepted if the slot frees before it starts.
	StatusWaiting BookingStatus = "waiting"
	// StatusHeld is a slot proposed to an organizer (an iTIP COUNTER),
	// kept for them until ExpiresAt; never shown to others.
	StatusHeld BookingStatus = "held"
	// StatusPending is a request a facilitator must approve; it holds its
	// slot until then.
	StatusPending BookingStatus = "pending"
)

// Occupies reports whether b takes the account at now.
func (b *Booking) Occupies(now time.Time) bool {
	switch b.Status {
	case StatusAccepted, StatusPending:
		return true
	case StatusHeld:
		return b.ExpiresAt.After(now)
	}
	return false
}

// Booking is one slot asked of a room: a whole single event, or one
// occurrence of a recurring series. It is keyed by (UID, RecurrenceID).
type Booking struct {
	ID int64
	// UID is the iCalendar UID, byte for byte as the organizer sent it.
	UID string
	// RecurrenceID is "" for a single event; for an occurrence of a series it
	// is the occurrence's original start as a UTC instant in the form
	// 20060102T150405Z (see RecurrenceKey).
	RecurrenceID string
	Room         string // room address (lower case), as configured
	Organizer    string // organizer address, lower case, without mailto:
	// Actor is who asked for the room with the message that last decided
	// the booking, when it counts besides the organizer (a delegate, a
	// member trusted to speak for others; see Gateway.actorFor); "" when
	// the organizer asked, or for rows older than the column.
	Actor         string
	OrganizerName string
	Summary       string
	Start, End    time.Time // UTC
	Sequence      int
	DTStamp       time.Time
	Status        BookingStatus
	Reason        string // why it was declined or cancelled
	MessageID     string // Message-ID of the mail that last decided it
	Lang          string // language of the organizer's mails
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// Request is the iCalendar object of the REQUEST, kept while the
	// booking waits or is pending, to answer it later in its own forms.
	Request []byte
	// ExpiresAt ends a hold (StatusHeld); zero otherwise.
	ExpiresAt time.Time
	// Approval is the nonce of a pending request's signed links.
	Approval string
	// Host is the pool host (Host.Name) a Zoom booking was given, chosen
	// inside the transaction that decided it; "" without a pool, and for
	// rows recorded before pools (they count as the first host's).
	Host string
	// Provider is the free tool the booking is held on (FreeTool.Name)
	// because Zoom was full; "" for Zoom. ToolRoom is that tool's room.
	Provider string
	ToolRoom ToolRoom
	// Options are the meeting options its description asked for.
	Options MeetingOptions
}

// Version is the version of one component of a meeting that was last
// decided (RFC 5546 §2.1.5): SEQUENCE first, then DTSTAMP. RecurrenceID
// is "" for the series master or single event, else the override's
// RecurrenceKey.
type Version struct {
	RecurrenceID string
	Sequence     int
	DTStamp      time.Time
}

// RecurrenceKey formats an occurrence's original start as a Booking.RecurrenceID.
func RecurrenceKey(t time.Time) string {
	return t.UTC().Format(recurrenceKeyLayout)
}

// recurrenceKeyLayout is the form of RecurrenceKey.
const recurrenceKeyLayout = "20060102T150405Z"

// Kind says what a message is. Its values appear in `roomgate process` output
// and in the audit log.
type Kind string

// Message kinds.
const (
	KindRequest       Kind = "request"
	KindCancel        Kind = "cancel"
	KindReply         Kind = "reply"
	KindPublish       Kind = "publish"
	KindOtherCalendar Kind = "other-calendar"
	KindZoomCode      Kind = "zoom-code"
	KindZoomAlert     Kind = "zoom-alert"
	KindZoomRecording Kind = "zoom-recording"
	KindMail          Kind = "mail"
)

// Action says what roomgate did about a message.
type Action string

// Actions.
const (
	ActionAccepted Action = "accepted"
	// ActionPending: answered TENTATIVE, a facilitator must approve.
	ActionPending   Action = "pending"
	ActionDeclined  Action = "declined"
	ActionCancelled Action = "cancelled"
	ActionRelayed   Action = "relayed"
	ActionIgnored   Action = "ignored"
	ActionRejected  Action = "rejected"
)

// Folder is where a handled message is filed.
type Folder string

// Folders, mapped to configured mailbox names by the Source.
const (
	FolderProcessed Folder = "processed"
	FolderRejected  Folder = "rejected"
	FolderOther     Folder = "other"
)

// ProcessedMessage records that a message was decided, so it is never
// decided twice. Key is the hex SHA-256 of the raw message bytes.
type ProcessedMessage struct {
	Key       string
	MessageID string
	Kind      Kind
	Action    Action
	UID       string
	Reason    string
	Folder    Folder
	At        time.Time
}

// AuditEntry is one line of the decision log.
type AuditEntry struct {
	ID         int64
	At         time.Time
	MessageKey string
	MessageID  string
	Kind       Kind
	Action     Action
	UID        string
	Organizer  string
	Room       string
	Start, End time.Time // zero when not applicable
	Reason     string
}

// OutboxStatus is the delivery state of a queued mail.
type OutboxStatus string

// Outbox states.
const (
	OutboxPending OutboxStatus = "pending"
	OutboxSent    OutboxStatus = "sent"
	OutboxFailed  OutboxStatus = "failed" // permanent failure, not retried
)

// AcceptedMail names an outbox mail the server accepted, for
// Store.OutboxAccepted.
type AcceptedMail struct {
	ID        int64
	MessageID string
}

// OutboxMail is a mail waiting to be sent, written in the same transaction
// as the decision that produced it.
type OutboxMail struct {
	ID          int64
	MessageKey  string // the message this answers
	UID         string // iCalendar UID it concerns, "" if none
	From        string // envelope sender
	To          []string
	Raw         []byte // the exact bytes to send (CRLF line ends)
	Status      OutboxStatus
	Attempts    int
	NextAttempt time.Time
	LastError   string
	// CreatedAt is when the mail was queued; for a mail carrying an iTIP
	// message it is that message's DTSTAMP (see Gateway.itipStamp), never
	// before the one roomgate sent last for the meeting.
	CreatedAt time.Time
	SentAt    time.Time

	// Channel is ChannelMail ("", sent through the Sender) or
	// ChannelWebhook (Raw is a JSON body for the Poster; From and To are
	// empty and the URL comes from the configuration at send time).
	Channel string
	// Kind says what the mail is, for the limits on replies: one of the
	// Outbox* kinds ("" for notices, alerts and reminders).
	Kind string
	// MessageID is the Message-ID field of Raw (with its angle brackets),
	// read from Raw when the mail is queued unless whoever composed Raw set
	// it; "" for a webhook row. A mail sent again
	// (after a crash between the server's acceptance and its mark) is the
	// same bytes, so it carries the same Message-ID.
	MessageID string
	// Claim is the token of the claim that returned the mail
	// (ClaimOutbox), for LeaseOutbox; 0 when not claimed.
	Claim int64
}

// Kinds of outbox rows (OutboxMail.Kind).
const (
	OutboxReply      = "reply"      // an answer to a member's invitation
	OutboxOutsider   = "outsider"   // an answer to somebody who may not book
	OutboxUnreadable = "unreadable" // the answer to an invitation that could not be read
	OutboxHelp       = "help"       // how to book, the answer to a plain question
	OutboxApproval   = "approval"   // a request asked of the facilitators
	OutboxHandover   = "handover"   // the previous organizer told of a handover
)

// Handover names a meeting that changes organizer (see Tx.HandOver).
type Handover struct {
	UID, From, To string
	ToName        string // the new organizer's CN
	At            time.Time
}

// OutboxQuery selects outbox rows created at or after Since; each of UID,
// To (the one recipient) and Kind narrows the selection when not "".
type OutboxQuery struct {
	UID, To, Kind string
	Since         time.Time
}

// OutboxCounter is implemented by a Tx that counts the rows of several
// OutboxQuery at once (one round trip instead of one each); the limits on
// replies use it when the Tx has it, CountOutbox otherwise.
type OutboxCounter interface {
	CountOutboxes(ctx context.Context, qs []OutboxQuery) ([]int, error)
}

// OutboxStamper is implemented by a Tx that also reads, in the same round
// trip as the counts of CountOutboxes, the latest CreatedAt of the rows
// last selects (what LastOutbox returns); a reply's limits and its DTSTAMP
// use it when the Tx has it.
type OutboxStamper interface {
	CountOutboxesLast(ctx context.Context, qs []OutboxQuery, last OutboxQuery) ([]int, time.Time, error)
}

// OpenBookingsReader is implemented by a Tx that returns with
// PersonBookings, in the same round trip, which of them belong to a series
// without end (open[i] for bookings[i]); a quota uses it when the Tx has
// it, PersonBookings and OpenSeriesUIDs otherwise. Its bookings need only
// the fields a quota reads: ID, UID, RecurrenceID, Organizer, Actor,
// Status, Start, End and ExpiresAt; the others may be zero.
type OpenBookingsReader interface {
	PersonBookingsOpen(ctx context.Context, person string, after time.Time) (bookings []Booking, open []bool, err error)
}

// MessageLookup is implemented by a Tx that looks up the records of
// several messages in one query; a group of messages decided together
// uses it instead of one Message per message. The map holds the keys
// already recorded.
type MessageLookup interface {
	Messages(ctx context.Context, keys []string) (map[string]*ProcessedMessage, error)
}

// NewRecorder is implemented by a Tx that can record a message known to
// be new without waiting for the database's answer: the message's key was
// looked up in the same transaction, under its lock, and not found. The
// record then goes with the transaction's next statement instead of
// costing a round trip of its own (PostgreSQL). Should it write nothing
// after all, that statement, or the commit, fails with ErrDuplicate, and
// the transaction with it.
type NewRecorder interface {
	RecordNew(ctx context.Context, m ProcessedMessage) error
}

// BodyLater is an optional interface of a Tx: EnqueueLater queues m as
// Enqueue does (m.ID is set, and the row counts for CountOutboxes at
// once), but its bytes are given by raw, which the caller has started
// computing meanwhile: the transaction calls it, and stores them, before
// it commits, and fails if raw does. m.Raw is left nil. A decision can so
// go on with the next message while its reply is written on another core.
type BodyLater interface {
	EnqueueLater(ctx context.Context, m *OutboxMail, raw func() ([]byte, error)) error
}

// Store is the persistent state roomgate needs. Implementations must be safe
// for concurrent use.
type Store interface {
	// Update runs fn in one read-write transaction. Transactions that decide
	// bookings are serialized (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
	// advisory lock taken at the start), so a capacity check and the booking
	// it allows cannot interleave with another. If fn returns an error the
	// transaction is rolled back and the error returned.
	Update(ctx context.Context, fn func(Tx) error) error
	// Message returns the record of an already processed message, or
	// (nil, nil) when the key is unknown.
	Message(ctx context.Context, key string) (*ProcessedMessage, error)
	// ClaimOutbox returns up to limit pending mails whose NextAttempt is at
	// or before now, oldest first, and leases them until now+lease so that
	// no other instance sharing the database sends them meanwhile. The
	// mails carry the claim's token (OutboxMail.Claim), new at each claim.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMail, error)
	// LeaseOutbox moves the lease of the mails of ids that are still
	// pending and held by the claim to until (later to renew it, now to
	// give them back) and returns their IDs; the others were marked, or
	// taken over by another claim after the lease ended.
	LeaseOutbox(ctx context.Context, claim int64, ids []int64, until time.Time) ([]int64, error)
	// OutboxPostpone makes every pending row of the channel due at or
	// before dueBy due at until instead.
	OutboxPostpone(ctx context.Context, channel string, dueBy, until time.Time) error
	// OutboxAccepted records, as soon as the server accepted them and
	// without waiting for a lock a decision may hold, that the mails
	// left: a later claim marks them sent instead of returning them, so
	// a crash before their mark stuck does not send them again. It
	// reports whether every mail was recorded; a store whose marks take
	// no such lock may record nothing (false), and the sender then waits
	// for the mark before the next mail.
	OutboxAccepted(ctx context.Context, ms ...AcceptedMail) (bool, error)
	// OutboxSent marks mails sent, whatever claim holds them; marking a
	// mail already sent again does nothing (a mark may be retried after
	// its answer was lost).
	OutboxSent(ctx context.Context, at time.Time, ids ...int64) error
	// OutboxRetry records a failed attempt of a pending mail:
	// Attempts+1, NextAttempt=next, LastError=errText. If permanent,
	// Status becomes OutboxFailed. A mail sent meanwhile is left as it is.
	OutboxRetry(ctx context.Context, id int64, next time.Time, errText string, permanent bool) error
	// Ping checks that the database is reachable.
	Ping(ctx context.Context) error
}

// Tx is the view of the store inside one transaction.
type Tx interface {
	// Message is Store.Message inside the transaction.
	Message(ctx context.Context, key string) (*ProcessedMessage, error)
	// RecordMessage stores that a message was processed. It fails with
	// ErrDuplicate if the key is already recorded.
	RecordMessage(ctx context.Context, m ProcessedMessage) error
	// BookingsOf returns every booking of the meeting (organizer, uid):
	// all occurrences, any status, ordered by RecurrenceID. A UID is only
	// unique for its organizer (RFC 5545 §3.8.4.7): two organizers with one
	// UID are two meetings.
	BookingsOf(ctx context.Context, organizer, uid string) ([]Booking, error)
	// PersonBookings returns the bookings that count in a person's quotas
	// and holds, in any room, that end after `after`, ordered by Start:
	// those whose Organizer or Actor is person, accepted, pending
	// approval, waiting, or held for a proposal (the caller checks a
	// hold's ExpiresAt).
	PersonBookings(ctx context.Context, person string, after time.Time) ([]Booking, error)
	// BookingByID returns the booking with that ID, or (nil, nil) when
	// there is none.
	BookingByID(ctx context.Context, id int64) (*Booking, error)
	// Overlapping returns the bookings that may occupy the account
	// (accepted, held, pending; the caller checks a hold's ExpiresAt with
	// Booking.Occupies) with Start < to and End > from, ordered by Start. It must use an index on Start (the
	// caller guarantees bookings are never longer than the policy's
	// maximum, so an implementation may bound the scan with
	// Start > from - maxLen, see SetMaxBookingLength).
	Overlapping(ctx context.Context, from, to time.Time) ([]Booking, error)
	// SaveBooking inserts or updates the booking keyed by (Organizer, UID,
	// RecurrenceID) and sets b.ID.
	SaveBooking(ctx context.Context, b *Booking) error
	// SaveBookings is SaveBooking for many bookings at once.
	SaveBookings(ctx context.Context, bs []*Booking) error
	// HandOver gives the meeting (h.From, h.UID) to the organizer h.To:
	// its bookings, with their IDs, slots and statuses, and its open-ended
	// series, after dropping the rows h.To had of that UID.
	HandOver(ctx context.Context, h Handover) error
	// SaveOpenSeries inserts or replaces the open-ended series of the
	// meeting (s.Organizer, s.UID).
	SaveOpenSeries(ctx context.Context, s OpenSeries) error
	// DeleteOpenSeries forgets the open-ended series of the meeting
	// (organizer, uid), if any.
	DeleteOpenSeries(ctx context.Context, organizer, uid string) error
	// Versions returns the versions last decided for the components of the
	// meeting (organizer, uid), ordered by RecurrenceID.
	Versions(ctx context.Context, organizer, uid string) ([]Version, error)
	// SaveVersions inserts or replaces versions of components of the
	// meeting (organizer, uid).
	SaveVersions(ctx context.Context, organizer, uid string, vs []Version) error
	// OpenSeriesUIDs returns the UIDs of the organizer's open-ended series.
	OpenSeriesUIDs(ctx context.Context, organizer string) ([]string, error)
	// OpenSeriesDue returns up to limit open-ended series whose Horizon is
	// before `before`, the one saved the longest ago first (so that series
	// that cannot move do not hold back the others).
	OpenSeriesDue(ctx context.Context, before time.Time, limit int) ([]OpenSeries, error)
	// OverlappingAny returns the bookings Overlapping would that overlap
	// at least one of the spans, each once, ordered by Start; each span
	// bounded and indexed as in Overlapping.
	OverlappingAny(ctx context.Context, spans []Span) ([]Booking, error)
	// Enqueue adds a mail to the outbox and sets m.ID.
	Enqueue(ctx context.Context, m *OutboxMail) error
	// CountOutbox counts the outbox rows that q selects.
	CountOutbox(ctx context.Context, q OutboxQuery) (int, error)
	// LastOutbox returns the latest CreatedAt of the outbox rows q
	// selects, zero when there is none.
	LastOutbox(ctx context.Context, q OutboxQuery) (time.Time, error)
	// Waiting returns the bookings that wait (StatusWaiting) and start
	// after `after`, in the order they arrived (CreatedAt, then ID).
	Waiting(ctx context.Context, after time.Time) ([]Booking, error)
	// ExpireWaiting declines the waiting bookings that start at or before
	// now and returns how many.
	ExpireWaiting(ctx context.Context, now time.Time) (int, error)
	// Holds returns the bookings pending approval, waiting, or held for a
	// proposal (the caller checks a hold's ExpiresAt) that end after
	// `after`, in any room, ordered by Start.
	Holds(ctx context.Context, after time.Time) ([]Booking, error)
	// ApprovalBookings returns the bookings whose Approval is nonce,
	// ordered by Start.
	ApprovalBookings(ctx context.Context, nonce string) ([]Booking, error)
	// PendingDue returns the bookings pending approval (StatusPending)
	// that start at or before now, ordered by Start.
	PendingDue(ctx context.Context, now time.Time) ([]Booking, error)
	// Audit appends an entry to the decision log.
	Audit(ctx context.Context, e AuditEntry) error
	// RemindersDue returns the reminders due under q (see ReminderQuery),
	// at most q.Limit of each kind, ordered by the booking's start.
	RemindersDue(ctx context.Context, q ReminderQuery) ([]Reminder, error)
	// MarkReminder records that the reminder was queued at `at`: for
	// ReminderStart the booking's current start, so a moved booking is
	// reminded again at its new time; for ReminderRecording the time.
	MarkReminder(ctx context.Context, r Reminder, at time.Time) error
	// SetRecording records that a recording notice for booking id arrived
	// at `at`. Only the first notice counts.
	SetRecording(ctx context.Context, id int64, at time.Time) error
	// Meetings is the meeting layer's part of this same transaction (its
	// job queue, meetings and held mails), so that what a decision queues
	// for the meetings commits or rolls back with the decision; nil when
	// the store keeps no meetings (then Options.Meetings cannot be used).
	Meetings() meetings.Tx
}

// Unavailable is implemented by Store errors that say the database itself
// failed (it cannot be reached, is full, read-only, shutting down), rather
// than refused what one decision wrote. A message whose decision fails so
// stays in the inbox until the database is back; one whose decision fails
// otherwise is rejected after a few attempts (see Options.RecordAttempts).
type Unavailable interface {
	error
	Unavailable() bool
}

// unavailable reports whether err says the database itself failed.
func unavailable(err error) bool {
	var u Unavailable
	return errors.As(err, &u) && u.Unavailable()
}

// ErrDuplicate is returned by Tx.RecordMessage when the message was already
// recorded (by this or another instance).
var ErrDuplicate = errors.New("message already processed")

// Incoming is one message read from the mailbox.
type Incoming struct {
	// Ref identifies the message in its source for logs and for File,
	// e.g. "INBOX/1700000000/42" (mailbox/UIDVALIDITY/UID).
	Ref         string
	UIDValidity uint32
	UID         uint32
	// Raw holds the whole message, or only its header when Truncated.
	Raw []byte
	// Size is the full size of the message in octets.
	Size int64
	// Truncated is set when the message was larger than the configured
	// maximum and only its header was fetched.
	Truncated bool
}

// Source delivers the messages of the shared mailbox and files them once
// handled. mailbox.IMAP implements it. Run calls Next from one goroutine
// and File (or FileBatch) from another, one filing at a time: the next
// batch is read while the last one is filed, so a source must take both at
// once, and Next must not keep a filing waiting while it waits for new
// mail.
type Source interface {
	// Next blocks until at least one message not yet delivered is in the
	// inbox (IDLE, or polling when the server lacks IDLE), then returns
	// them in UID order. It reconnects by itself after a drop, with
	// backoff, and returns only when it has messages or ctx is done.
	Next(ctx context.Context) ([]Incoming, error)
	// File moves a handled message to the folder (MOVE, or COPY and UID
	// EXPUNGE) and records it as done so it is not delivered again.
	File(ctx context.Context, m Incoming, f Folder) error
}

// Filing is one handled message and the folder it goes to.
type Filing struct {
	In     Incoming
	Folder Folder
}

// BatchFiler is implemented by sources that can file several messages in
// one go (one MOVE per folder, say), which the loop then prefers to File.
type BatchFiler interface {
	// FileBatch files every message as File would. On an error, some may
	// be filed and others not; those are delivered again by Next.
	FileBatch(ctx context.Context, items []Filing) error
}

// Sender hands a mail to the submission server. mailbox.SMTP implements it.
type Sender interface {
	Send(ctx context.Context, from string, to []string, raw []byte) error
}

// PermanentError is implemented by Sender errors that will not go away by
// retrying (an SMTP 5xx answer, say).
type PermanentError interface {
	error
	Permanent() bool
}

// PerMailError is implemented by Sender errors that concern one mail only
// (a recipient refused for now, RFC 5321 §4.2.1's 4xx to RCPT): that mail
// is retried alone, and the others are not held back. Any other temporary
// error (connecting, TLS, AUTH, 421) means the server is out of reach, and
// every mail due waits with the one that failed.
type PerMailError interface {
	error
	PerMail() bool
}

// Span is a half-open time range [Start, End).
type Span struct{ Start, End time.Time }

// OpenSeries is a recurring series without end: its dates are decided up
// to Horizon, and the rest as the booking window reaches them.
type OpenSeries struct {
	UID       string
	Organizer string
	Room      string
	Calendar  []byte // the iCalendar object of the last REQUEST decided
	MessageID string // that REQUEST's Message-ID, for threading
	Horizon   time.Time
}
