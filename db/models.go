package db

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// The row types mirror the tables of migrations/. They never leave the
// package: every method converts to and from the gateway types.

type bookingRow struct {
	bun.BaseModel `bun:"table:bookings"`

	ID            int64     `bun:"id,pk,autoincrement"`
	UID           string    `bun:"uid"`
	RecurrenceID  string    `bun:"recurrence_id"`
	Room          string    `bun:"room"`
	Organizer     string    `bun:"organizer"`
	OrganizerName string    `bun:"organizer_name"`
	Summary       string    `bun:"summary"`
	StartAt       time.Time `bun:"start_at"`
	EndAt         time.Time `bun:"end_at"`
	Sequence      int       `bun:"sequence"`
	DTStamp       time.Time `bun:"dtstamp,nullzero"`
	Status        string    `bun:"status"`
	Reason        string    `bun:"reason"`
	MessageID     string    `bun:"message_id"`
	Lang          string    `bun:"lang"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
	Request       []byte    `bun:"request"`
	ExpiresAt     time.Time `bun:"expires_at,nullzero"`
	Approval      string    `bun:"approval"`
	Actor         string    `bun:"actor"`
	Host          string    `bun:"host"`
	Provider      string    `bun:"provider"`
	ToolRoom      string    `bun:"tool_room"`
	Options       string    `bun:"options"`
}

type messageRow struct {
	bun.BaseModel `bun:"table:processed_messages"`

	Key         string    `bun:"key,pk"`
	MessageID   string    `bun:"message_id"`
	Kind        string    `bun:"kind"`
	Action      string    `bun:"action"`
	UID         string    `bun:"uid"`
	Reason      string    `bun:"reason"`
	Folder      string    `bun:"folder"`
	ProcessedAt time.Time `bun:"processed_at"`
}

type outboxRow struct {
	bun.BaseModel `bun:"table:outbox"`

	ID          int64     `bun:"id,pk,autoincrement"`
	MessageKey  string    `bun:"message_key"`
	UID         string    `bun:"uid"`
	MailFrom    string    `bun:"mail_from"`
	RcptTo      string    `bun:"rcpt_to"`
	Status      string    `bun:"status"`
	Attempts    int       `bun:"attempts"`
	NextAttempt time.Time `bun:"next_attempt"`
	LastError   string    `bun:"last_error"`
	CreatedAt   time.Time `bun:"created_at"`
	SentAt      time.Time `bun:"sent_at,nullzero"`
	Channel     string    `bun:"channel"`
	Kind        string    `bun:"kind"`
	MessageID   string    `bun:"message_id"`
	Claim       int64     `bun:"claim"`
	// Raw is the mail's bytes, kept apart in outbox_bodies (migration
	// 15): read with the row (outboxRaw), written by Enqueue only.
	Raw []byte `bun:"raw,scanonly"`
}

// outboxBodyRow is the bytes of one outbox mail.
type outboxBodyRow struct {
	bun.BaseModel `bun:"table:outbox_bodies"`

	OutboxID int64  `bun:"outbox_id,pk"`
	Raw      []byte `bun:"raw,notnull"`
}

// outboxRaw reads an outbox row's bytes as its raw column, NULL when it
// has none, in a query on the outbox named outer (bun's alias outbox_row,
// or the table's name).
func outboxRaw(outer string) string {
	return "(SELECT b.raw FROM outbox_bodies AS b WHERE b.outbox_id = " + outer + ".id) AS raw"
}

type auditRow struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID         int64     `bun:"id,pk,autoincrement"`
	LoggedAt   time.Time `bun:"logged_at"`
	MessageKey string    `bun:"message_key"`
	MessageID  string    `bun:"message_id"`
	Kind       string    `bun:"kind"`
	Action     string    `bun:"action"`
	UID        string    `bun:"uid"`
	Organizer  string    `bun:"organizer"`
	Room       string    `bun:"room"`
	StartAt    time.Time `bun:"start_at,nullzero"`
	EndAt      time.Time `bun:"end_at,nullzero"`
	Reason     string    `bun:"reason"`
}

type mailboxRow struct {
	bun.BaseModel `bun:"table:mailbox_state"`

	Mailbox     string    `bun:"mailbox,pk"`
	UIDValidity uint32    `bun:"uid_validity"`
	LastUID     uint32    `bun:"last_uid"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// utc normalizes an instant read from or written to the database. The zero
// time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func toBookingRow(b *gateway.Booking) *bookingRow {
	return &bookingRow{
		ID: b.ID, UID: b.UID, RecurrenceID: b.RecurrenceID, Room: b.Room,
		Organizer: b.Organizer, OrganizerName: b.OrganizerName, Summary: b.Summary,
		StartAt: utc(b.Start), EndAt: utc(b.End), Sequence: b.Sequence,
		DTStamp: utc(b.DTStamp), Status: string(b.Status), Reason: b.Reason,
		MessageID: b.MessageID, Lang: b.Lang,
		CreatedAt: utc(b.CreatedAt), UpdatedAt: utc(b.UpdatedAt),
		Request: b.Request, ExpiresAt: utc(b.ExpiresAt), Approval: b.Approval, Actor: b.Actor,
		Host: b.Host, Provider: b.Provider, ToolRoom: toolRoomText(b.ToolRoom), Options: b.Options.Key(),
	}
}

func (r *bookingRow) booking() gateway.Booking {
	return gateway.Booking{
		ID: r.ID, UID: r.UID, RecurrenceID: r.RecurrenceID, Room: r.Room,
		Organizer: r.Organizer, OrganizerName: r.OrganizerName, Summary: r.Summary,
		Start: utc(r.StartAt), End: utc(r.EndAt), Sequence: r.Sequence,
		DTStamp: utc(r.DTStamp), Status: gateway.BookingStatus(r.Status), Reason: r.Reason,
		MessageID: r.MessageID, Lang: r.Lang,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		Request: r.Request, ExpiresAt: utc(r.ExpiresAt), Approval: r.Approval, Actor: r.Actor,
		Host: r.Host, Provider: r.Provider, ToolRoom: toolRoom(r.ToolRoom), Options: gateway.StoredOptions(r.Options),
	}
}

// toolRoomText stores a free tool's room as JSON; "" for none (Zoom).
func toolRoomText(t gateway.ToolRoom) string {
	if t == (gateway.ToolRoom{}) {
		return ""
	}
	b, err := json.Marshal(t)
	if err != nil {
		return "" // a struct of strings and instants always encodes
	}
	return string(b)
}

// toolRoom reads what toolRoomText stored; a value it cannot read is no
// room (the booking then shows none rather than failing every read).
func toolRoom(s string) gateway.ToolRoom {
	var t gateway.ToolRoom
	if s != "" {
		_ = json.Unmarshal([]byte(s), &t)
	}
	return t
}

func bookings(rows []bookingRow) []gateway.Booking {
	out := make([]gateway.Booking, len(rows))
	for i := range rows {
		out[i] = rows[i].booking()
	}
	return out
}

func toMessageRow(m gateway.ProcessedMessage) *messageRow {
	return &messageRow{
		Key: m.Key, MessageID: m.MessageID, Kind: string(m.Kind), Action: string(m.Action),
		UID: m.UID, Reason: m.Reason, Folder: string(m.Folder), ProcessedAt: utc(m.At),
	}
}

func (r *messageRow) message() *gateway.ProcessedMessage {
	return &gateway.ProcessedMessage{
		Key: r.Key, MessageID: r.MessageID, Kind: gateway.Kind(r.Kind),
		Action: gateway.Action(r.Action), UID: r.UID, Reason: r.Reason,
		Folder: gateway.Folder(r.Folder), At: utc(r.ProcessedAt),
	}
}

// Addresses never contain a line feed, so the recipient list is stored as
// one text column, one address per line.
const rcptSep = "\n"

func toOutboxRow(m *gateway.OutboxMail) *outboxRow {
	raw := m.Raw
	if raw == nil {
		raw = []byte{} // bun writes a nil slice as NULL
	}
	return &outboxRow{
		ID: m.ID, MessageKey: m.MessageKey, UID: m.UID, MailFrom: m.From,
		RcptTo: strings.Join(m.To, rcptSep), Raw: raw, Status: string(m.Status),
		Attempts: m.Attempts, NextAttempt: utc(m.NextAttempt), LastError: m.LastError,
		CreatedAt: utc(m.CreatedAt), SentAt: utc(m.SentAt), Channel: m.Channel, Kind: m.Kind,
		MessageID: m.MessageID, Claim: m.Claim,
	}
}

func (r *outboxRow) mail() gateway.OutboxMail {
	var to []string
	if r.RcptTo != "" {
		to = strings.Split(r.RcptTo, rcptSep)
	}
	raw := r.Raw
	if len(raw) == 0 {
		raw = nil // drivers differ on empty BLOB versus BYTEA
	}
	return gateway.OutboxMail{
		ID: r.ID, MessageKey: r.MessageKey, UID: r.UID, From: r.MailFrom,
		To: to, Raw: raw, Status: gateway.OutboxStatus(r.Status),
		Attempts: r.Attempts, NextAttempt: utc(r.NextAttempt), LastError: r.LastError,
		CreatedAt: utc(r.CreatedAt), SentAt: utc(r.SentAt), Channel: r.Channel, Kind: r.Kind,
		MessageID: r.MessageID,
	}
}

func mails(rows []outboxRow) []gateway.OutboxMail {
	out := make([]gateway.OutboxMail, len(rows))
	for i := range rows {
		out[i] = rows[i].mail()
	}
	return out
}

func toAuditRow(e gateway.AuditEntry) *auditRow {
	return &auditRow{
		LoggedAt: utc(e.At), MessageKey: e.MessageKey, MessageID: e.MessageID,
		Kind: string(e.Kind), Action: string(e.Action), UID: e.UID,
		Organizer: e.Organizer, Room: e.Room, StartAt: utc(e.Start), EndAt: utc(e.End),
		Reason: e.Reason,
	}
}

func (r *auditRow) entry() gateway.AuditEntry {
	return gateway.AuditEntry{
		ID: r.ID, At: utc(r.LoggedAt), MessageKey: r.MessageKey, MessageID: r.MessageID,
		Kind: gateway.Kind(r.Kind), Action: gateway.Action(r.Action), UID: r.UID,
		Organizer: r.Organizer, Room: r.Room, Start: utc(r.StartAt), End: utc(r.EndAt),
		Reason: r.Reason,
	}
}
