package web

import (
	"fmt"
	htmltemplate "html/template"
	"sort"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// gridStep is one row of the week grid: blocks are placed to 5 minutes.
const gridStep = 5 * time.Minute

// weekGrid is the week as a time grid, for a computer's screen: hours
// down, days across, bookings and free slots as blocks. The page places
// each block by its id in a stylesheet made for the page (CSS), since
// the Content-Security-Policy allows no style attribute.
type weekGrid struct {
	Hours []string // the labels of the hours shown, "08:00"…
	Days  []gridDay
	CSS   string // the rules placing every block
}

// gridDay is one column of the grid.
type gridDay struct {
	ID      string
	Date    time.Time
	Today   bool
	Past    bool
	Blocks  []gridBlock
	NowID   string // the id of the "now" line in this column, or ""
	NowText string // "10:42"
}

// gridBlock is one block of a column.
type gridBlock struct {
	ID        string
	Kind      string // "booking", "free", "margin", "veil" (the past part of today), "off" (outside the day's hours)
	Past      bool
	When      string
	Title     string
	Organizer string
	Room      string
	Lane      int // for bookings, 1-based
	Waiting   int // requests waiting for this slot to free
}

// placed is a block before its rules are written.
type placed struct {
	gridBlock
	start, end time.Time
}

// grid builds the week grid. Its hours cover the day's hours and every
// booking of the week, in whole hours.
func (s *Server) grid(monday, now time.Time, bs []gateway.Booking, days []dayView) weekGrid {
	from, to := s.gridHours(monday, bs)
	g := weekGrid{}
	for h := from; h < to; h++ {
		g.Hours = append(g.Hours, fmt.Sprintf("%02d:00", h))
	}
	var css strings.Builder
	fmt.Fprintf(&css, ".track{grid-template-rows:repeat(%d,var(--row))}", (to-from)*int(time.Hour/gridStep))
	n := 0
	for i, d := range days {
		col := gridDay{ID: fmt.Sprintf("d%d", i), Date: d.Date, Today: d.Today, Past: !d.Date.AddDate(0, 0, 1).After(now)}
		blocks, lanes := s.dayBlocks(d, now, bs, from, to)
		if lanes > 1 {
			fmt.Fprintf(&css, "#%s .track{grid-template-columns:repeat(%d,1fr)}", col.ID, lanes)
		}
		for _, b := range blocks {
			n++
			b.ID = fmt.Sprintf("b%d", n)
			css.WriteString(rule(b.ID, row(b.start, d.Date, from), row(b.end, d.Date, from), b.Lane))
			col.Blocks = append(col.Blocks, b.gridBlock)
		}
		if d.Today && now.After(atClock(d.Date, time.Duration(from)*time.Hour, s.opt.Location)) &&
			now.Before(atClock(d.Date, time.Duration(to)*time.Hour, s.opt.Location)) {
			col.NowID, col.NowText = "now", now.In(s.opt.Location).Format("15:04")
			r := row(now, d.Date, from)
			fmt.Fprintf(&css, "#now{grid-row:%d/%d;grid-column:1/-1}", r, r+1)
		}
		g.Days = append(g.Days, col)
	}
	g.CSS = css.String()
	return g
}

// rule places one block: its rows, and its lane (0 spans every lane).
func rule(id string, r0, r1, lane int) string {
	if r1 <= r0 {
		r1 = r0 + 1
	}
	col := "1/-1"
	if lane > 0 {
		col = fmt.Sprintf("%d/%d", lane, lane+1)
	}
	return fmt.Sprintf("#%s{grid-row:%d/%d;grid-column:%s}", id, r0, r1, col)
}

// row is the grid line of an instant on the day shown: 1 at the first
// hour, by wall-clock time (so a day when the clocks change keeps its
// hours in line with the others).
func row(t, day time.Time, from int) int {
	loc := day.Location()
	lt := t.In(loc)
	mins := lt.Hour()*60 + lt.Minute()
	if dayNumber(lt) > dayNumber(day) {
		mins = 24 * 60
	}
	if dayNumber(lt) < dayNumber(day) {
		mins = 0
	}
	return (mins-from*60)/int(gridStep/time.Minute) + 1
}

// gridHours returns the first and last hour shown: the day's hours,
// widened to every booking of the week.
func (s *Server) gridHours(monday time.Time, bs []gateway.Booking) (from, to int) {
	from, to = int(s.opt.DayStart/time.Hour), int((s.opt.DayEnd+time.Hour-1)/time.Hour)
	end := monday.AddDate(0, 0, 7)
	for _, b := range bs {
		if !b.Start.Before(end) || !b.End.After(monday) {
			continue
		}
		st, en := b.Start.In(s.opt.Location), b.End.In(s.opt.Location)
		if dayNumber(en) > dayNumber(st) || st.Before(monday) {
			return 0, 24 // a booking over midnight: the whole day
		}
		from = min(from, st.Hour())
		h := en.Hour()
		if en.Minute() > 0 {
			h++
		}
		to = max(to, h)
	}
	return max(from, 0), min(to, 24)
}

// dayBlocks lists a column's blocks in time order, and how many lanes its
// bookings need (meetings at once, when the account hosts several).
func (s *Server) dayBlocks(d dayView, now time.Time, bs []gateway.Booking, from, to int) ([]placed, int) {
	loc := s.opt.Location
	top, bottom := atClock(d.Date, time.Duration(from)*time.Hour, loc), atClock(d.Date, time.Duration(to)*time.Hour, loc)
	if to == 24 {
		bottom = d.Date.AddDate(0, 0, 1)
	}
	clip := func(a, b time.Time) (time.Time, time.Time, bool) {
		a, b = maxTime(a, top), minTime(b, bottom)
		return a, b, b.After(a)
	}
	var out []placed
	add := func(kind string, a, b time.Time, lane int, it item) {
		if a, b, ok := clip(a, b); ok {
			out = append(out, placed{gridBlock: gridBlock{Kind: kind, Lane: lane, When: it.When, Title: it.Title,
				Organizer: it.Organizer, Room: it.Room, Past: it.Past, Waiting: it.Waiting}, start: a, end: b})
		}
	}
	dayStart, dayEnd := atClock(d.Date, s.opt.DayStart, loc), atClock(d.Date, s.opt.DayEnd, loc)
	add("off", top, dayStart, 0, item{})
	add("off", dayEnd, bottom, 0, item{})
	if d.Today {
		add("veil", top, now, 0, item{})
	}
	for _, it := range d.Items {
		if it.Free {
			add("free", it.start, it.end, 0, it)
		}
	}
	lanes := s.laneBookings(d, now, bs, add)
	sort.SliceStable(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out, lanes
}

// laneBookings adds the bookings of a day, each in the first lane free
// at its start, with the margins kept around them; it returns the lanes
// used.
func (s *Server) laneBookings(d dayView, now time.Time, bs []gateway.Booking, add func(string, time.Time, time.Time, int, item)) int {
	next := d.Date.AddDate(0, 0, 1)
	var ends []time.Time // per lane, the end of its last booking
	buf := s.opt.Buffer
	for _, b := range bs {
		if !b.Start.Before(next) || !b.End.After(d.Date) {
			continue
		}
		lane := 0
		for i, e := range ends {
			if !e.After(b.Start) {
				lane = i + 1
				break
			}
		}
		if lane == 0 {
			ends = append(ends, time.Time{})
			lane = len(ends)
		}
		ends[lane-1] = b.End
		it := s.bookingItem(b, now)
		if buf > 0 {
			add("margin", b.Start.Add(-buf), b.Start, lane, item{})
			add("margin", b.End, b.End.Add(buf), lane, item{})
		}
		add("booking", b.Start, b.End, lane, it)
	}
	return max(len(ends), 1)
}

// pageCSS is the stylesheet of one page: the embedded one and the rules
// made for it (ids, numbers and fixed words only, never text from a
// booking). The Content-Security-Policy allows it by its hash.
func pageCSS(base, extra string) htmltemplate.CSS {
	return htmltemplate.CSS(base + extra)
}
