package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// Write-behind on PostgreSQL. A decision ends with writes whose result it
// does not read: the audit entry, the meeting's versions, and the record
// of the message, last. Each would be a round trip of its own; instead,
// the first two are kept and sent with the record as one pipeline of
// prepared statements (pgprepared.go; one round trip, whose last result,
// the record's row count, says whether the message was a duplicate).
// Kept writes are also sent before any read of their tables in the
// transaction (Message, Versions) and before the commit, so the
// transaction sees what it wrote, and their errors belong to the message
// that made them. After a read ahead, the decision's booking and its
// reply's outbox row can be kept too (saveBookingBehind, enqueueBehind):
// they are sent with the next read ahead or flush, or before any
// statement that may read bookings or the outbox (prefetchHook). SQLite,
// in-process, runs each write at once.

// deferWrite keeps the query's SQL to be sent with the next flush and
// reports true, on PostgreSQL; elsewhere it does nothing and reports false.
func (t *tx) deferWrite(q *bun.InsertQuery) (bool, error) {
	if t.s.driver != DriverPostgres {
		return false, nil
	}
	b, err := q.AppendQuery(q.DB().QueryGen(), nil)
	if err != nil {
		return true, err
	}
	t.kept(q.GetTableName(), pgStatement{sql: string(b)})
	return true, nil
}

// deferPrepared keeps a write of table, sql with placeholders ($1…) and
// its arguments, to be sent as a prepared statement with the next flush,
// and reports true, on PostgreSQL within Update; elsewhere it does
// nothing and reports false. A string holding NUL is refused at once,
// as bun refuses it.
func (t *tx) deferPrepared(table, sql string, args ...any) (bool, error) {
	if t.s.driver != DriverPostgres || t.conn == nil {
		return false, nil
	}
	if err := refuseNUL(args); err != nil {
		return true, err
	}
	t.kept(table, pgStatement{sql: sql, args: args, prepare: true})
	return true, nil
}

// kept adds a write of table to the kept writes. A write of open_series
// counts as one of bookings: reads of bookings read it too (a person's
// bookings say which are open series), and any statement that may read
// bookings sends it first.
func (t *tx) kept(table string, st pgStatement) {
	t.pending = append(t.pending, st)
	t.ahead = t.ahead.wrote(table)
	t.pendingBookings = t.pendingBookings || table == "bookings" || table == "open_series"
	t.pendingOutbox = t.pendingOutbox || table == "outbox"
}

// flush sends the kept writes, followed by last when not nil, in one
// round trip, and returns the number of rows the last statement wrote.
func (t *tx) flush(ctx context.Context, last *pgStatement) (rows int64, err error) {
	stmts := t.pending
	if last != nil {
		stmts = append(stmts, *last)
	}
	t.pending, t.pendingBookings, t.pendingOutbox = nil, false, false
	if len(stmts) == 0 {
		return 0, nil
	}
	if t.conn == nil {
		// Outside Update: no kept prepared write (deferPrepared), and
		// the others go as one simple-protocol query.
		sqls := make([]string, len(stmts))
		for i, st := range stmts {
			sqls[i] = st.sql
		}
		res, err := t.db.ExecContext(ctx, strings.Join(sqls, ";\n"))
		if err != nil {
			return 0, fmt.Errorf("write %d statement(s): %w", len(stmts), err)
		}
		return res.RowsAffected()
	}
	if err = pipelineOn(ctx, t.conn, stmts, countRows(stmts, &rows)); err != nil {
		return 0, fmt.Errorf("write %d statement(s): %w", len(stmts), err)
	}
	return rows, nil
}
