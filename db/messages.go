package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// Message returns the record of an already processed message, or (nil, nil)
// when the key is unknown.
func (s *Store) Message(ctx context.Context, key string) (*gateway.ProcessedMessage, error) {
	if s.hot != nil {
		m, err := messageHot(ctx, nil, s.hot.messageRead, key)
		return m, markUnavailable(err)
	}
	m, err := message(ctx, s.r, key)
	return m, markUnavailable(err)
}

// Message is Store.Message inside the transaction.
func (t *tx) Message(ctx context.Context, key string) (*gateway.ProcessedMessage, error) {
	if _, err := t.flush(ctx, nil); err != nil {
		return nil, err
	}
	if t.s.hot != nil {
		return messageHot(ctx, t, t.s.hot.message, key)
	}
	return message(ctx, t.db, key)
}

// Messages returns the records of those of keys already processed, in one
// query. It implements gateway.MessageLookup.
func (t *tx) Messages(ctx context.Context, keys []string) (map[string]*gateway.ProcessedMessage, error) {
	if _, err := t.flush(ctx, nil); err != nil {
		return nil, err
	}
	var rows []messageRow
	if err := t.db.NewSelect().Model(&rows).Where("key IN (?)", bun.List(keys)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("get processed messages: %w", err)
	}
	out := make(map[string]*gateway.ProcessedMessage, len(rows))
	for i := range rows {
		out[rows[i].Key] = rows[i].message()
	}
	return out, nil
}

func message(ctx context.Context, db bun.IDB, key string) (*gateway.ProcessedMessage, error) {
	var r messageRow
	err := db.NewSelect().Model(&r).Where("key = ?", key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get processed message: %w", err)
	}
	return r.message(), nil
}

// RecordNew is RecordMessage for a message the transaction looked up and
// did not find (gateway.NewRecorder). On PostgreSQL within Update the
// record is kept with the writes kept before it (writebehind.go) and sent
// with the transaction's next statement, at the latest with its commit.
// Unlike RecordMessage's, this insert fails on a key already recorded:
// the server's error stops the statements after it, the commit among
// them, and is reported as gateway.ErrDuplicate. Elsewhere RecordNew is
// RecordMessage.
func (t *tx) RecordNew(ctx context.Context, m gateway.ProcessedMessage) error {
	if m.At.IsZero() {
		m.At = now()
	}
	if t.s.driver != DriverPostgres || t.conn == nil {
		return t.RecordMessage(ctx, m)
	}
	args := messageValues(toMessageRow(m), pgAt)
	if err := refuseNUL(args); err != nil {
		return fmt.Errorf("record message: %w", err)
	}
	key := m.Key
	t.kept("processed_messages", pgStatement{sql: pgInsertMessageSQL, args: args, prepare: true,
		failed: func(err error) error {
			if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == pgUniqueViolation {
				return fmt.Errorf("record message %s: %w", key, gateway.ErrDuplicate)
			}
			return err
		}})
	return nil
}

// pgUniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const pgUniqueViolation = "23505"

// RecordMessage stores that a message was processed. It fails with
// gateway.ErrDuplicate if the key is already recorded. The insert does
// nothing on conflict instead of failing, so the transaction stays usable
// (a failed statement would abort a PostgreSQL transaction). A zero m.At is
// recorded as now.
func (t *tx) RecordMessage(ctx context.Context, m gateway.ProcessedMessage) error {
	if m.At.IsZero() {
		m.At = now()
	}
	var n int64
	if t.s.hot != nil {
		var err error
		if n, err = t.recordMessageHot(ctx, toMessageRow(m)); err != nil {
			return fmt.Errorf("record message: %w", err)
		}
	} else if q := t.db.NewInsert().Model(toMessageRow(m)).On("CONFLICT (key) DO NOTHING"); t.s.driver == DriverPostgres {
		// With the writes kept before it, in one round trip.
		last := pgStatement{sql: pgRecordMessageSQL, args: messageValues(toMessageRow(m), pgAt), prepare: t.conn != nil}
		var err error
		if !last.prepare {
			var b []byte
			b, err = q.AppendQuery(q.DB().QueryGen(), nil)
			last = pgStatement{sql: string(b)}
		} else {
			err = refuseNUL(last.args)
		}
		if err == nil {
			n, err = t.flush(ctx, &last)
		}
		if err != nil {
			return fmt.Errorf("record message: %w", err)
		}
	} else {
		res, err := q.Exec(ctx)
		if err != nil {
			return fmt.Errorf("record message: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("record message: %w", err)
		}
	}
	if n == 0 {
		return fmt.Errorf("record message %s: %w", m.Key, gateway.ErrDuplicate)
	}
	return nil
}

// CountMessages returns how many processed messages there are per action
// (accepted, declined, ignored…).
func (s *Store) CountMessages(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Action string `bun:"action"`
		N      int    `bun:"n"`
	}
	err := s.r.NewSelect().Model((*messageRow)(nil)).
		Column("action").ColumnExpr("COUNT(*) AS n").Group("action").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count messages: %w", err)
	}
	counts := make(map[string]int, len(rows))
	for _, r := range rows {
		counts[r.Action] = r.N
	}
	return counts, nil
}
