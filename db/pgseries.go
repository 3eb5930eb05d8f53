package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// A series on PostgreSQL: the statements of a decision about many dates
// (OverlappingAny, SaveBookings, SaveOpenSeries, DeleteOpenSeries) as
// prepared statements (pgprepared.go), sent on the transaction's
// connection with the writes kept behind or kept behind themselves,
// instead of bun's with the values written in. bun formatted the 52 rows
// of a weekly series' insert and scanned its rows back by reflection, and
// PostgreSQL parsed and planned each statement anew.

// pgBookingTypes are the types of the columns of bookings that are not
// text, for the arrays of pgSaveBookingsSQL.
var pgBookingTypes = map[string]string{"start_at": "timestamptz", "end_at": "timestamptz", "sequence": "integer",
	"dtstamp": "timestamptz", "created_at": "timestamptz", "updated_at": "timestamptz", "request": "bytea",
	"expires_at": "timestamptz"}

// pgSaveBookingsSQL is SaveBookings' upsert: bookingInsertColumns, each
// given as one array holding that column of every row (bookingArrays),
// whatever the number of rows, so that one prepared statement serves
// every series. unnest gives the rows in the arrays' order, in which they
// take their IDs, as from bun's multi-row VALUES.
var pgSaveBookingsSQL = `INSERT INTO bookings (` + strings.Join(bookingInsertColumns, ", ") + `)
	SELECT * FROM unnest(` + pgBookingArrays(1) + `)
	` + upsertBookingSQL[strings.Index(upsertBookingSQL, "ON CONFLICT"):] + `
	RETURNING id, organizer, uid, recurrence_id, created_at`

// pgInsertBookingsSQL inserts new rows under IDs reserved by a read
// ahead (saveBookingsBehind), given as a first array, without ON
// CONFLICT: a row that appeared meanwhile is an error, as in
// saveBookingBehind.
var pgInsertBookingsSQL = `INSERT INTO bookings (id, ` + strings.Join(bookingInsertColumns, ", ") + `)
	SELECT * FROM unnest($1::bigint[], ` + pgBookingArrays(2) + `)`

// pgBookingArrays are the placeholders of bookingArrays' arrays, cast to
// their columns' types, numbered from first.
func pgBookingArrays(first int) string {
	arrays := make([]string, len(bookingInsertColumns))
	for i, c := range bookingInsertColumns {
		typ := pgBookingTypes[c]
		if typ == "" {
			typ = "text"
		}
		arrays[i] = fmt.Sprintf("$%d::%s[]", first+i, typ)
	}
	return strings.Join(arrays, ", ")
}

// bookingArrays are the values of rows (bookingValues) column by column:
// for each column of bookingInsertColumns, one array of its values, a
// NULL as a nil element. A string holding NUL is refused, as bun
// refuses it.
func bookingArrays(rows []bookingRow) ([]any, error) {
	cols := make([][]any, len(bookingInsertColumns))
	for j := range cols {
		cols[j] = make([]any, 0, len(rows))
	}
	for i := range rows {
		vals := bookingValues(&rows[i], pgAt)
		if err := refuseNUL(vals); err != nil {
			return nil, err
		}
		for j, v := range vals {
			cols[j] = append(cols[j], v)
		}
	}
	out := make([]any, len(cols))
	for j, vals := range cols {
		switch pgBookingTypes[bookingInsertColumns[j]] {
		case "timestamptz":
			out[j] = typedArray[*time.Time](vals, func(v any) *time.Time { t := v.(time.Time); return &t })
		case "integer":
			out[j] = typedArray[int64](vals, func(v any) int64 { return v.(int64) })
		case "bytea":
			out[j] = typedArray[[]byte](vals, func(v any) []byte { return v.([]byte) })
		default:
			out[j] = typedArray[string](vals, func(v any) string { return v.(string) })
		}
	}
	return out, nil
}

// typedArray converts vals, each nil or of the one type conv takes: nil
// stays the zero T (NULL for a pointer or a slice).
func typedArray[T any](vals []any, conv func(any) T) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		if v != nil {
			out[i] = conv(v)
		}
	}
	return out
}

// saveBookingsPrepared is SaveBookings on PostgreSQL within Update: rows,
// the rows of chunk, upserted by pgSaveBookingsSQL, sent after the kept
// writes in one round trip; each booking of chunk gets the ID and
// creation time of its stored row.
func (t *tx) saveBookingsPrepared(ctx context.Context, chunk []*gateway.Booking, rows []bookingRow) error {
	args, err := bookingArrays(rows)
	if err != nil {
		return err
	}
	var saved []bookingRow
	scan := func(r pgx.Rows) error {
		var s bookingRow
		_, err := pgx.ForEachRow(r, []any{&s.ID, &s.Organizer, &s.UID, &s.RecurrenceID, &s.CreatedAt}, func() error {
			saved = append(saved, s)
			return nil
		})
		return err
	}
	if err := t.sendKept(ctx, aheadRead{sql: pgSaveBookingsSQL, args: args, scan: scan}); err != nil {
		return err
	}
	t.ahead = t.ahead.wrote("bookings")
	return setSaved(chunk, saved)
}

// saveBookingsBehind keeps the save of chunk, whose rows are rows, to be
// sent with the next flush (write-behind), when what was read ahead tells
// what the plain save would return for every booking: its stored ID and
// creation time (read with its meeting, unchanged since), or the ID
// reserved for its key (gateway.SeriesReads.Saves, reserveQuery). The rows stored
// are upserted, the new ones inserted under their IDs. It reports
// whether it kept the save.
func (t *tx) saveBookingsBehind(chunk []*gateway.Booking, rows []bookingRow) (bool, error) {
	a := t.ahead
	if t.conn == nil || a == nil || a.meetings == nil {
		return false, nil
	}
	ids, created := make([]int64, len(rows)), make([]time.Time, len(rows))
	var stored, fresh []bookingRow
	var freshIDs []int64
	for i := range rows {
		r := &rows[i]
		meeting, ok := a.meetings[gateway.MeetingRef{Organizer: r.Organizer, UID: r.UID}]
		if !ok {
			return false, nil
		}
		if j := slices.IndexFunc(meeting, func(s bookingRow) bool { return s.RecurrenceID == r.RecurrenceID }); j >= 0 {
			ids[i], created[i] = meeting[j].ID, meeting[j].CreatedAt
			stored = append(stored, *r)
		} else if id, ok := a.ids[gateway.BookingKey{Organizer: r.Organizer, UID: r.UID, RecurrenceID: r.RecurrenceID}]; ok {
			ids[i], created[i] = id, pgTime(r.CreatedAt)
			fresh, freshIDs = append(fresh, *r), append(freshIDs, id)
		} else {
			return false, nil
		}
	}
	if len(fresh) > 0 {
		args, err := bookingArrays(fresh)
		if err == nil {
			_, err = t.deferPrepared("bookings", pgInsertBookingsSQL, append([]any{freshIDs}, args...)...)
		}
		if err != nil {
			return true, err
		}
	}
	if len(stored) > 0 {
		args, err := bookingArrays(stored)
		if err == nil {
			_, err = t.deferPrepared("bookings", pgSaveBookingsSQL, args...)
		}
		if err != nil {
			return true, err
		}
	}
	for i, b := range chunk {
		b.ID, b.CreatedAt = ids[i], utc(created[i])
	}
	return true, nil
}

// reserveQuery reserves n IDs of bookings, increasing: those of the
// bookings a series may save (gateway.SeriesReads.Saves), used by
// saveBookingsBehind for those not yet stored. An ID not used is a gap in
// the sequence, as bun's upsert leaves one for each row already stored.
// The sequence is named once (an InitPlan), not once per row.
func reserveQuery(db bun.IDB, p *pgArgs, n int) bun.Query {
	return db.NewSelect().ColumnExpr("nextval((SELECT pg_get_serial_sequence('bookings', 'id'))::regclass)").
		TableExpr("generate_series(1, ?::integer)", p.v(n))
}

// overlappingAnyPrepared is OverlappingAny's queries on PostgreSQL within
// Update, one per chunk of spans, prepared, sent after the kept writes in
// one round trip; it returns their rows.
func (t *tx) overlappingAnyPrepared(ctx context.Context, chunks [][]gateway.Span, maxLen time.Duration) ([]bookingRow, error) {
	var rows []bookingRow
	reads := make([]aheadRead, len(chunks))
	for i, chunk := range chunks {
		p := &pgArgs{}
		b, err := overlappingAnyQuery(t.db, p, chunk, maxLen).AppendQuery(t.s.w.QueryGen(), nil)
		if err != nil {
			return nil, err
		}
		reads[i] = aheadRead{sql: string(b), args: p.vals, scan: func(r pgx.Rows) error {
			bs, _, err := scanBookingRows(r, false)
			rows = append(rows, bs...)
			return err
		}}
	}
	return rows, t.sendKept(ctx, reads...)
}

// overlappingAny answers OverlappingAny(spans) when every span was read
// ahead: the rows read that overlap one of them as overlappingAnyQuery
// says, each once, ordered by start and ID.
func (a *ahead) overlappingAny(spans []gateway.Span, maxLen time.Duration) ([]gateway.Booking, bool) {
	if a == nil || a.spans == nil || maxLen != a.maxLen || len(spans) == 0 {
		return nil, false
	}
	for _, sp := range spans {
		if !a.spans[[2]time.Time{pgTime(sp.Start), pgTime(sp.End)}] {
			return nil, false
		}
	}
	var rows []bookingRow
	seen := map[int64]bool{}
	for _, r := range a.spanRows {
		for _, sp := range spans {
			lo, hi, from := pgTime(sp.Start.Add(-maxLen)), pgTime(sp.End), pgTime(sp.Start)
			if !seen[r.ID] && r.StartAt.After(lo) && r.StartAt.Before(hi) && r.EndAt.After(from) {
				seen[r.ID] = true
				rows = append(rows, r)
			}
		}
	}
	if len(rows) == 0 {
		return nil, true // as OverlappingAny gives none
	}
	sortBookingRows(rows, nil)
	return aheadBookings(rows), true
}

// pgSaveOpenSeriesSQL and pgDeleteOpenSeriesSQL are SaveOpenSeries' and
// DeleteOpenSeries' statements, kept behind on PostgreSQL.
const (
	pgSaveOpenSeriesSQL = `INSERT INTO open_series (uid, organizer, room, calendar, message_id, horizon, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7)
	ON CONFLICT (organizer, uid) DO UPDATE SET room = EXCLUDED.room, calendar = EXCLUDED.calendar,
		message_id = EXCLUDED.message_id, horizon = EXCLUDED.horizon, updated_at = EXCLUDED.updated_at`
	pgDeleteOpenSeriesSQL = `DELETE FROM open_series WHERE organizer = $1 AND uid = $2`
)

// sendKept sends the kept writes, then stmts, prepared, in one round trip
// (runAhead), and scans each of stmts' rows.
func (t *tx) sendKept(ctx context.Context, stmts ...aheadRead) error {
	writes := t.pending
	t.pending, t.pendingBookings, t.pendingOutbox = nil, false, false
	return t.runAhead(ctx, writes, stmts)
}
