package gateway

import (
	"context"
	"sort"
	"time"
)

// interval is a half-open time range [start, end).
type interval struct{ start, end time.Time }

// meetingKey names a meeting: its organizer and its UID, and the room it
// asks for ("" for none in particular). The zero value names none.
type meetingKey struct{ organizer, uid, room string }

// owns reports whether b is a booking of the meeting.
func (m meetingKey) owns(b Booking) bool {
	return m.uid != "" && b.UID == m.uid && b.Organizer == m.organizer
}

// maxConcurrent returns the largest number of spans that cover one instant.
func maxConcurrent(spans []interval) int {
	if len(spans) <= 1 {
		return len(spans)
	}
	type edge struct {
		at    time.Time
		delta int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, sp := range spans {
		edges = append(edges, edge{sp.start, +1}, edge{sp.end, -1})
	}
	// Ends sort before starts at the same instant: [a,b) and [b,c) touch
	// without overlapping.
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta
	})
	cur, best := 0, 0
	for _, ed := range edges {
		cur += ed.delta
		if cur > best {
			best = cur
		}
	}
	return best
}

// suggestStep is the grid on which free slots are proposed.
const suggestStep = 15 * time.Minute

// suggestHorizon is how far before and after the asked slot free slots
// are searched.
const suggestHorizon = 14 * 24 * time.Hour

// freeSlots proposes up to Policy.Suggestions free slots of the asked
// length, the nearest to the asked start, before and after it (at least
// one of each side when both have one), in time order. They lie inside the
// policy's day hours (widened to the asked slot's own hours), never before
// now and never past the booking window. existing must hold every
// accepted booking from asked.start-suggestHorizon to
// asked.start+suggestHorizon (plus the longest booking and the buffer).
func (g *Gateway) freeSlots(existing []Booking, own meetingKey, asked interval) []Slot {
	n := g.opt.Policy.Suggestions
	after := g.freeSlotsN(existing, own, asked, n, suggestHorizon)
	before := g.freeSlotsBefore(existing, own, asked, n, suggestHorizon)
	return nearest(asked.start, before, after, n)
}

// nearest picks n slots from both sides of at: the nearest of each side
// first, then the nearest of the rest, and returns them in time order.
// before is ordered from at backwards, after from at forwards.
func nearest(at time.Time, before, after []Slot, n int) []Slot {
	var out []Slot
	take := func(s *[]Slot) {
		out = append(out, (*s)[0])
		*s = (*s)[1:]
	}
	if len(before) > 0 && len(after) > 0 && n >= 2 {
		take(&before)
		take(&after)
	}
	for len(out) < n && (len(before) > 0 || len(after) > 0) {
		switch {
		case len(after) == 0:
			take(&before)
		case len(before) == 0:
			take(&after)
		case at.Sub(before[0].Start) < after[0].Start.Sub(at):
			take(&before)
		default:
			take(&after)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// freeSlotsN is freeSlots for at most n slots within horizon of the asked
// start.
func (g *Gateway) freeSlotsN(existing []Booking, own meetingKey, asked interval, n int, horizon time.Duration) []Slot {
	p, loc := g.opt.Policy, g.opt.Location
	d := asked.end.Sub(asked.start)
	now := g.opt.Now()
	dayStart, dayEnd := g.dayHours(asked)
	limit := minTime(asked.start.Add(horizon), now.Add(p.BookingWindow))
	var out []Slot
	// Each skip below moves t to its last step before the first start that
	// could work; the loop's step then lands on or after that start, as
	// if every step had been tried.
	for t := roundUp(asked.start.Add(suggestStep), suggestStep); t.Before(limit) && len(out) < n; t = t.Add(suggestStep) {
		end := t.Add(d)
		if t.Before(now) {
			continue
		}
		ls, le := t.In(loc), end.In(loc)
		if !withinDay(ls, le, dayStart, dayEnd) {
			// Every later start of this local day fails too, unless the
			// day's hours have not begun yet: go to their beginning.
			next := dayAt(ls, 0, dayStart)
			if !next.After(t) {
				next = dayAt(ls, 1, dayStart)
			}
			// When the clocks change that morning, the first start on
			// the clock may come before next: stop an hour short and
			// step from there.
			t = stepBefore(t, next.Add(-time.Hour))
			continue
		}
		if busy, in := g.conflicts(existing, own, t, end); busy {
			// Every booking in the way stays in the way until it ends
			// (plus the buffer): so do the instants where too many of
			// them meet. Nothing can start before the earliest end.
			free := in[0].End.Add(p.Buffer)
			for _, b := range in[1:] {
				free = minTime(free, b.End.Add(p.Buffer))
			}
			t = stepBefore(t, free)
			continue
		}
		out = append(out, Slot{Start: ls, End: le})
		t = end.Add(-suggestStep) // the next proposal starts where this one ends
	}
	return out
}

// beforeStep is the grid of free slots proposed before the asked time: a
// finer one than suggestStep, so that the latest start that fits before a
// booking (09:00 asked, 10:00 booked, 10 minutes kept free: 08:50) is
// found.
const beforeStep = 5 * time.Minute

// freeSlotsBefore proposes up to n free slots of the asked length that
// start before it, the latest first, within horizon before it and never
// before now. The skips mirror freeSlotsN's, backwards.
func (g *Gateway) freeSlotsBefore(existing []Booking, own meetingKey, asked interval, n int, horizon time.Duration) []Slot {
	p, loc := g.opt.Policy, g.opt.Location
	d := asked.end.Sub(asked.start)
	dayStart, dayEnd := g.dayHours(asked)
	low := maxTime(g.opt.Now(), asked.start.Add(-horizon))
	var out []Slot
	for t := asked.start.Add(-beforeStep).Truncate(beforeStep); !t.Before(low) && len(out) < n; t = t.Add(-beforeStep) {
		end := t.Add(d)
		ls, le := t.In(loc), end.In(loc)
		if !withinDay(ls, le, dayStart, dayEnd) {
			// The latest start of this local day that ends in time, or,
			// when that is not earlier than t, of the day before. When the
			// clocks change in between, earlier instants may read later on
			// the clock (the hour repeated in autumn): walk step by step
			// until the change is behind.
			next := dayAt(ls, 0, dayEnd).Add(-d)
			if !next.Before(t) {
				next = dayAt(ls, -1, dayEnd).Add(-d)
			}
			if _, o1 := ls.Zone(); sameOffset(next.In(loc), o1) {
				t = stepAfter(t, next.Add(time.Hour))
			}
			continue
		}
		if busy, in := g.conflicts(existing, own, t, end); busy {
			// Going back, every booking in the way stays in the way until
			// the slot ends before its buffer begins: nothing later than
			// the latest such start can be free.
			free := in[0].Start.Add(-p.Buffer - d)
			for _, b := range in[1:] {
				free = maxTime(free, b.Start.Add(-p.Buffer-d))
			}
			t = stepAfter(t, free)
			continue
		}
		out = append(out, Slot{Start: ls, End: le})
		t = t.Add(-d + beforeStep) // the next proposal ends where this one starts
	}
	return out
}

// sameOffset reports whether t is at UTC offset off (seconds).
func sameOffset(t time.Time, off int) bool {
	_, o := t.Zone()
	return o == off
}

// stepAfter returns t minus the most whole beforeSteps that stay after
// prev (t itself when prev is less than a step before it).
func stepAfter(t, prev time.Time) time.Time {
	if k := (t.Sub(prev) - 1) / beforeStep; k > 0 {
		return t.Add(-k * beforeStep)
	}
	return t
}

// dayHours returns the wall-clock hours proposals must lie in: the
// policy's day, widened to the hours of the asked slot.
func (g *Gateway) dayHours(asked interval) (dayStart, dayEnd time.Duration) {
	loc := g.opt.Location
	dayStart, dayEnd = g.opt.Policy.DayStart, g.opt.Policy.DayEnd
	if o := sinceMidnight(asked.start.In(loc)); o < dayStart {
		dayStart = o
	}
	if o := sinceMidnight(asked.end.In(loc)); o > dayEnd || o == 0 {
		if o == 0 {
			o = 24 * time.Hour
		}
		dayEnd = o
	}
	return dayStart, dayEnd
}

// stepBefore returns t plus the most whole suggestSteps that stay before
// next (t itself when next is less than a step away).
func stepBefore(t, next time.Time) time.Time {
	if k := (next.Sub(t) - 1) / suggestStep; k > 0 {
		return t.Add(k * suggestStep)
	}
	return t
}

// dayAt is the instant at wall-clock offset off on the local day of t plus
// days.
func dayAt(t time.Time, days int, off time.Duration) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+days, 0, 0, 0, int(off), t.Location())
}

// withinDay reports whether [s, e) lies on one local day between the day
// bounds.
func withinDay(s, e time.Time, dayStart, dayEnd time.Duration) bool {
	if s.YearDay() != e.Add(-time.Nanosecond).YearDay() {
		return false
	}
	se := sinceMidnight(e)
	if se == 0 {
		se = 24 * time.Hour
	}
	return sinceMidnight(s) >= dayStart && se <= dayEnd
}

// sinceMidnight is the wall-clock time of day of t: 10:00 is 10 h even on
// a day when the clocks change (elapsed time since midnight is then 9 h or
// 11 h).
func sinceMidnight(t time.Time) time.Duration {
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second +
		time.Duration(t.Nanosecond())
}

func roundUp(t time.Time, step time.Duration) time.Time {
	r := t.Truncate(step)
	if r.Before(t) {
		r = r.Add(step)
	}
	return r
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// occupyingStatus reports the statuses that take the account (a hold's
// expiry aside: see Gateway.overlapping).
func occupyingStatus(s BookingStatus) bool {
	return s == StatusAccepted || s == StatusPending || s == StatusHeld
}

// overlapping is Tx.Overlapping without the holds that expired.
func (g *Gateway) overlapping(ctx context.Context, tx Tx, from, to time.Time) ([]Booking, error) {
	bs, err := tx.Overlapping(ctx, from, to)
	return g.occupying(bs), err
}

// overlappingAny is Tx.OverlappingAny without the holds that expired.
func (g *Gateway) overlappingAny(ctx context.Context, tx Tx, spans []Span) ([]Booking, error) {
	bs, err := tx.OverlappingAny(ctx, spans)
	return g.occupying(bs), err
}

// occupying keeps the bookings that occupy the account now.
func (g *Gateway) occupying(bs []Booking) []Booking {
	now := g.opt.Now()
	out := bs[:0]
	for _, b := range bs {
		if b.Occupies(now) {
			out = append(out, b)
		}
	}
	return out
}
