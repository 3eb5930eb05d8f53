package db

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// Process-wide counts of the statements and write transactions sent by
// every Store, for `roomgate bench` (statements per invitation).
var statements, commits atomic.Int64

// Counts returns how many statements every Store of this process has run,
// and how many write transactions it has committed.
func Counts() (stmts, txs int64) { return statements.Load(), commits.Load() }

// countHook counts each statement bun runs. Prepared statements run
// outside bun (hot.go) count themselves.
type countHook struct{}

func (countHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (countHook) AfterQuery(context.Context, *bun.QueryEvent)                        { statements.Add(1) }
