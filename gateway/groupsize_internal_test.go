package gateway

import (
	"context"
	"testing"
	"time"
)

// A decision group is sized from the pace of the last one so that it
// lasts about the bound: on SQLite it holds the write lock the "sent"
// marks of the outbox wait for (see groupTime).
func TestNextGroupSize(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		n     int
		took  time.Duration
		bound time.Duration
		want  int
	}{
		{32, 320 * ms, 50 * ms, 5},      // 10 ms a decision on a loaded machine
		{5, 50 * ms, 50 * ms, 5},        // steady
		{32, 16 * ms, 50 * ms, 32},      // fast: the groups stay whole
		{8, 10 * ms, 50 * ms, 32},       // faster again: back to maxGroup
		{32, 1500 * ms, 50 * ms, 2},     // very slow: still a group
		{4, 0, 50 * ms, maxGroup},       // no measure
		{0, 10 * ms, 50 * ms, maxGroup}, // no messages
	} {
		if got := nextGroupSize(c.n, c.took, c.bound); got != c.want {
			t.Errorf("nextGroupSize(%d, %s, %s) = %d, want %d", c.n, c.took, c.bound, got, c.want)
		}
	}
}

// A decision group takes the gate when no delivery holds it, and goes
// ahead without it when one does past the wait (here its context ends).
func TestWaitGate(t *testing.T) {
	g := &Gateway{gate: make(chan struct{}, 1)}
	if !g.waitGate(context.Background(), time.Hour) {
		t.Fatal("free gate not taken")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if g.waitGate(ctx, time.Hour) {
		t.Fatal("gate held by a delivery taken twice")
	}
	<-g.gate
	if !g.waitGate(ctx, time.Hour) {
		t.Fatal("gate freed but not taken")
	}
}
