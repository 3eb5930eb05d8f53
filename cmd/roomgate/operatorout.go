package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"text/tabwriter"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table prints rows aligned in columns for people.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// whenLayout is how tables show an instant: in the configured zone, and
// saying which ("CET", "CEST"…).
const whenLayout = "2006-01-02 15:04 MST"

// when formats an instant for a table, in the configured zone.
func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format(whenLayout)
}

// orDash shows "-" for an empty cell, so columns stay aligned.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// bookingLine is a booking as `bookings list -json` prints it.
type bookingLine struct {
	ID            int64     `json:"id"`
	UID           string    `json:"uid"`
	RecurrenceID  string    `json:"recurrence_id,omitempty"`
	Room          string    `json:"room"`
	Organizer     string    `json:"organizer"`
	OrganizerName string    `json:"organizer_name,omitempty"`
	Summary       string    `json:"summary"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Status        string    `json:"status"`
	Reason        string    `json:"reason,omitempty"`
	// Host is the pool host, Provider the free tool; Options the meeting
	// options asked (see docs/operator.md, "Several hosts and free tools").
	Host     string `json:"host,omitempty"`
	Provider string `json:"provider,omitempty"`
	Options  string `json:"options,omitempty"`
}

func bookingsJSON(bs []gateway.Booking) []bookingLine {
	out := make([]bookingLine, len(bs))
	for i, b := range bs {
		out[i] = bookingLine{ID: b.ID, UID: b.UID, RecurrenceID: b.RecurrenceID, Room: b.Room, Organizer: b.Organizer,
			OrganizerName: b.OrganizerName, Summary: b.Summary, Start: b.Start, End: b.End, Status: string(b.Status), Reason: b.Reason,
			Host: b.Host, Provider: b.Provider, Options: b.Options.Key()}
	}
	return out
}

func bookingsTable(w io.Writer, bs []gateway.Booking, loc *time.Location) error {
	rows := make([][]string, len(bs))
	for i, b := range bs {
		rows[i] = []string{fmt.Sprint(b.ID), when(b.Start, loc), b.End.In(loc).Format("15:04"), string(b.Status),
			clean(b.Room, 40), clean(b.Organizer, 40), orDash(clean(b.Summary, 50))}
	}
	return table(w, []string{"ID", "START", "END", "STATUS", "ROOM", "ORGANIZER", "TITLE"}, rows)
}

// auditLine is an audit entry as `audit -json` prints it.
type auditLine struct {
	ID        int64      `json:"id"`
	At        time.Time  `json:"at"`
	MessageID string     `json:"message_id,omitempty"`
	Kind      string     `json:"kind"`
	Action    string     `json:"action"`
	UID       string     `json:"uid,omitempty"`
	Organizer string     `json:"organizer,omitempty"`
	Room      string     `json:"room,omitempty"`
	Start     *time.Time `json:"start,omitempty"`
	End       *time.Time `json:"end,omitempty"`
	Reason    string     `json:"reason"`
}

func auditJSON(es []gateway.AuditEntry) []auditLine {
	out := make([]auditLine, len(es))
	for i, e := range es {
		out[i] = auditLine{ID: e.ID, At: e.At, MessageID: e.MessageID, Kind: string(e.Kind), Action: string(e.Action),
			UID: e.UID, Organizer: e.Organizer, Room: e.Room, Reason: e.Reason}
		if !e.Start.IsZero() {
			out[i].Start, out[i].End = &es[i].Start, &es[i].End
		}
	}
	return out
}

func auditTable(w io.Writer, es []gateway.AuditEntry, loc *time.Location) error {
	rows := make([][]string, len(es))
	for i, e := range es {
		rows[i] = []string{when(e.At, loc), string(e.Kind), string(e.Action), orDash(clean(e.Organizer, 40)),
			when(e.Start, loc), orDash(clean(e.Reason, 80))}
	}
	return table(w, []string{"TIME", "KIND", "ACTION", "ORGANIZER", "SLOT", "REASON"}, rows)
}

// outboxLine is an outbox mail as `outbox list -json` prints it: never its
// bytes.
type outboxLine struct {
	ID          int64      `json:"id"`
	UID         string     `json:"uid,omitempty"`
	From        string     `json:"from"`
	To          []string   `json:"to"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	NextAttempt time.Time  `json:"next_attempt"`
	LastError   string     `json:"last_error,omitempty"`
	Subject     string     `json:"subject,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	// ContentDropped: sent, and kept longer than keep_sent, so only the
	// metadata remains.
	ContentDropped bool `json:"content_dropped,omitempty"`
}

func outboxJSON(ms []gateway.OutboxMail) []outboxLine {
	out := make([]outboxLine, len(ms))
	for i, m := range ms {
		out[i] = outboxLine{ID: m.ID, UID: m.UID, From: m.From, To: m.To, Status: string(m.Status), Attempts: m.Attempts,
			NextAttempt: m.NextAttempt, LastError: m.LastError, Subject: outboxSubject(m), CreatedAt: m.CreatedAt,
			ContentDropped: contentDropped(m)}
		if out[i].To == nil {
			out[i].To = []string{}
		}
		if !m.SentAt.IsZero() {
			out[i].SentAt = &ms[i].SentAt
		}
	}
	return out
}

func outboxTable(w io.Writer, ms []gateway.OutboxMail, loc *time.Location) error {
	rows := make([][]string, len(ms))
	for i, m := range ms {
		next := "-"
		if m.Status == gateway.OutboxPending {
			next = when(m.NextAttempt, loc)
		}
		status := string(m.Status)
		if contentDropped(m) {
			status += " (content dropped)"
		}
		rows[i] = []string{fmt.Sprint(m.ID), when(m.CreatedAt, loc), status, fmt.Sprint(m.Attempts), next,
			clean(strings.Join(m.To, ","), 40), orDash(clean(outboxSubject(m), 60)), orDash(clean(m.LastError, 60))}
	}
	return table(w, []string{"ID", "CREATED", "STATUS", "ATTEMPTS", "NEXT", "TO", "SUBJECT", "LAST ERROR"}, rows)
}

// outboxSubject is a queued mail's decoded Subject, marked "[COUNTER]"
// for a counter-proposal (whose subject may match its decline's); "" once
// the content was dropped or unreadable.
func outboxSubject(m gateway.OutboxMail) string {
	if len(m.Raw) == 0 {
		return ""
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return ""
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	if bytes.Contains(m.Raw, []byte("method=COUNTER")) || bytes.Contains(m.Raw, []byte(`method="COUNTER"`)) {
		subject = "[COUNTER] " + subject
	}
	return subject
}

// contentDropped reports whether a sent mail's bytes were dropped after
// [database] keep_sent: only its metadata remains.
func contentDropped(m gateway.OutboxMail) bool {
	return m.Status == gateway.OutboxSent && len(m.Raw) == 0
}
