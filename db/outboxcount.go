package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"github.com/uptrace/bun"
)

// CountOutboxes counts the rows of each query in one statement (one round
// trip on PostgreSQL): SELECT (SELECT count(*) …), (SELECT count(*) …),
// each subquery through its own index, as CountOutbox would one by one.
// It implements gateway.OutboxCounter.
func (t *tx) CountOutboxes(ctx context.Context, qs []gateway.OutboxQuery) ([]int, error) {
	out, _, err := t.countOutboxes(ctx, qs, nil)
	return out, err
}

// CountOutboxesLast is CountOutboxes with, in the same statement, the
// latest created_at of the rows last selects (LastOutbox's subquery):
// a reply's limits and its DTSTAMP in one round trip instead of two. It
// implements gateway.OutboxStamper.
func (t *tx) CountOutboxesLast(ctx context.Context, qs []gateway.OutboxQuery, last gateway.OutboxQuery) ([]int, time.Time, error) {
	if t.s.hot != nil {
		if out, at, ok, err := t.countOutboxesHot(ctx, qs, last); ok {
			return out, at, err
		}
	}
	if ns, at, ok := t.ahead.countsLast(qs, last); ok {
		return ns, at, nil
	}
	return t.countOutboxes(ctx, qs, t.lastOutboxQuery(nil, last))
}

// lastOutboxQuery selects the latest created_at of the rows q selects,
// with its arguments written in, or as placeholders added to p.
func (t *tx) lastOutboxQuery(p *pgArgs, q gateway.OutboxQuery) *bun.SelectQuery {
	return t.selectOutbox(p, q).Column("created_at").Order("created_at DESC").Limit(1)
}

func (t *tx) countOutboxes(ctx context.Context, qs []gateway.OutboxQuery, last *bun.SelectQuery) ([]int, time.Time, error) {
	sels := make([]*bun.SelectQuery, 0, len(qs)+1)
	for _, q := range qs {
		sels = append(sels, t.selectOutbox(nil, q).ColumnExpr("count(*)"))
	}
	if last != nil {
		sels = append(sels, last)
	}
	parts := make([]string, len(sels))
	for i, sel := range sels {
		b, err := sel.AppendQuery(sel.DB().QueryGen(), nil)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("count outbox: %w", err)
		}
		parts[i] = "(" + string(b) + ")"
	}
	out := make([]int, len(qs))
	dest := make([]any, len(sels))
	for i := range out {
		dest[i] = &out[i]
	}
	var stamp any
	if last != nil {
		dest[len(qs)] = &stamp
	}
	// bun's hook counts the statement.
	if err := t.db.QueryRowContext(ctx, "SELECT "+strings.Join(parts, ", ")).Scan(dest...); err != nil {
		return nil, time.Time{}, fmt.Errorf("count outbox: %w", err)
	}
	at, err := scannedTime(stamp)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("last outbox row: %w", err)
	}
	return out, at, nil
}

// scannedTime converts an instant scanned from a subquery, whose column
// type the driver no longer knows: PostgreSQL's driver gives a time, SQLite
// the text bun wrote (sqliteTimeLayout); NULL (no row) is the zero time.
func scannedTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return v.UTC(), nil
	case string:
		return parseStoredTime(v)
	case []byte:
		return parseStoredTime(string(v))
	}
	return time.Time{}, fmt.Errorf("unexpected %T for an instant", v)
}

func parseStoredTime(s string) (time.Time, error) {
	t, err := time.Parse(sqliteTimeLayout, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
