package db

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// Process-wide counts of the statements (round trips: several statements
// sent as one count once) and write transactions of every Store, for
// `roomgate bench`.
var statements, commits atomic.Int64

// Counts returns how many statements every Store of this process has run,
// and how many write transactions it has committed.
func Counts() (stmts, txs int64) { return statements.Load(), commits.Load() }

// countHook counts each statement bun runs. Prepared statements run
// outside bun (hot.go) count themselves.
type countHook struct{}

func (countHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (countHook) AfterQuery(context.Context, *bun.QueryEvent)                        { statements.Add(1) }
