package web

import (
	"container/list"
	"sync"
	"time"
)

// The start-link limiter counts the uses of each link (booking ID) in the
// last hour. Its memory is bounded without forgetting the links that
// matter, as a segmented LRU does (Karedla, Love and Wherry, "Caching
// strategies to improve disk system performance", IEEE Computer, 1994):
//   - a link is first "on probation": those, most of them used once by
//     whoever requests random IDs, are kept in least-recently-used order
//     and the oldest forgotten beyond startProbation of them. Forgetting
//     one grants it at most startProtectAt-1 more uses in its hour, for
//     startProbation other IDs requested;
//   - a link used startProtectAt times within the hour is "protected":
//     kept until its hour is over. When startProtected links are, the one
//     with the fewest uses in its hour goes back on probation, and only
//     for a link used more.
//
// Flooding the limiter with IDs thus never resets a link that reached its
// limit: its place is taken only by links used more often within the hour.
const (
	startWindow    = time.Hour
	startProtectAt = 3
	startProbation = 10000
	startProtected = 10000
)

// startLimiter allows up to perHour uses of each start link per hour.
type startLimiter struct {
	perHour                  int
	maxProbation, maxProtect int

	mu        sync.Mutex
	entries   map[int64]*startEntry
	probation *list.List // of *startEntry, the most recent first
	protected map[int64]*startEntry
}

// startEntry is one link's uses within the window, oldest first.
type startEntry struct {
	id   int64
	uses []time.Time
	elem *list.Element // in probation; nil once protected
}

func newStartLimiter(perHour int) *startLimiter {
	return &startLimiter{perHour: perHour, maxProbation: startProbation, maxProtect: startProtected,
		entries: map[int64]*startEntry{}, probation: list.New(), protected: map[int64]*startEntry{}}
}

// allow counts a use of link id at now, unless it was used perHour times
// in the last hour.
func (l *startLimiter) allow(id int64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[id]
	if e == nil {
		e = &startEntry{id: id}
		e.elem = l.probation.PushFront(e)
		l.entries[id] = e
		l.trimProbation()
	} else if e.elem != nil {
		l.probation.MoveToFront(e.elem)
	}
	e.uses = recentUses(e.uses, now)
	if len(e.uses) >= l.perHour {
		return false
	}
	e.uses = append(e.uses, now)
	if e.elem != nil && len(e.uses) >= startProtectAt {
		l.protect(e, now)
	}
	return true
}

// recentUses drops the uses older than the window.
func recentUses(uses []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(uses) && now.Sub(uses[i]) >= startWindow {
		i++
	}
	return append(uses[:0], uses[i:]...)
}

// trimProbation forgets the least recently used probation entries beyond
// the bound.
func (l *startLimiter) trimProbation() {
	for l.probation.Len() > l.maxProbation {
		old := l.probation.Remove(l.probation.Back()).(*startEntry)
		delete(l.entries, old.id)
	}
}

// protect moves e out of probation. When the protected links are too
// many, those whose hour is over are forgotten, and, if none was, the one
// used least goes back on probation for e when e was used more; otherwise
// e stays on probation.
func (l *startLimiter) protect(e *startEntry, now time.Time) {
	if len(l.protected) >= l.maxProtect {
		var least *startEntry
		for id, p := range l.protected {
			if p.uses = recentUses(p.uses, now); len(p.uses) == 0 {
				delete(l.protected, id)
				delete(l.entries, id)
			} else if least == nil || len(p.uses) < len(least.uses) {
				least = p
			}
		}
		if len(l.protected) >= l.maxProtect {
			if least == nil || len(least.uses) >= len(e.uses) {
				return
			}
			delete(l.protected, least.id)
			least.elem = l.probation.PushFront(least)
		}
	}
	l.probation.Remove(e.elem)
	e.elem = nil
	l.protected[e.id] = e
	l.trimProbation()
}

// size returns how many links are remembered, in probation and protected.
func (l *startLimiter) size() (probation, protected int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.probation.Len(), len(l.protected)
}
