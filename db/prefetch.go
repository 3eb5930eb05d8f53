package db

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// Reading ahead on PostgreSQL. Each read of a decision is a round trip
// of its own, and once an invitation is analysed the gateway knows what
// its decision will read (gateway.Reads). Prefetch sends those reads
// together as one pipeline of prepared statements (one round trip; see
// pgprepared.go), after the writes kept by write-behind, and keeps the
// rows. The
// reads then answer from them when asked the same question: the same
// statement's rows, scanned by pgx instead of bun.
//
// What was read is forgotten as soon as the transaction writes to a table
// it came from (prefetchHook sees every statement bun sends in the
// transaction): an INSERT or UPDATE of bookings forgets the bookings read,
// one of the outbox the counts, and so on; any other statement but a
// plain SELECT forgets everything. A read after a write therefore goes to
// the database and sees the write. This relies on no trigger or cascade
// making a write to one table change another (the schema has none).
//
// A question asked with a later instant than the one read ahead (the
// holds and a person's bookings "ending after now", the replies "since an
// hour ago") is answered from the rows read, filtered as the statement
// would have: the later bound only leaves out rows. The counts of replies
// are read with the instants of the rows in the first minute of the hour,
// so that a later count is the earlier one less the rows the hour has
// since left behind.

// countMargin is how long after the read ahead a count of replies may be
// answered from it.
const countMargin = time.Minute

// ahead is what Prefetch read in the current transaction.
type ahead struct {
	maxLen   time.Duration
	meetings map[gateway.MeetingRef][]bookingRow
	versions map[gateway.MeetingRef][]gateway.Version
	windows  map[[2]time.Time][]bookingRow
	// spans are the spans read for OverlappingAny (by their pgTime
	// bounds), valid with spanRows, the rows read.
	spans    map[[2]time.Time]bool
	spanRows []bookingRow
	holds    *afterRows
	people   map[string]*afterRows
	counts   *countsAhead
	// ids are the IDs reserved for new rows of bookings (Reads.Saves),
	// valid with meetings.
	ids map[gateway.BookingKey]int64
	// mailIDs are the IDs reserved for outbox rows (Reads.Mails), used
	// in order by Enqueue; they stay valid whatever the transaction
	// writes.
	mailIDs []int64
}

// afterRows are the rows of a read bounded by an instant, after.
type afterRows struct {
	after time.Time
	rows  []bookingRow
	open  []bool
}

// countsAhead are CountOutboxesLast's answers for qs and last: n[i] rows
// for qs[i], early[i] the instants of those created before until.
type countsAhead struct {
	qs     []gateway.OutboxQuery
	n      []int
	early  [][]time.Time
	until  []time.Time
	last   gateway.OutboxQuery
	lastAt time.Time
}

// pgTime is an instant as bun writes it in a PostgreSQL statement: UTC,
// truncated to the microsecond.
func pgTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// aheadBookings is bookings for rows kept to be returned again: each
// answer has its own Request bytes.
func aheadBookings(rows []bookingRow) []gateway.Booking {
	out := bookings(rows)
	for i := range out {
		out[i].Request = bytes.Clone(out[i].Request)
	}
	return out
}

func (a *ahead) bookingsOf(organizer, uid string) ([]gateway.Booking, bool) {
	if a == nil || a.meetings == nil {
		return nil, false
	}
	rows, ok := a.meetings[gateway.MeetingRef{Organizer: organizer, UID: uid}]
	if !ok {
		return nil, false
	}
	return aheadBookings(rows), true
}

func (a *ahead) versionsOf(organizer, uid string) ([]gateway.Version, bool) {
	if a == nil || a.versions == nil {
		return nil, false
	}
	vs, ok := a.versions[gateway.MeetingRef{Organizer: organizer, UID: uid}]
	return slices.Clone(vs), ok
}

func (a *ahead) overlapping(from, to time.Time, maxLen time.Duration) ([]gateway.Booking, bool) {
	if a == nil || a.windows == nil || maxLen != a.maxLen {
		return nil, false
	}
	rows, ok := a.windows[[2]time.Time{pgTime(from), pgTime(to)}]
	if !ok {
		return nil, false
	}
	return aheadBookings(rows), true
}

// holdsAfter answers Holds(after) when the rows read ahead hold its rows:
// those that start after after-maxLen and end after after.
func (a *ahead) holdsAfter(after time.Time, maxLen time.Duration) ([]gateway.Booking, bool) {
	if a == nil || a.holds == nil || maxLen != a.maxLen || pgTime(after).Before(a.holds.after) {
		return nil, false
	}
	lower, end := pgTime(after.Add(-maxLen)), pgTime(after)
	var rows []bookingRow
	for _, r := range a.holds.rows {
		if r.StartAt.After(lower) && r.EndAt.After(end) {
			rows = append(rows, r)
		}
	}
	return aheadBookings(rows), true
}

// personBookings answers PersonBookingsOpen(person, after) when the rows
// read ahead hold its rows: those that end after after.
func (a *ahead) personBookings(person string, after time.Time) ([]gateway.Booking, []bool, bool) {
	if a == nil || a.people == nil {
		return nil, nil, false
	}
	p, ok := a.people[person]
	if !ok || pgTime(after).Before(p.after) {
		return nil, nil, false
	}
	end := pgTime(after)
	var rows []bookingRow
	open := make([]bool, 0, len(p.rows))
	for i, r := range p.rows {
		if r.EndAt.After(end) {
			rows, open = append(rows, r), append(open, p.open[i])
		}
	}
	return aheadBookings(rows), open, true
}

// countsLast answers CountOutboxesLast(qs, last) when each query is one
// read ahead with the same Since or a later one within countMargin.
func (a *ahead) countsLast(qs []gateway.OutboxQuery, last gateway.OutboxQuery) ([]int, time.Time, bool) {
	if a == nil || a.counts == nil {
		return nil, time.Time{}, false
	}
	c := a.counts
	if len(qs) != len(c.qs) || last != c.last {
		return nil, time.Time{}, false
	}
	ns := make([]int, len(qs))
	for i, q := range qs {
		r := c.qs[i]
		since := pgTime(q.Since)
		if q.UID != r.UID || q.To != r.To || q.Kind != r.Kind || q.Since.IsZero() != r.Since.IsZero() {
			return nil, time.Time{}, false
		}
		if q.Since.IsZero() {
			ns[i] = c.n[i]
			continue
		}
		if since.Before(pgTime(r.Since)) || since.After(c.until[i]) {
			return nil, time.Time{}, false
		}
		ns[i] = c.n[i]
		for _, at := range c.early[i] {
			if at.Before(since) {
				ns[i]--
			}
		}
	}
	return ns, c.lastAt, true
}

// aheadRead is one statement of a read ahead, with placeholders, its
// arguments, and what scans its rows.
type aheadRead struct {
	sql  string
	args []any
	scan func(pgx.Rows) error
}

// Prefetch reads r in one round trip and keeps the rows for the reads
// that follow (see above). It implements gateway.Prefetcher; on SQLite,
// where a read is no round trip, it does nothing.
func (t *tx) Prefetch(ctx context.Context, r gateway.Reads) error {
	if t.conn == nil {
		return nil
	}
	t.ahead = nil
	a := &ahead{maxLen: time.Duration(t.s.maxLen.Load())}
	reads, err := t.aheadReads(a, r)
	if err != nil {
		return err
	}
	if err := t.sendKept(ctx, reads...); err != nil {
		return fmt.Errorf("read ahead: %w", err)
	}
	t.ahead = a
	return nil
}

// aheadReads builds the statements that read r into a.
func (t *tx) aheadReads(a *ahead, r gateway.Reads) ([]aheadRead, error) {
	var reads []aheadRead
	var err error
	// build builds a statement with placeholders: its arguments go to p.
	add := func(build func(p *pgArgs) bun.Query, scan func(pgx.Rows) error) {
		if err != nil {
			return
		}
		p := &pgArgs{}
		var b []byte
		if b, err = build(p).AppendQuery(t.s.w.QueryGen(), nil); err == nil {
			reads = append(reads, aheadRead{string(b), p.vals, scan})
		}
	}
	if len(r.Bookings) > 0 {
		a.meetings = map[gateway.MeetingRef][]bookingRow{}
	}
	for _, m := range r.Bookings {
		add(func(p *pgArgs) bun.Query { return t.bookingsOfQuery((*bookingRow)(nil), p, m.Organizer, m.UID) }, func(rows pgx.Rows) error {
			bs, _, err := scanBookingRows(rows, false)
			a.meetings[m] = bs
			return err
		})
	}
	if len(r.Versions) > 0 {
		a.versions = map[gateway.MeetingRef][]gateway.Version{}
	}
	for _, m := range r.Versions {
		add(func(p *pgArgs) bun.Query { return t.versionsQuery((*versionRow)(nil), p, m.Organizer, m.UID) }, func(rows pgx.Rows) error {
			vs, err := scanVersionRows(rows)
			a.versions[m] = vs
			return err
		})
	}
	if len(r.Overlapping) > 0 {
		a.windows = map[[2]time.Time][]bookingRow{}
	}
	for _, w := range r.Overlapping {
		add(func(p *pgArgs) bun.Query { return t.overlappingQuery((*bookingRow)(nil), p, w.Start, w.End) }, func(rows pgx.Rows) error {
			bs, _, err := scanBookingRows(rows, false)
			a.windows[[2]time.Time{pgTime(w.Start), pgTime(w.End)}] = bs
			return err
		})
	}
	var series gateway.SeriesReads
	if r.Series != nil {
		series = r.Series()
	}
	if spans := series.Spans; len(spans) > 0 {
		a.spans = map[[2]time.Time]bool{}
		for _, sp := range spans {
			a.spans[[2]time.Time{pgTime(sp.Start), pgTime(sp.End)}] = true
		}
		add(func(p *pgArgs) bun.Query { return overlappingAnyQuery(t.db, p, spans, a.maxLen) }, func(rows pgx.Rows) error {
			bs, _, err := scanBookingRows(rows, false)
			a.spanRows = bs
			return err
		})
	}
	if r.Holds {
		add(func(p *pgArgs) bun.Query { return t.holdsQuery((*bookingRow)(nil), p, r.HoldsAfter) }, func(rows pgx.Rows) error {
			bs, _, err := scanBookingRows(rows, false)
			a.holds = &afterRows{after: pgTime(r.HoldsAfter), rows: bs}
			return err
		})
	}
	if len(r.People) > 0 {
		a.people = map[string]*afterRows{}
	}
	for _, p := range r.People {
		add(func(args *pgArgs) bun.Query { return t.personQuery(args, p, r.PeopleAfter, true) }, func(rows pgx.Rows) error {
			bs, open, err := scanBookingRows(rows, true)
			sortBookingRows(bs, func(i, j int) { open[i], open[j] = open[j], open[i] })
			a.people[p] = &afterRows{after: pgTime(r.PeopleAfter), rows: bs, open: open}
			return err
		})
	}
	for _, k := range r.Saves {
		// Only for a row that does not exist: an ID reserved and not
		// used is a gap in the sequence, as a rolled back insert leaves.
		sel := func(p *pgArgs) bun.Query {
			return t.db.NewSelect().ColumnExpr(`CASE WHEN EXISTS (SELECT 1 FROM bookings
			WHERE organizer = ? AND uid = ? AND recurrence_id = ?) THEN NULL
			ELSE nextval(pg_get_serial_sequence('bookings', 'id')) END`, p.v(k.Organizer), p.v(k.UID), p.v(k.RecurrenceID))
		}
		add(sel, func(rows pgx.Rows) error {
			var id *int64
			for rows.Next() {
				if err := rows.Scan(&id); err != nil {
					return err
				}
			}
			if id != nil {
				if a.ids == nil {
					a.ids = map[gateway.BookingKey]int64{}
				}
				a.ids[k] = *id
			}
			return rows.Err()
		})
	}
	if keys := series.Saves; len(keys) > 0 {
		add(func(p *pgArgs) bun.Query { return reserveQuery(t.db, p, len(keys)) }, func(rows pgx.Rows) error {
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			slices.Sort(ids)
			if a.ids == nil {
				a.ids = map[gateway.BookingKey]int64{}
			}
			for i := range min(len(ids), len(keys)) {
				if _, ok := a.ids[keys[i]]; !ok {
					a.ids[keys[i]] = ids[i]
				}
			}
			return rows.Err()
		})
	}
	if r.Mails > 0 {
		// IDs from the outbox's sequence, increasing: a mail queued
		// without one later gets a higher ID, so ID order stays the
		// order of queueing. An ID not used is a gap in the sequence.
		sel := func(p *pgArgs) bun.Query {
			return t.db.NewSelect().ColumnExpr("nextval(pg_get_serial_sequence('outbox', 'id'))").
				TableExpr("generate_series(1, ?::integer)", p.v(r.Mails))
		}
		add(sel, func(rows pgx.Rows) error {
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				a.mailIDs = append(a.mailIDs, id)
			}
			slices.Sort(a.mailIDs)
			return rows.Err()
		})
	}
	if r.Last != nil {
		c := &countsAhead{qs: r.Counts, n: make([]int, len(r.Counts)), early: make([][]time.Time, len(r.Counts)),
			until: make([]time.Time, len(r.Counts)), last: *r.Last}
		for i, q := range r.Counts {
			c.until[i] = pgTime(q.Since).Add(countMargin)
			sel := func(p *pgArgs) bun.Query {
				return t.selectOutbox(p, q).ColumnExpr("count(*)").
					ColumnExpr("array_agg(created_at) FILTER (WHERE created_at < ?)", p.v(c.until[i]))
			}
			add(sel, func(rows pgx.Rows) error {
				return scanOne(rows, &c.n[i], &c.early[i])
			})
		}
		add(func(p *pgArgs) bun.Query { return t.lastOutboxQuery(p, *r.Last) }, func(rows pgx.Rows) error {
			var at *time.Time
			for rows.Next() {
				if err := rows.Scan(&at); err != nil {
					return err
				}
			}
			if at != nil {
				c.lastAt = utc(*at)
			}
			return rows.Err()
		})
		a.counts = c
	}
	return reads, err
}

// runAhead sends the kept writes and the reads, prepared, in one pipeline
// on the transaction's connection (pgprepared.go), and scans each read's
// rows.
func (t *tx) runAhead(ctx context.Context, writes []pgStatement, reads []aheadRead) error {
	stmts := slices.Clip(writes)
	for _, r := range reads {
		stmts = append(stmts, pgStatement{sql: r.sql, args: r.args, prepare: true})
	}
	if len(stmts) == 0 {
		return nil
	}
	err := pipelineOn(ctx, t.conn, stmts, func(i int, rows pgx.Rows) error {
		if i < len(writes) {
			_, err := writes[i].written(rows)
			return err
		}
		return reads[i-len(writes)].scan(rows)
	})
	if err != nil {
		return fmt.Errorf("%d statement(s): %w", len(stmts), err)
	}
	return nil
}

// bookingRowColumns are the columns of a bookingRow, in the order bun
// selects them (the struct's).
var bookingRowColumns = []string{"id", "uid", "recurrence_id", "room", "organizer", "organizer_name", "summary",
	"start_at", "end_at", "sequence", "dtstamp", "status", "reason", "message_id", "lang",
	"created_at", "updated_at", "request", "expires_at", "approval", "actor", "host", "provider", "tool_room", "options"}

// checkColumns fails unless the rows' columns are names.
func checkColumns(rows pgx.Rows, names []string) error {
	fds := rows.FieldDescriptions()
	if len(fds) != len(names) {
		return fmt.Errorf("%d columns, want %d", len(fds), len(names))
	}
	for i, fd := range fds {
		if fd.Name != names[i] {
			return fmt.Errorf("column %d is %q, want %q", i, fd.Name, names[i])
		}
	}
	return nil
}

// scanBookingRows scans bookingRows as bun would, followed, when open,
// by the open_series column.
func scanBookingRows(rows pgx.Rows, open bool) ([]bookingRow, []bool, error) {
	names := bookingRowColumns
	if open {
		names = append(slices.Clone(names), "open_series")
	}
	if err := checkColumns(rows, names); err != nil {
		return nil, nil, err
	}
	var out []bookingRow
	var opens []bool
	for rows.Next() {
		var r bookingRow
		var stamp, expires *time.Time
		var isOpen bool
		dest := []any{&r.ID, &r.UID, &r.RecurrenceID, &r.Room, &r.Organizer, &r.OrganizerName, &r.Summary,
			&r.StartAt, &r.EndAt, &r.Sequence, &stamp, &r.Status, &r.Reason, &r.MessageID, &r.Lang,
			&r.CreatedAt, &r.UpdatedAt, &r.Request, &expires, &r.Approval, &r.Actor, &r.Host, &r.Provider, &r.ToolRoom, &r.Options}
		if open {
			dest = append(dest, &isOpen)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		r.StartAt, r.EndAt, r.CreatedAt, r.UpdatedAt = utc(r.StartAt), utc(r.EndAt), utc(r.CreatedAt), utc(r.UpdatedAt)
		if stamp != nil {
			r.DTStamp = utc(*stamp)
		}
		if expires != nil {
			r.ExpiresAt = utc(*expires)
		}
		out, opens = append(out, r), append(opens, isOpen)
	}
	return out, opens, rows.Err()
}

// scanVersionRows scans a versionRow query's rows.
func scanVersionRows(rows pgx.Rows) ([]gateway.Version, error) {
	if err := checkColumns(rows, []string{"organizer", "uid", "recurrence_id", "sequence", "dtstamp", "updated_at"}); err != nil {
		return nil, err
	}
	out := []gateway.Version{}
	for rows.Next() {
		var org, uid string
		var v gateway.Version
		var stamp *time.Time
		var updated time.Time
		if err := rows.Scan(&org, &uid, &v.RecurrenceID, &v.Sequence, &stamp, &updated); err != nil {
			return nil, err
		}
		if stamp != nil {
			v.DTStamp = utc(*stamp)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanOne scans the one row of rows into dest.
func scanOne(rows pgx.Rows, n *int, early *[]time.Time) error {
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	var ats []time.Time
	if err := rows.Scan(n, &ats); err != nil {
		return err
	}
	for i := range ats {
		ats[i] = utc(ats[i])
	}
	*early = ats
	for rows.Next() {
	}
	return rows.Err()
}
