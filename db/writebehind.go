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
// the first two are kept as SQL text and sent with the record as one
// simple-protocol query (several statements, one round trip, one result:
// the record's, whose row count says whether the message was a
// duplicate). Kept writes are also sent before any read of their tables
// in the transaction (Message, Versions) and before the commit, so the
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
	t.pending = append(t.pending, string(b))
	table := q.GetTableName()
	t.ahead = t.ahead.wrote(table)
	t.pendingBookings = t.pendingBookings || table == "bookings"
	t.pendingOutbox = t.pendingOutbox || table == "outbox"
	return true, nil
}

// flush sends the kept writes, followed by last when not empty, in one
// round trip, and returns the result of the last statement.
func (t *tx) flush(ctx context.Context, last string) (rows int64, err error) {
	stmts := t.pending
	if last != "" {
		stmts = append(stmts, last)
	}
	t.pending, t.pendingBookings, t.pendingOutbox = nil, false, false
	if len(stmts) == 0 {
		return 0, nil
	}
	res, err := t.db.ExecContext(ctx, strings.Join(stmts, ";\n"))
	if err != nil {
		return 0, fmt.Errorf("write %d statement(s): %w", len(stmts), err)
	}
	return res.RowsAffected()
}
