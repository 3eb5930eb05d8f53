package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// The statements every decision runs, for every date it decides.
//
// modernc SQLite spends more time parsing and planning a statement than
// running an indexed lookup, and bun sends each query as new text with its
// arguments written in. On SQLite these statements are therefore written
// with placeholders and prepared once, on the writer connection; each
// transaction reuses them. PostgreSQL, where a statement costs a round trip
// rather than its parsing, keeps bun's queries.

// sqliteTimeLayout is how bun's SQLite dialect writes an instant (always
// UTC). Instants are stored as this text, whose byte order is their time
// order, so placeholders must be given the same form.
const sqliteTimeLayout = "2006-01-02 15:04:05.999999-07:00"

func sqliteTime(t time.Time) string { return t.UTC().Format(sqliteTimeLayout) }

// bookingColumns are the columns a bookingRow is scanned from.
const bookingColumns = `b.id, b.uid, b.recurrence_id, b.room, b.organizer, b.organizer_name, b.summary,
	b.start_at, b.end_at, b.sequence, b.dtstamp, b.status, b.reason, b.message_id, b.lang,
	b.created_at, b.updated_at, b.expires_at, b.approval, b.request, b.actor,
	b.host, b.provider, b.tool_room, b.options`

const (
	// bookingsOfSQL is BookingsOf, by the unique (organizer, uid,
	// recurrence_id) index.
	bookingsOfSQL = `SELECT ` + bookingColumns + ` FROM bookings AS b WHERE b.organizer = ? AND b.uid = ? ORDER BY b.recurrence_id`

	// overlappingSQL is Overlapping: one range scan of the (status,
	// start_at, end_at) index per status (byStatus), unordered.
	// Arguments: lower bound of start_at (from minus the longest
	// booking), to, from.
	overlappingSQL = `SELECT ` + bookingColumns + ` FROM bookings AS b
	WHERE b.status = {status} AND b.start_at > ?1 AND b.start_at < ?2 AND b.end_at > ?3`

	// bookingKeysSQL reads back what SaveBookings needs of the rows of one
	// meeting (organizer, uid) it saved: their id and created_at, by the
	// unique (organizer, uid, recurrence_id) index.
	bookingKeysSQL = `SELECT recurrence_id, id, created_at FROM bookings WHERE organizer = ? AND uid = ?`

	// overlappingAnySQL is OverlappingAny in one statement: the spans come
	// as one JSON array of strings (spansText), each the [lower, to, from]
	// instants of one span padded to ?2 characters, and each span drives
	// one range scan of the index, as overlappingSQL does. The spans are
	// materialized first so that they form the outer loop. Cutting a plain
	// string costs less than reading a JSON array per span (value->>0,
	// value->>1, value->>2 parsed each span's array three times): 52 spans
	// took 500 µs of CPU that way, 425 µs cut.
	overlappingAnySQL = `WITH w AS MATERIALIZED (
		SELECT rtrim(substr(value, 1, ?2)) AS lo, rtrim(substr(value, ?2 + 1, ?2)) AS hi,
			rtrim(substr(value, 2 * ?2 + 1, ?2)) AS fr
		FROM json_each(?1)
	)
	SELECT ` + bookingColumns + ` FROM w CROSS JOIN bookings AS b
	WHERE b.status IN ('accepted', 'held', 'pending') AND b.start_at > w.lo AND b.start_at < w.hi AND b.end_at > w.fr`
)

// upsertBookingSQL is saveBookingSQL without RETURNING, for SaveBookings.
// SQLite runs an INSERT of several rows, or one with RETURNING (a
// trigger), in a statement transaction: every page it touches is first
// copied to a statement journal, freed at the end of the statement. For
// the 52 dates of a weekly series that copying and freeing cost more than
// the inserts themselves. A one-row upsert that no trigger follows needs
// no statement journal (if it fails, the decision's transaction is rolled
// back anyway), so SaveBookings runs this statement once per row and reads
// the ids back with bookingKeysSQL, once per meeting.
var upsertBookingSQL = strings.TrimSuffix(strings.TrimSpace(saveBookingSQL), "RETURNING id, created_at")

// hotStatements are the prepared statements of one SQLite database.
type hotStatements struct {
	bookingsOf, overlapping, overlappingAny          *sql.Stmt
	personBookings, personQuota, holds, versions     *sql.Stmt
	saveBooking, enqueue, audit, record, saveVersion *sql.Stmt
	enqueueBody                                      *sql.Stmt
	upsertBooking, bookingKeys                       *sql.Stmt
	outboxSent                                       *sql.Stmt
	outboxDue, outboxClaimOne, outboxRead            *sql.Stmt
	// message is on the writer, messageRead on the readers' pool.
	message, messageRead *sql.Stmt
	// counts are the reply limits' statements (hotwrite.go), by countShape.
	counts map[string]*sql.Stmt
}

// all are the statements, for closing.
func (h *hotStatements) all() []*sql.Stmt {
	sts := []*sql.Stmt{h.bookingsOf, h.overlapping, h.overlappingAny, h.personBookings, h.personQuota, h.holds, h.versions,
		h.saveBooking, h.enqueue, h.audit, h.record, h.saveVersion, h.message, h.messageRead, h.upsertBooking, h.bookingKeys, h.outboxSent,
		h.outboxDue, h.outboxClaimOne, h.outboxRead, h.enqueueBody}
	for _, st := range h.counts {
		sts = append(sts, st)
	}
	return sts
}

// prepareHot prepares the hot statements on the writer pool. It runs once
// the schema exists, before any transaction holds the only writer
// connection.
func (s *Store) prepareHot(ctx context.Context) error {
	h := &hotStatements{}
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&h.bookingsOf, bookingsOfSQL},
		{&h.overlapping, byStatus(overlappingSQL, occupying)},
		{&h.overlappingAny, overlappingAnySQL},
		{&h.personBookings, byStatus(personBookingsSQL, quotaStatuses)},
		{&h.personQuota, byStatus(personQuotaSQL, quotaStatuses)},
		{&h.holds, byStatus(holdsSQL, holdStatuses)},
		{&h.versions, versionsSQL},
		{&h.saveBooking, saveBookingSQL},
		{&h.enqueue, enqueueSQL},
		{&h.enqueueBody, enqueueBodySQL},
		{&h.audit, auditSQL},
		{&h.record, recordMessageSQL},
		{&h.saveVersion, saveVersionSQL},
		{&h.message, messageSQL},
		{&h.upsertBooking, upsertBookingSQL},
		{&h.bookingKeys, bookingKeysSQL},
		{&h.outboxSent, outboxSentSQL},
		{&h.outboxDue, outboxDueSQL},
		{&h.outboxClaimOne, outboxClaimOneSQL},
		{&h.outboxRead, outboxReadSQL},
	} {
		st, err := s.w.DB.PrepareContext(ctx, p.sql)
		if err != nil {
			h.close()
			return fmt.Errorf("prepare statement: %w", err)
		}
		*p.dst = st
	}
	st, err := s.r.DB.PrepareContext(ctx, messageSQL)
	if err != nil {
		h.close()
		return fmt.Errorf("prepare statement: %w", err)
	}
	h.messageRead = st
	if err := s.prepareCounts(ctx, h); err != nil {
		h.close()
		return err
	}
	s.hot = h
	return nil
}

func (h *hotStatements) close() error {
	if h == nil {
		return nil
	}
	var err error
	for _, st := range h.all() {
		if st != nil {
			err = errors.Join(err, st.Close())
		}
	}
	return err
}

// scanHot runs a prepared statement in the transaction and scans its rows
// into dest. database/sql reuses the statement already prepared on the
// transaction's connection. The rows are read without bun: its reflection
// costs more than the query.
func (t *tx) scanHot(ctx context.Context, st *sql.Stmt, dest *[]bookingRow, args ...any) error {
	return t.scanHotOpen(ctx, st, dest, nil, args...)
}

// scanHotOpen is scanHot for a statement whose rows end with one more
// column, a boolean, appended to open.
func (t *tx) scanHotOpen(ctx context.Context, st *sql.Stmt, dest *[]bookingRow, open *[]bool, args ...any) error {
	if err := refuseNUL(args); err != nil {
		return err
	}
	ts := t.btx.StmtContext(ctx, st)
	defer ts.Close()
	statements.Add(1)
	rows, err := ts.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	// The columns are scanned into the same variables row after row, and
	// each row copied out: one set of destinations, not one per row.
	var r bookingRow
	var start, end, created, updated string
	var stamp, expires sql.NullString
	var isOpen bool
	var request any
	cols := []any{&r.ID, &r.UID, &r.RecurrenceID, &r.Room, &r.Organizer, &r.OrganizerName, &r.Summary,
		&start, &end, &r.Sequence, &stamp, &r.Status, &r.Reason, &r.MessageID, &r.Lang,
		&created, &updated, &expires, &r.Approval, &request, &r.Actor,
		&r.Host, &r.Provider, &r.ToolRoom, &r.Options}
	if open != nil {
		cols = append(cols, &isOpen)
	}
	for rows.Next() {
		r = bookingRow{}
		if err := rows.Scan(cols...); err != nil {
			return err
		}
		r.Request = requestBytes(request)
		for _, f := range []struct {
			dst *time.Time
			src string
		}{{&r.StartAt, start}, {&r.EndAt, end}, {&r.DTStamp, stamp.String}, {&r.CreatedAt, created}, {&r.UpdatedAt, updated}, {&r.ExpiresAt, expires.String}} {
			if f.src == "" {
				continue
			}
			if *f.dst, err = time.Parse(sqliteTimeLayout, f.src); err != nil {
				return fmt.Errorf("booking %d: %w", r.ID, err)
			}
		}
		*dest = append(*dest, r)
		if open != nil {
			*open = append(*open, isOpen)
		}
	}
	return rows.Err()
}

// scanHotQuota runs st, a statement of quotaColumns and whether the
// booking's meeting is a series without end, and returns its rows.
func (t *tx) scanHotQuota(ctx context.Context, st *sql.Stmt, args ...any) ([]bookingRow, []bool, error) {
	if err := refuseNUL(args); err != nil {
		return nil, nil, err
	}
	ts := t.btx.StmtContext(ctx, st)
	defer ts.Close()
	statements.Add(1)
	rows, err := ts.QueryContext(ctx, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []bookingRow
	var opens []bool
	var r bookingRow
	var start, end string
	var expires sql.NullString
	var isOpen bool
	cols := []any{&r.ID, &r.UID, &r.RecurrenceID, &r.Organizer, &r.Actor, &r.Status, &start, &end, &expires, &isOpen}
	for rows.Next() {
		r = bookingRow{}
		if err := rows.Scan(cols...); err != nil {
			return nil, nil, err
		}
		for _, f := range []struct {
			dst *time.Time
			src string
		}{{&r.StartAt, start}, {&r.EndAt, end}, {&r.ExpiresAt, expires.String}} {
			if f.src == "" {
				continue
			}
			if *f.dst, err = time.Parse(sqliteTimeLayout, f.src); err != nil {
				return nil, nil, fmt.Errorf("booking %d: %w", r.ID, err)
			}
		}
		out, opens = append(out, r), append(opens, isOpen)
	}
	return out, opens, rows.Err()
}

// byStatus joins with UNION ALL one copy of query per status, {status}
// replaced by the status as a literal. An IN list on an indexed column
// makes SQLite build an ephemeral table at every run of the statement (a
// page cache mapped and unmapped); equalities do not, and each copy is
// still a range scan of the index. The rows come unordered: the callers
// sort them (sortBookingRows).
func byStatus(query string, statuses []string) string {
	parts := make([]string, len(statuses))
	for i, st := range statuses {
		parts[i] = strings.ReplaceAll(query, "{status}", "'"+st+"'")
	}
	return strings.Join(parts, "\n\tUNION ALL\n\t")
}

// sortBookingRows orders rows by start, then ID, as the ORDER BY of bun's
// queries; swap, when not nil, follows each move (a parallel slice).
func sortBookingRows(rows []bookingRow, swap func(i, j int)) {
	sort.Sort(bookingOrder{rows, swap})
}

type bookingOrder struct {
	rows []bookingRow
	swap func(i, j int)
}

func (o bookingOrder) Len() int { return len(o.rows) }
func (o bookingOrder) Less(i, j int) bool {
	a, b := &o.rows[i], &o.rows[j]
	if !a.StartAt.Equal(b.StartAt) {
		return a.StartAt.Before(b.StartAt)
	}
	return a.ID < b.ID
}
func (o bookingOrder) Swap(i, j int) {
	o.rows[i], o.rows[j] = o.rows[j], o.rows[i]
	if o.swap != nil {
		o.swap(i, j)
	}
}

// requestBytes is a scanned request column as bun gives it: nil for NULL,
// a non-nil slice for a blob, even an empty one (which the driver returns
// as a nil []byte).
func requestBytes(v any) []byte {
	switch v := v.(type) {
	case []byte:
		if v == nil {
			return []byte{}
		}
		return v
	case string:
		return []byte(v)
	}
	return nil
}

// spansText encodes spans as overlappingAnySQL expects them: a JSON array
// with one string per span, its lower bound of start_at (Start minus
// maxLen), End and Start, each padded with spaces to width characters.
// An instant never ends with a space, so rtrim gives it back whole; it is
// digits, spaces and "-:.+", which JSON writes as they are.
func spansText(spans []gateway.Span, maxLen time.Duration) (text string, width int) {
	triples := make([][3]string, len(spans))
	for i, sp := range spans {
		triples[i] = [3]string{sqliteTime(sp.Start.Add(-maxLen)), sqliteTime(sp.End), sqliteTime(sp.Start)}
		for _, s := range triples[i] {
			width = max(width, len(s))
		}
	}
	var b strings.Builder
	b.Grow(2 + len(spans)*(3*width+3))
	b.WriteByte('[')
	for i, tr := range triples {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, s := range tr {
			b.WriteString(s)
			for range width - len(s) {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String(), width
}
