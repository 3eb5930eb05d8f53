package db

import (
	"context"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// What the statements of a transaction that read ahead do to what it
// read, and the save of a booking kept behind (see prefetch.go).

// prefetchHook forgets, before each statement the transaction sends
// through bun, what was read ahead that the statement may change.
type prefetchHook struct{ t *tx }

func (h *prefetchHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	t := h.t
	if t == nil {
		return ctx
	}
	t.sent++
	if t.ahead != nil {
		t.ahead = t.ahead.after(e)
	}
	if (t.pendingBookings || t.pendingOutbox) && readsBookings(e) {
		// flush clears pendingBookings first: its own statement
		// comes back here without sending anything.
		if _, err := t.flush(ctx, nil); err != nil && t.flushErr == nil {
			t.flushErr = err
		}
	}
	return ctx
}

// behindTables are tables whose INSERT statements never read bookings
// nor the outbox: a kept write of bookings or of the outbox may wait
// behind them. An insert into outbox_bodies checks that its outbox row
// exists (the foreign key), but bun's come right after bun inserted that
// row (Enqueue), or updated it (ReleaseHeldMail), which sent the kept
// writes first.
var behindTables = map[string]bool{"outbox": true, "outbox_bodies": true, "audit_log": true, "processed_messages": true,
	"meeting_versions": true}

// readsBookings reports whether the statement e may read bookings (or
// depend on their rows): anything but an INSERT into behindTables.
func readsBookings(e *bun.QueryEvent) bool {
	q, ok := e.IQuery.(*bun.InsertQuery)
	return !ok || !behindTables[q.GetTableName()] || !strings.EqualFold(queryWord(strings.TrimSpace(e.Query)), "INSERT")
}

func (*prefetchHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// after returns what remains valid of a once the statement e runs (nil
// for nothing).
func (a *ahead) after(e *bun.QueryEvent) *ahead {
	q := strings.TrimSpace(e.Query)
	if strings.Contains(q, ";") {
		return nil // several statements, or a literal that looks so
	}
	op := strings.ToUpper(queryWord(q))
	switch e.IQuery.(type) {
	case *bun.InsertQuery, *bun.UpdateQuery:
		if op == "INSERT" || op == "UPDATE" {
			return a.wrote(e.IQuery.GetTableName())
		}
		return nil
	}
	if op == "SELECT" {
		return a
	}
	return nil
}

// queryWord is the first word of a statement.
func queryWord(q string) string {
	if i := strings.IndexFunc(q, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '(' }); i >= 0 {
		return q[:i]
	}
	return q
}

// otherTables are the tables no read ahead comes from.
var otherTables = map[string]bool{"audit_log": true, "outbox_bodies": true, "processed_messages": true, "mailbox_state": true,
	"chat_links": true, "chat_nonces": true, "zoom_alerts": true, "zoom_held_mails": true, "zoom_jobs": true,
	"zoom_meetings": true, "zoom_recordings": true}

// wrote returns what remains valid of a once table was written: a table
// named otherwise (an expression, say) forgets everything.
func (a *ahead) wrote(table string) *ahead {
	if a == nil {
		return nil
	}
	switch {
	case table == "bookings":
		a.meetings, a.windows, a.holds, a.people, a.ids = nil, nil, nil, nil, nil
		a.spans, a.spanRows = nil, nil
	case table == "open_series":
		a.people = nil
	case table == "meeting_versions":
		a.versions = nil
	case table == "outbox":
		a.counts = nil
	case !otherTables[table]:
		return nil
	}
	return a
}

// saveBookingBehind keeps the save of r, b's row, to be sent with the
// next flush (write-behind), when what was read ahead tells what the plain
// save would return: the row's ID and stored creation time when it
// exists (read with its meeting and unchanged since), or, for a new row,
// the ID reserved for it (gateway.Reads.Saves), then inserted with that
// ID (without ON CONFLICT: a row that appeared meanwhile is an error, not
// a row with another ID). It reports whether it kept the save; until it
// is sent, any statement that may read bookings sends it first.
func (t *tx) saveBookingBehind(b *gateway.Booking, r *bookingRow) (bool, error) {
	a := t.ahead
	if t.conn == nil || a == nil || a.meetings == nil {
		return false, nil
	}
	rows, ok := a.meetings[gateway.MeetingRef{Organizer: r.Organizer, UID: r.UID}]
	if !ok {
		return false, nil
	}
	var sql string
	var args []any
	var id int64
	created := pgTime(r.CreatedAt)
	if i := slices.IndexFunc(rows, func(s bookingRow) bool { return s.RecurrenceID == r.RecurrenceID }); i >= 0 {
		sql, args, id, created = pgUpsertBookingSQL, bookingValues(r, pgAt), rows[i].ID, rows[i].CreatedAt
	} else if id, ok = a.ids[gateway.BookingKey{Organizer: r.Organizer, UID: r.UID, RecurrenceID: r.RecurrenceID}]; ok {
		r.ID = id
		sql, args = pgInsertBookingSQL, append([]any{id}, bookingValues(r, pgAt)...)
	} else {
		return false, nil
	}
	if _, err := t.deferPrepared("bookings", sql, args...); err != nil {
		return true, err
	}
	b.ID, b.CreatedAt = id, utc(created)
	return true, nil
}

// enqueueBehind keeps the inserts of r, m's outbox row, and of its bytes
// unless later (EnqueueLater: storeBody keeps them at the end), to be
// sent with the next flush (write-behind), under an ID reserved by the
// read ahead (gateway.Reads.Mails). It reports whether it kept them;
// until they are sent, any statement that may read the outbox sends them
// first.
func (t *tx) enqueueBehind(m *gateway.OutboxMail, r *outboxRow, later bool) (bool, error) {
	a := t.ahead
	if t.conn == nil || a == nil || len(a.mailIDs) == 0 {
		return false, nil
	}
	r.ID = a.mailIDs[0]
	a.mailIDs = a.mailIDs[1:]
	if _, err := t.deferPrepared("outbox", pgEnqueueSQL, append([]any{r.ID}, outboxValues(r, pgAt)...)...); err != nil {
		return true, err
	}
	m.ID = r.ID
	if later {
		return true, nil
	}
	if _, err := t.deferPrepared("outbox", pgEnqueueBodySQL, r.ID, r.Raw); err != nil {
		return true, err
	}
	return true, nil
}
