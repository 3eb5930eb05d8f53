package web

import (
	"testing"
	"time"
)

// TestStartLimiterKeepsRecentLinks: a link that reached its limit stays
// limited however many other IDs are requested meanwhile (the old
// limiter forgot everything after 10,000 of them), memory stays bounded,
// and the link is allowed again once its hour is over.
func TestStartLimiterKeepsRecentLinks(t *testing.T) {
	l := newStartLimiter(startsPerHour)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const link = 42
	for i := range startsPerHour {
		if !l.allow(link, now.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("use %d of the link refused", i+1)
		}
	}
	now = now.Add(time.Minute)
	if l.allow(link, now) {
		t.Fatal("use 31 within the hour allowed")
	}
	// An attacker requests 3 × 10,001 other IDs, each once, and 10,001
	// more three times each (enough to fill the protected entries).
	id := int64(1000)
	for range 3 * (startProbation + 1) {
		id++
		l.allow(id, now)
	}
	for range startProtected + 1 {
		id++
		for range startProtectAt {
			l.allow(id, now)
		}
	}
	if l.allow(link, now.Add(time.Second)) {
		t.Fatal("the limited link was forgotten after other IDs")
	}
	prob, prot := l.size()
	if prob > startProbation || prot > startProtected || len(l.entries) != prob+prot {
		t.Fatalf("remembered %d in probation, %d protected, %d entries: beyond the bounds", prob, prot, len(l.entries))
	}
	// A link used more than the attacker's IDs is kept too.
	const close = 7
	for range startProtectAt + 1 {
		l.allow(close, now)
	}
	for range 2 * startProbation {
		id++
		l.allow(id, now)
	}
	if e := l.entries[close]; e == nil || len(e.uses) != startProtectAt+1 {
		t.Errorf("the link used %d times is forgotten: %+v", startProtectAt+1, e)
	}
	if prob, prot := l.size(); prob > startProbation || prot > startProtected || len(l.entries) != prob+prot {
		t.Fatalf("remembered %d in probation, %d protected, %d entries: beyond the bounds", prob, prot, len(l.entries))
	}

	// An hour after its first uses, the link works again, and the sweep
	// forgets the protected entries whose hour is over.
	later := now.Add(startWindow)
	if !l.allow(link, later) {
		t.Fatal("the link is still refused an hour later")
	}
	for range startProtectAt {
		l.allow(id+1, later.Add(time.Minute))
	}
	if _, prot := l.size(); prot > 2 {
		t.Errorf("%d protected entries after the sweep, want the link and the new one", prot)
	}
}

// TestStartLimiterWindow: uses older than an hour no longer count.
func TestStartLimiterWindow(t *testing.T) {
	l := newStartLimiter(2)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		after time.Duration
		want  bool
	}{{0, true}, {30 * time.Minute, true}, {59 * time.Minute, false}, {time.Hour, true}, {80 * time.Minute, false}, {90 * time.Minute, true}} {
		if got := l.allow(1, t0.Add(tc.after)); got != tc.want {
			t.Errorf("use at +%s: allowed %v, want %v", tc.after, got, tc.want)
		}
	}
}
