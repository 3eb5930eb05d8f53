package db

import (
	"context"
	"fmt"
	"strings"

	"codeberg.org/opteos/roomgate/gateway"
)

// CountOutboxes counts the rows of each query in one statement (one round
// trip on PostgreSQL): SELECT (SELECT count(*) …), (SELECT count(*) …),
// each subquery through its own index, as CountOutbox would one by one.
// It implements gateway.OutboxCounter.
func (t *tx) CountOutboxes(ctx context.Context, qs []gateway.OutboxQuery) ([]int, error) {
	parts := make([]string, len(qs))
	for i, q := range qs {
		sel := t.selectOutbox(q).ColumnExpr("count(*)")
		b, err := sel.AppendQuery(sel.DB().QueryGen(), nil)
		if err != nil {
			return nil, fmt.Errorf("count outbox: %w", err)
		}
		parts[i] = "(" + string(b) + ")"
	}
	out := make([]int, len(qs))
	dest := make([]any, len(qs))
	for i := range out {
		dest[i] = &out[i]
	}
	statements.Add(1)
	if err := t.db.QueryRowContext(ctx, "SELECT "+strings.Join(parts, ", ")).Scan(dest...); err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	return out, nil
}
