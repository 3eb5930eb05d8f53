package gateway

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var testParis = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// pt is a wall time in Paris.
func pt(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, testParis)
}

func TestMaxConcurrent(t *testing.T) {
	h := func(n int) time.Time { return pt(2026, 12, 1, n, 0) }
	iv := func(a, b int) interval { return interval{h(a), h(b)} }
	tests := []struct {
		name  string
		spans []interval
		want  int
	}{
		{"none", nil, 0},
		{"one", []interval{iv(10, 11)}, 1},
		{"disjoint", []interval{iv(10, 11), iv(12, 13)}, 1},
		{"touching", []interval{iv(10, 11), iv(11, 12)}, 1},
		{"touching, listed backwards", []interval{iv(11, 12), iv(10, 11)}, 1},
		{"overlapping", []interval{iv(10, 12), iv(11, 13)}, 2},
		{"nested", []interval{iv(9, 17), iv(10, 11), iv(14, 15)}, 2},
		{"chain: first and last touch", []interval{iv(10, 12), iv(11, 13), iv(12, 14)}, 2},
		{"three at once", []interval{iv(10, 12), iv(11, 13), iv(11, 12)}, 3},
		{"identical", []interval{iv(10, 11), iv(10, 11), iv(10, 11)}, 3},
		{"empty spans", []interval{iv(10, 10), iv(10, 10)}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := maxConcurrent(tc.spans); got != tc.want {
				t.Errorf("maxConcurrent = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	b := func(uid string, st BookingStatus, s, e time.Time) Booking {
		return Booking{UID: uid, Status: st, Start: s, End: e}
	}
	day := func(hh, mm int) time.Time { return pt(2026, 12, 1, hh, mm) }
	a := b("a", StatusAccepted, day(10, 0), day(11, 0))
	tests := []struct {
		name     string
		existing []Booking
		uid      string
		s, e     time.Time
		capacity int
		busy     bool
		in       int
	}{
		{"free", []Booking{a}, "x", day(12, 0), day(13, 0), 1, false, 0},
		{"inside the buffer after", []Booking{a}, "x", day(11, 9), day(12, 0), 1, true, 1},
		{"right after the buffer", []Booking{a}, "x", day(11, 10), day(12, 0), 1, false, 0},
		{"right before the buffer", []Booking{a}, "x", day(9, 0), day(9, 50), 1, false, 0},
		{"inside the buffer before", []Booking{a}, "x", day(9, 0), day(9, 51), 1, true, 1},
		{"own booking skipped", []Booking{a}, "a", day(10, 30), day(11, 30), 1, false, 0},
		{"declined and cancelled skipped", []Booking{b("d", StatusDeclined, day(10, 0), day(11, 0)),
			b("c", StatusCancelled, day(10, 0), day(11, 0))}, "x", day(10, 0), day(11, 0), 1, false, 0},
		{"one of two", []Booking{a}, "x", day(10, 0), day(11, 0), 2, false, 1},
		{"two of two", []Booking{a, b("b", StatusAccepted, day(10, 30), day(12, 0))}, "x", day(10, 45), day(11, 30), 2, true, 2},
		{"two of two, never at once", []Booking{a, b("b", StatusAccepted, day(11, 30), day(12, 0))}, "x", day(10, 0), day(12, 0), 2, false, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			busy, in := conflicts(tc.existing, meetingKey{uid: tc.uid}, tc.s, tc.e, 10*time.Minute, tc.capacity)
			if busy != tc.busy || len(in) != tc.in {
				t.Errorf("conflicts = %v with %d bookings, want %v with %d", busy, len(in), tc.busy, tc.in)
			}
		})
	}
}

// TestFreeSlotsAfter: the slots proposed after the asked time.
func TestFreeSlotsAfter(t *testing.T) {
	acc := func(s, e time.Time) Booking { return Booking{UID: "other", Status: StatusAccepted, Start: s, End: e} }
	slot := func(s, e time.Time) Slot { return Slot{s, e} }
	d1 := func(hh, mm int) time.Time { return pt(2026, 12, 1, hh, mm) }
	d2 := func(hh, mm int) time.Time { return pt(2026, 12, 2, hh, mm) }
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	// Every day from 1 to 15 December taken from 08:00 to 20:00.
	var fullDays []Booking
	for d := 1; d <= 15; d++ {
		fullDays = append(fullDays, acc(pt(2026, 12, d, 8, 0), pt(2026, 12, d, 20, 0)))
	}
	tests := []struct {
		name       string
		now        time.Time
		concurrent int
		existing   []Booking
		asked      interval
		want       []Slot
	}{
		{name: "after a booking, with its buffer", existing: []Booking{acc(d1(10, 0), d1(11, 0))},
			asked: interval{d1(10, 30), d1(11, 30)},
			want:  []Slot{slot(d1(11, 15), d1(12, 15)), slot(d1(12, 15), d1(13, 15)), slot(d1(13, 15), d1(14, 15))}},
		{name: "end of the day, then the next morning", existing: []Booking{acc(d1(18, 0), d1(18, 45))},
			asked: interval{d1(18, 0), d1(19, 30)},
			want:  []Slot{slot(d2(8, 0), d2(9, 30)), slot(d2(9, 30), d2(11, 0)), slot(d2(11, 0), d2(12, 30))}},
		{name: "ends exactly at the day's end", asked: interval{d1(18, 0), d1(19, 45)},
			want: []Slot{slot(d1(18, 15), d1(20, 0)), slot(d2(8, 0), d2(9, 45)), slot(d2(9, 45), d2(11, 30))}},
		{name: "early meeting widens the day", existing: []Booking{acc(d1(7, 0), d1(8, 0))},
			asked: interval{d1(7, 0), d1(8, 0)},
			want:  []Slot{slot(d1(8, 15), d1(9, 15)), slot(d1(9, 15), d1(10, 15)), slot(d1(10, 15), d1(11, 15))}},
		{name: "late meeting up to midnight", existing: []Booking{acc(d1(23, 0), d2(0, 0))},
			asked: interval{d1(23, 0), d2(0, 0)},
			want:  []Slot{slot(d2(8, 0), d2(9, 0)), slot(d2(9, 0), d2(10, 0)), slot(d2(10, 0), d2(11, 0))}},
		{name: "two at once: one booking is no obstacle", concurrent: 2,
			existing: []Booking{acc(d1(10, 0), d1(11, 0)), acc(d1(10, 0), d1(12, 0))},
			asked:    interval{d1(10, 30), d1(11, 30)},
			want:     []Slot{slot(d1(11, 15), d1(12, 15)), slot(d1(12, 15), d1(13, 15)), slot(d1(13, 15), d1(14, 15))}},
		{name: "nothing free within two weeks", existing: fullDays, asked: interval{d1(10, 0), d1(11, 0)}},
		{name: "not past the booking window", now: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
			existing: []Booking{acc(pt(2027, 5, 29, 8, 0), pt(2027, 5, 29, 9, 0))},
			asked:    interval{pt(2027, 5, 29, 8, 0), pt(2027, 5, 29, 9, 0)},
			want:     []Slot{slot(pt(2027, 5, 29, 9, 15), pt(2027, 5, 29, 10, 15))}},
		// 28 March 2027: Paris skips from 02:00 to 03:00. Day hours are
		// wall-clock hours: no slot may end after 20:00 on the clock.
		{name: "spring forward", now: pt(2027, 3, 20, 9, 0), existing: []Booking{acc(pt(2027, 3, 28, 18, 0), pt(2027, 3, 28, 19, 0))},
			asked: interval{pt(2027, 3, 28, 18, 0), pt(2027, 3, 28, 19, 0)},
			want: []Slot{slot(pt(2027, 3, 29, 8, 0), pt(2027, 3, 29, 9, 0)), slot(pt(2027, 3, 29, 9, 0), pt(2027, 3, 29, 10, 0)),
				slot(pt(2027, 3, 29, 10, 0), pt(2027, 3, 29, 11, 0))}},
		{name: "spring forward, morning", now: pt(2027, 3, 20, 9, 0), existing: []Booking{acc(pt(2027, 3, 28, 8, 0), pt(2027, 3, 28, 9, 0))},
			asked: interval{pt(2027, 3, 28, 8, 0), pt(2027, 3, 28, 9, 0)},
			want: []Slot{slot(pt(2027, 3, 28, 9, 15), pt(2027, 3, 28, 10, 15)), slot(pt(2027, 3, 28, 10, 15), pt(2027, 3, 28, 11, 15)),
				slot(pt(2027, 3, 28, 11, 15), pt(2027, 3, 28, 12, 15))}},
		// 31 October 2027: Paris goes back from 03:00 to 02:00.
		{name: "fall back", now: pt(2027, 10, 20, 9, 0), existing: []Booking{acc(pt(2027, 10, 31, 17, 0), pt(2027, 10, 31, 18, 0))},
			asked: interval{pt(2027, 10, 31, 17, 0), pt(2027, 10, 31, 18, 0)},
			want: []Slot{slot(pt(2027, 10, 31, 18, 15), pt(2027, 10, 31, 19, 15)), slot(pt(2027, 11, 1, 8, 0), pt(2027, 11, 1, 9, 0)),
				slot(pt(2027, 11, 1, 9, 0), pt(2027, 11, 1, 10, 0))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := now
			if !tc.now.IsZero() {
				n = tc.now
			}
			g := &Gateway{opt: Options{Location: testParis, Concurrent: max(tc.concurrent, 1), Now: func() time.Time { return n },
				Policy: Policy{MaxDuration: 8 * time.Hour, BookingWindow: 180 * 24 * time.Hour, Buffer: 10 * time.Minute}.withDefaults()}}
			got := g.freeSlotsN(tc.existing, meetingKey{uid: "asker"}, tc.asked, g.opt.Policy.Suggestions, suggestHorizon)
			if !slices.EqualFunc(got, tc.want, func(a, b Slot) bool {
				return a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.Start.Location() == testParis
			}) {
				t.Errorf("freeSlotsN =\n%v\nwant\n%v", fmtSlots(got), fmtSlots(tc.want))
			}
		})
	}
}

func fmtSlots(s []Slot) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.Start.In(testParis).Format("2006-01-02 15:04 MST")+"–"+x.End.In(testParis).Format("15:04 MST"))
	}
	return out
}

// freeSlotsByStep is freeSlotsN without its skips: every grid instant is
// tried. It is the reference the skips must agree with.
func (g *Gateway) freeSlotsByStep(existing []Booking, own meetingKey, asked interval, n int, horizon time.Duration) []Slot {
	p, loc := g.opt.Policy, g.opt.Location
	d := asked.end.Sub(asked.start)
	now := g.opt.Now()
	dayStart, dayEnd := g.dayHours(asked)
	limit := minTime(asked.start.Add(horizon), now.Add(p.BookingWindow))
	var out []Slot
	for t := roundUp(asked.start.Add(suggestStep), suggestStep); t.Before(limit) && len(out) < n; t = t.Add(suggestStep) {
		end := t.Add(d)
		if t.Before(now) || !withinDay(t.In(loc), end.In(loc), dayStart, dayEnd) {
			continue
		}
		if busy, _ := g.conflicts(existing, own, t, end); busy {
			continue
		}
		out = append(out, Slot{Start: t.In(loc), End: end.In(loc)})
		t = end.Add(-suggestStep)
	}
	return out
}

// The skips of freeSlotsN (past a booking in the way, past the end of the
// day's hours) must find the slots a walk over every grid instant finds:
// random bookings, capacities of one to three, odd lengths and buffers,
// across the Paris clock changes.
func TestFreeSlotsSkipsAgreeWithWalk(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(7, 11))
	base := []time.Time{pt(2027, 3, 26, 7, 0), pt(2027, 10, 29, 7, 0), pt(2027, 6, 14, 7, 0)}
	for round := range 2000 {
		start := base[round%len(base)]
		now := start.Add(-time.Duration(rnd.IntN(48)) * time.Hour)
		var existing []Booking
		for i := range 10 + rnd.IntN(60) {
			s := start.Add(time.Duration(rnd.IntN(5*24*12)) * 5 * time.Minute)
			existing = append(existing, Booking{UID: fmt.Sprintf("b%d", i), Status: StatusAccepted,
				Start: s, End: s.Add(time.Duration(1+rnd.IntN(36)) * 5 * time.Minute)})
		}
		g := &Gateway{opt: Options{Location: testParis, Concurrent: 1 + rnd.IntN(3), Now: func() time.Time { return now },
			Policy: Policy{MaxDuration: 8 * time.Hour, BookingWindow: 180 * 24 * time.Hour,
				Buffer:   time.Duration(rnd.IntN(4)) * 5 * time.Minute,
				DayStart: time.Duration(6+rnd.IntN(4)) * time.Hour, DayEnd: time.Duration(17+rnd.IntN(7)) * time.Hour}.withDefaults()}}
		as := start.Add(time.Duration(rnd.IntN(24*12)) * 5 * time.Minute)
		asked := interval{as, as.Add(time.Duration(1+rnd.IntN(30)) * 10 * time.Minute)}
		horizon := []time.Duration{24 * time.Hour, suggestHorizon}[rnd.IntN(2)]
		got := g.freeSlotsN(existing, meetingKey{uid: "asker"}, asked, 4, horizon)
		want := g.freeSlotsByStep(existing, meetingKey{uid: "asker"}, asked, 4, horizon)
		if !slices.EqualFunc(got, want, func(a, b Slot) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) }) {
			t.Fatalf("round %d (capacity %d, asked %s): freeSlotsN =\n%v\nwalk =\n%v", round, g.opt.Concurrent,
				asked.start.In(testParis), fmtSlots(got), fmtSlots(want))
		}
	}
}

// TestFreeSlotsBothSides: a decline proposes the nearest free slots before
// and after the asked time, at least one of each when both exist.
func TestFreeSlotsBothSides(t *testing.T) {
	acc := func(s, e time.Time) Booking { return Booking{UID: "other", Status: StatusAccepted, Start: s, End: e} }
	slot := func(s, e time.Time) Slot { return Slot{s, e} }
	d1 := func(hh, mm int) time.Time { return pt(2026, 12, 1, hh, mm) }
	d2 := func(hh, mm int) time.Time { return pt(2026, 12, 2, hh, mm) }
	tests := []struct {
		name     string
		now      time.Time
		existing []Booking
		asked    interval
		want     []Slot
	}{
		{name: "just before the buffer, then after", existing: []Booking{acc(d1(10, 0), d1(11, 0))},
			asked: interval{d1(9, 0), d1(10, 0)},
			want:  []Slot{slot(d1(7, 50), d1(8, 50)), slot(d1(8, 50), d1(9, 50)), slot(d1(11, 15), d1(12, 15))}},
		{name: "the morning is nearer than the afternoon", existing: []Booking{acc(d1(9, 0), d1(15, 0))},
			asked: interval{d1(10, 0), d1(11, 0)},
			want:  []Slot{slot(d1(7, 50), d1(8, 50)), slot(d1(15, 15), d1(16, 15)), slot(d1(16, 15), d1(17, 15))}},
		{name: "two before when they are nearer", existing: []Booking{acc(d1(12, 0), d1(19, 0))},
			asked: interval{d1(12, 0), d1(13, 0)},
			want:  []Slot{slot(d1(9, 50), d1(10, 50)), slot(d1(10, 50), d1(11, 50)), slot(d2(7, 0), d2(8, 0))}},
		{name: "nothing before now", now: d1(9, 40), existing: []Booking{acc(d1(10, 0), d1(11, 0))},
			asked: interval{d1(10, 0), d1(11, 0)},
			want:  []Slot{slot(d1(11, 15), d1(12, 15)), slot(d1(12, 15), d1(13, 15)), slot(d1(13, 15), d1(14, 15))}},
		{name: "the evening before", now: pt(2026, 11, 30, 8, 0), existing: []Booking{acc(d2(8, 0), d2(20, 0))},
			asked: interval{d2(8, 0), d2(9, 0)},
			want:  []Slot{slot(d1(18, 0), d1(19, 0)), slot(d1(19, 0), d1(20, 0)), slot(pt(2026, 12, 3, 7, 0), pt(2026, 12, 3, 8, 0))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := pt(2026, 11, 30, 9, 0)
			if !tc.now.IsZero() {
				n = tc.now
			}
			g := &Gateway{opt: Options{Location: testParis, Concurrent: 1, Now: func() time.Time { return n },
				Policy: Policy{MaxDuration: 8 * time.Hour, BookingWindow: 180 * 24 * time.Hour, Buffer: 10 * time.Minute,
					DayStart: 7 * time.Hour, DayEnd: 20 * time.Hour}.withDefaults()}}
			got := g.freeSlots(tc.existing, meetingKey{uid: "asker"}, tc.asked)
			if !slices.EqualFunc(got, tc.want, func(a, b Slot) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) }) {
				t.Errorf("freeSlots =\n%v\nwant\n%v", fmtSlots(got), fmtSlots(tc.want))
			}
		})
	}
}

// freeSlotsBeforeByStep is freeSlotsBefore without its skips: every grid
// instant is tried, backwards.
func (g *Gateway) freeSlotsBeforeByStep(existing []Booking, own meetingKey, asked interval, n int, horizon time.Duration) []Slot {
	loc := g.opt.Location
	d := asked.end.Sub(asked.start)
	dayStart, dayEnd := g.dayHours(asked)
	low := maxTime(g.opt.Now(), asked.start.Add(-horizon))
	var out []Slot
	for t := asked.start.Add(-beforeStep).Truncate(beforeStep); !t.Before(low) && len(out) < n; t = t.Add(-beforeStep) {
		end := t.Add(d)
		if !withinDay(t.In(loc), end.In(loc), dayStart, dayEnd) {
			continue
		}
		if busy, _ := g.conflicts(existing, own, t, end); busy {
			continue
		}
		out = append(out, Slot{Start: t.In(loc), End: end.In(loc)})
		t = t.Add(-d + beforeStep)
	}
	return out
}

// The skips of freeSlotsBefore (before a booking in the way, before the
// end of the day's hours) must find the slots a backward walk over every
// grid instant finds, as TestFreeSlotsSkipsAgreeWithWalk checks forwards.
func TestFreeSlotsBeforeSkipsAgreeWithWalk(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(13, 17))
	base := []time.Time{pt(2027, 3, 26, 7, 0), pt(2027, 10, 29, 7, 0), pt(2027, 6, 14, 7, 0)}
	for round := range 2000 {
		start := base[round%len(base)]
		now := start.Add(-time.Duration(rnd.IntN(48)) * time.Hour)
		var existing []Booking
		for i := range 10 + rnd.IntN(60) {
			s := start.Add(time.Duration(rnd.IntN(5*24*12)) * 5 * time.Minute)
			existing = append(existing, Booking{UID: fmt.Sprintf("b%d", i), Status: StatusAccepted,
				Start: s, End: s.Add(time.Duration(1+rnd.IntN(36)) * 5 * time.Minute)})
		}
		g := &Gateway{opt: Options{Location: testParis, Concurrent: 1 + rnd.IntN(3), Now: func() time.Time { return now },
			Policy: Policy{MaxDuration: 8 * time.Hour, BookingWindow: 180 * 24 * time.Hour,
				Buffer:   time.Duration(rnd.IntN(4)) * 5 * time.Minute,
				DayStart: time.Duration(6+rnd.IntN(4)) * time.Hour, DayEnd: time.Duration(17+rnd.IntN(7)) * time.Hour}.withDefaults()}}
		as := start.Add(time.Duration(rnd.IntN(5*24*12)) * 5 * time.Minute)
		asked := interval{as, as.Add(time.Duration(1+rnd.IntN(30)) * 10 * time.Minute)}
		horizon := []time.Duration{24 * time.Hour, suggestHorizon}[rnd.IntN(2)]
		got := g.freeSlotsBefore(existing, meetingKey{uid: "asker"}, asked, 4, horizon)
		want := g.freeSlotsBeforeByStep(existing, meetingKey{uid: "asker"}, asked, 4, horizon)
		if !slices.EqualFunc(got, want, func(a, b Slot) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) }) {
			t.Fatalf("round %d (capacity %d, asked %s): freeSlotsBefore =\n%v\nwalk =\n%v", round, g.opt.Concurrent,
				asked.start.In(testParis), fmtSlots(got), fmtSlots(want))
		}
	}
}

// conflicts is the capacity check of a configuration without a pool (one
// host of capacity meetings): the behaviour these tests pinned before
// pools existed, which hostPool.place must keep.
func conflicts(existing []Booking, own meetingKey, s, e time.Time, buffer time.Duration, capacity int) (bool, []Booking) {
	pl := hostPool{hosts: []Host{{Meetings: capacity}}, legacy: true, total: capacity}.place(existing, own, s, e, buffer)
	return pl.busy, pl.in
}
