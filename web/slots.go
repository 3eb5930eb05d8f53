package web

import (
	"sort"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// span is a half-open time range [start, end).
type span struct{ start, end time.Time }

// minFree is the shortest free slot worth showing.
const minFree = 15 * time.Minute

// fullSpans returns, sorted and merged, where at least limit of the spans
// overlap: when the account can take no further meeting.
func fullSpans(spans []span, limit int) []span {
	type edge struct {
		at    time.Time
		delta int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		if s.end.After(s.start) {
			edges = append(edges, edge{s.start, 1}, edge{s.end, -1})
		}
	}
	// Ends sort before starts at the same instant: ranges are half-open.
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta
	})
	var out []span
	n := 0
	for _, e := range edges {
		n += e.delta
		switch {
		case e.delta > 0 && n == limit:
			if k := len(out); k > 0 && out[k-1].end.Equal(e.at) {
				out[k-1].end = time.Time{} // the previous span goes on
			} else {
				out = append(out, span{start: e.at})
			}
		case e.delta < 0 && n == limit-1:
			out[len(out)-1].end = e.at
		}
	}
	return out
}

// subtract returns the parts of [from, to) that no busy span covers, each
// at least minFree long. busy must be sorted and not overlapping.
func subtract(from, to time.Time, busy []span) []span {
	var out []span
	cur := from
	for _, b := range busy {
		if !b.end.After(cur) {
			continue
		}
		if !b.start.Before(to) {
			break
		}
		if b.start.Sub(cur) >= minFree {
			out = append(out, span{cur, b.start})
		}
		cur = b.end
	}
	if to.Sub(cur) >= minFree {
		out = append(out, span{cur, to})
	}
	return out
}

// buffered returns the accepted bookings' spans widened by buffer on both
// sides, as the gateway keeps them free.
func buffered(bs []gateway.Booking, buffer time.Duration) []span {
	out := make([]span, 0, len(bs))
	for _, b := range bs {
		out = append(out, span{b.Start.Add(-buffer), b.End.Add(buffer)})
	}
	return out
}

// accepted keeps the bookings members see as booked: accepted, and
// pending a facilitator's approval (which holds its slot). A slot held
// for a proposal is never shown (see occupying).
func accepted(bs []gateway.Booking) []gateway.Booking {
	out := bs[:0:0]
	for _, b := range bs {
		if b.Status == gateway.StatusAccepted || b.Status == gateway.StatusPending {
			out = append(out, b)
		}
	}
	return out
}

// occupying keeps the bookings that take the account at now: those
// shown, and the slots held for a proposal until they expire.
func occupying(bs []gateway.Booking, now time.Time) []gateway.Booking {
	out := bs[:0:0]
	for _, b := range bs {
		if b.Occupies(now) {
			out = append(out, b)
		}
	}
	return out
}

// waitingFor counts the requests waiting for a slot that overlaps b.
func waitingFor(b gateway.Booking, bs []gateway.Booking) int {
	n := 0
	for _, w := range bs {
		if w.Status == gateway.StatusWaiting && w.Start.Before(b.End) && w.End.After(b.Start) {
			n++
		}
	}
	return n
}

// atClock returns the instant of a wall-clock offset from midnight on the
// day of d in loc, correct across DST changes.
func atClock(d time.Time, off time.Duration, loc *time.Location) time.Time {
	y, m, day := d.In(loc).Date()
	mins := int(off / time.Minute)
	return time.Date(y, m, day, mins/60, mins%60, 0, 0, loc)
}

// mondayOf returns midnight of the Monday of the week holding t, in loc.
func mondayOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	back := (int(t.Weekday()) + 6) % 7
	y, m, d := t.Date()
	return time.Date(y, m, d-back, 0, 0, 0, 0, loc)
}
