package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun/schema"
)

// Prepared statements on PostgreSQL.
//
// bun writes a statement's arguments into its text, which the store sends
// with the simple protocol: PostgreSQL parses and plans every statement
// anew. For most statements that costs little beside the round trip, but
// the reads ahead of a decision (prefetch.go) are ten statements or so
// per invitation, and parsing and planning them took about three quarters
// of the server's time for them: 1.1 ms against 0.28 ms prepared, measured
// with pgbench on the statements of one decision (docs/operator.md,
// "Measuring it"). Those statements are therefore built with placeholders
// (pgArgs), prepared once per connection under a name derived from their
// text, and sent together as one pipeline of Bind/Execute messages.
//
// A statement prepared on a connection stays there until the connection
// closes: behind a pooler that moves sessions between server connections
// (PgBouncer in transaction mode before 1.21), prepared statements fail;
// see docs/operator.md.

// pgArgs collects the arguments of a statement built with placeholders
// ($1, $2…) instead of literals. A nil *pgArgs writes each argument in,
// as bun does: query builders take one so that the same builder serves
// both.
type pgArgs struct{ vals []any }

// v returns x for a statement written by bun (p nil), or a placeholder
// for x, which p keeps as the next argument.
func (p *pgArgs) v(x any) any {
	if p == nil {
		return x
	}
	p.vals = append(p.vals, x)
	return pgPlaceholder(len(p.vals))
}

// pgPlaceholder is the nth placeholder of a statement, as bun appends it.
type pgPlaceholder int

func (n pgPlaceholder) AppendQuery(_ schema.QueryGen, b []byte) ([]byte, error) {
	return strconv.AppendInt(append(b, '$'), int64(n), 10), nil
}

// pgStatement is one statement of a pipeline: sql with placeholders and
// its arguments, prepared when prepare is set; else sql is sent as it is
// (an unnamed statement, parsed each time), without arguments.
type pgStatement struct {
	sql     string
	args    []any
	prepare bool
	// done, when set, is given the statement's command tag once it ran;
	// its error fails the pipeline (a COMMIT that rolled back, updatePG).
	// The statements after it in the pipeline ran: only the server's own
	// errors stop them.
	done func(pgconn.CommandTag) error
	// failed, when set, is given the statement's error and returns the
	// one to report (a kept record's unique violation is ErrDuplicate,
	// RecordNew).
	failed func(error) error
}

// written drains a write's result and returns how many rows it wrote,
// after st.done, when set.
func (st *pgStatement) written(r pgx.Rows) (int64, error) {
	for r.Next() {
	}
	r.Close()
	if err := r.Err(); err != nil {
		return 0, err
	}
	tag := r.CommandTag()
	if st.done != nil {
		if err := st.done(tag); err != nil {
			return 0, err
		}
	}
	return tag.RowsAffected(), nil
}

// preparedName names a prepared statement after its text, so that the same
// text is prepared once per connection.
func preparedName(sql string) string {
	h := sha256.Sum256([]byte(sql))
	return "rg_" + hex.EncodeToString(h[:12])
}

// pipelineOn is pipeline on the pgx connection under c, a connection of
// the store's pool; it counts as one round trip.
func pipelineOn(ctx context.Context, c *sql.Conn, stmts []pgStatement, result func(i int, rows pgx.Rows) error) error {
	statements.Add(1)
	return c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		return pipeline(ctx, sc.Conn(), stmts, result)
	})
}

// countRows is a pipeline result of stmts, all writes, that keeps in n
// the number of rows each statement wrote: the last statement's, once the
// pipeline is over.
func countRows(stmts []pgStatement, n *int64) func(int, pgx.Rows) error {
	return func(i int, r pgx.Rows) error {
		var err error
		*n, err = stmts[i].written(r)
		return err
	}
}

// pipeline sends stmts on c in one round trip (statements prepared the
// first time this connection sees them cost one more each) and calls
// result for each statement's result in order, with the rows of those
// that return rows. An error ends it: the statements after a failed one
// are not run, and the transaction they run in is aborted, as with one
// multi-statement query.
func pipeline(ctx context.Context, c *pgx.Conn, stmts []pgStatement, result func(i int, rows pgx.Rows) error) error {
	batch := &pgconn.Batch{}
	for _, st := range stmts {
		if !st.prepare {
			batch.ExecParams(st.sql, nil, nil, nil, nil)
			continue
		}
		sd, err := c.Prepare(ctx, preparedName(st.sql), st.sql)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		var eqb pgx.ExtendedQueryBuilder
		if err := eqb.Build(c.TypeMap(), sd, st.args); err != nil {
			return fmt.Errorf("arguments of %s: %w", sd.Name, err)
		}
		batch.ExecStatement(sd, eqb.ParamValues, eqb.ParamFormats, eqb.ResultFormats)
	}
	mrr := c.PgConn().ExecBatch(ctx, batch)
	var err error
	for i := range stmts {
		if !mrr.NextResult() {
			// The server's error, if that is what ended the results.
			if err = mrr.Close(); err == nil {
				err = fmt.Errorf("%d results for %d statements", i, len(stmts))
			} else if stmts[i].failed != nil {
				err = stmts[i].failed(err)
			}
			break
		}
		rows := pgx.RowsFromResultReader(c.TypeMap(), mrr.ResultReader())
		err = result(i, rows)
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			if stmts[i].failed != nil {
				err = stmts[i].failed(err)
			}
			break
		}
	}
	if cerr := mrr.Close(); err == nil {
		err = cerr
	}
	return err
}

// The hot writes on PostgreSQL: SQLite's statements (hot.go, hotwrite.go)
// with PostgreSQL's placeholders, and the inserts of rows whose ID was
// reserved by a read ahead.
var (
	pgInsertBookingSQL = pgPlaceholders(`INSERT INTO bookings (id, ` + strings.Join(bookingInsertColumns, ", ") +
		`) VALUES (` + placeholders(len(bookingInsertColumns)+1) + `)`)
	pgUpsertBookingSQL = pgPlaceholders(upsertBookingSQL)
	pgEnqueueSQL       = pgPlaceholders(`INSERT INTO outbox (id, ` + outboxInsertColumns + `) VALUES (` + placeholders(15) + `)`)
	pgEnqueueBodySQL   = pgPlaceholders(enqueueBodySQL)
	pgAuditSQL         = pgPlaceholders(auditSQL)
	pgRecordMessageSQL = pgPlaceholders(recordMessageSQL)
	pgInsertMessageSQL = pgPlaceholders(insertMessageSQL)
	pgSaveVersionSQL   = pgPlaceholders(saveVersionSQL)
)

// pgPlaceholders numbers the placeholders of a statement written for
// SQLite with plain ?: the nth becomes $n. The statements it is given
// hold no ? elsewhere (no literal, no comment).
func pgPlaceholders(sql string) string {
	var b strings.Builder
	n := 0
	for _, r := range sql {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pgAt is an instant as a placeholder's value on PostgreSQL.
func pgAt(t time.Time) any { return t.UTC() }
