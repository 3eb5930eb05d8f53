package web

import (
	"fmt"
	htmltemplate "html/template"
	"net/http"
	"net/url"
	"sort"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/templates"
)

// page is what every page's layout shows. Title and link labels are keys
// of the templates' word catalogue.
type page struct {
	Lang    string
	Title   string
	Nav     []link
	Service string // the cooperative's room service, naming the pages; "" for the catalogue's words
	// TimeZone is the zone of every time shown.
	TimeZone string
	// extraCSS holds the rules made for this page (the agenda's grid).
	extraCSS string
}

// CSS is the page's whole stylesheet: the embedded one, then its own
// rules. render allows it by its hash.
func (p page) CSS() htmltemplate.CSS { return pageCSS(templates.WebCSS(), p.extraCSS) }

// link is one navigation link.
type link struct {
	Label, URL string
	Current    bool
}

// agendaPage is the data of the week view.
type agendaPage struct {
	page
	Monday               time.Time
	WeekValue            string // Monday as YYYY-MM-DD, for the date picker
	Prev, Next, ThisWeek string // links
	Token                string // for the date picker, when it came in the URL
	Days                 []dayView
	Grid                 weekGrid
	Concurrent           int
	Rooms                []roomView
	FeedURL, FreeBusyURL string
	// The rules in words: how far ahead (WindowDays, until WindowEnd),
	// the margin kept around bookings, and the hours free slots are
	// counted in.
	WindowDays       int
	WindowEnd        time.Time
	Buffer           time.Duration
	DayStart, DayEnd string
	Subscribe        subscribeView
}

// dayView is one day of the week view.
type dayView struct {
	Date   time.Time
	Today  bool
	Items  []item
	NoFree bool // the day is not over and has no free slot left
}

// item is a booking or a free slot of one day.
type item struct {
	Free       bool
	Past       bool
	start, end time.Time
	When       string // "10:00–11:00"
	Title      string // "" shows "booked"
	Organizer  string
	Room       string
	// Waiting counts the requests that wait for this slot to free (no
	// names: only how many).
	Waiting int
}

// roomView is a room as the agenda shows it, with its free/busy address
// for Outlook.
type roomView struct{ Name, Address, FreeBusy string }

// dateLayout is the form of the week parameter.
const dateLayout = "2006-01-02"

// agenda serves the week view: /?week=2026-12-01 shows the week holding
// that date, / the current week.
func (s *Server) agenda(w http.ResponseWriter, r *http.Request, a access) {
	loc := s.opt.Location
	now := s.opt.Now().In(loc)
	day := now
	if v := r.URL.Query().Get("week"); v != "" {
		t, err := time.ParseInLocation(dateLayout, v, loc)
		if err != nil || t.Year() < 2000 || t.Year() > 2200 {
			http.Error(w, "week: write a date as YYYY-MM-DD", http.StatusBadRequest)
			return
		}
		day = t
	}
	monday := mondayOf(day, loc)
	end := monday.AddDate(0, 0, 7)
	bs, err := s.opt.Store.ListBookings(r.Context(), monday.Add(-s.opt.Buffer), end.Add(s.opt.Buffer))
	if err != nil {
		s.fail(w, "list bookings", err)
		return
	}
	data := s.agendaData(monday, now, bs, a)
	data.Subscribe = s.subscribe(r)
	for i := range data.Rooms {
		data.Rooms[i].FreeBusy = data.Subscribe.Base + "/freebusy/" + data.Rooms[i].Address + ".vfb?" + data.Subscribe.query
	}
	s.render(w, r, "agenda", data)
}

// agendaData builds the week view from the bookings around it: those
// shown (see accepted), the free slots left by every booking that
// occupies the account, and how many requests wait for each booked slot.
func (s *Server) agendaData(monday, now time.Time, all []gateway.Booking, a access) agendaPage {
	bs, busy := accepted(all), occupying(all, now)
	week := func(t time.Time) url.Values { return url.Values{"week": {t.Format(dateLayout)}} }
	p := agendaPage{
		page:   s.pageOf(a, "title.agenda"),
		Monday: monday, WeekValue: monday.Format(dateLayout), Token: a.token,
		Prev: a.link("./", week(monday.AddDate(0, 0, -7))), Next: a.link("./", week(monday.AddDate(0, 0, 7))),
		ThisWeek: a.link("./", nil), Concurrent: s.opt.Concurrent,
		FeedURL: a.link("agenda.ics", nil), FreeBusyURL: a.link("freebusy.ics", nil), Rooms: s.roomList(),
		WindowDays: int(s.opt.BookingWindow / (24 * time.Hour)), WindowEnd: now.Add(s.opt.BookingWindow),
		Buffer: s.opt.Buffer, DayStart: clockOf(s.opt.DayStart), DayEnd: clockOf(s.opt.DayEnd),
	}
	full := fullSpans(buffered(busy, s.opt.Buffer), s.opt.Concurrent)
	for i := range 7 {
		d := s.dayData(monday.AddDate(0, 0, i), now, bs, full)
		for j := range d.Items {
			if it := &d.Items[j]; !it.Free {
				it.Waiting = waitingFor(gateway.Booking{Start: it.start, End: it.end}, all)
			}
		}
		p.Days = append(p.Days, d)
	}
	p.Grid = s.grid(monday, now, bs, p.Days)
	p.extraCSS = p.Grid.CSS
	return p
}

// pageOf is the layout data of a page.
func (s *Server) pageOf(a access, title string) page {
	return page{Lang: s.opt.Lang, Title: title, Nav: s.nav(a, title), Service: s.opt.ServiceName,
		TimeZone: s.opt.Location.String()}
}

// clockOf writes an offset from midnight as "08:00".
func clockOf(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// dayData lists one day's bookings and free slots in time order. Free
// slots lie within the day's hours, after now, outside the buffered busy
// spans.
func (s *Server) dayData(day, now time.Time, bs []gateway.Booking, full []span) dayView {
	loc := s.opt.Location
	next := day.AddDate(0, 0, 1)
	d := dayView{Date: day, Today: !now.Before(day) && now.Before(next)}
	for _, b := range bs {
		if b.Start.Before(next) && b.End.After(day) {
			d.Items = append(d.Items, s.bookingItem(b, now))
		}
	}
	from, to := atClock(day, s.opt.DayStart, loc), atClock(day, s.opt.DayEnd, loc)
	if from.Before(now) {
		from = now.Truncate(5 * time.Minute).Add(5 * time.Minute)
	}
	free := subtract(from, to, full)
	for _, f := range free {
		d.Items = append(d.Items, item{Free: true, start: f.start, end: f.end, When: s.when(f.start, f.end)})
	}
	sort.SliceStable(d.Items, func(i, j int) bool { return d.Items[i].start.Before(d.Items[j].start) })
	d.NoFree = len(free) == 0 && to.After(now)
	return d
}

// bookingItem shows a booking as the show option allows, and its room
// when there are several.
func (s *Server) bookingItem(b gateway.Booking, now time.Time) item {
	it := item{start: b.Start, end: b.End, When: s.when(b.Start, b.End), Past: !b.End.After(now)}
	if len(s.opt.Rooms) > 1 {
		it.Room = s.roomName(b.Room)
	}
	if s.opt.Show == ShowTitles {
		it.Title, it.Organizer = b.Summary, b.OrganizerName
		if it.Organizer == "" {
			it.Organizer = b.Organizer
		}
	}
	return it
}

// when formats a time range in the agenda's zone: "10:00–11:00", with
// "(+1)" when it ends on a later day.
func (s *Server) when(start, end time.Time) string {
	loc := s.opt.Location
	a, b := start.In(loc), end.In(loc)
	out := a.Format("15:04") + templates.RangeDash(s.opt.Lang) + b.Format("15:04")
	if days := dayNumber(b) - dayNumber(a); days > 0 && !(days == 1 && b.Hour() == 0 && b.Minute() == 0) {
		out += fmt.Sprintf(" (+%d)", days)
	}
	return out
}

// dayNumber counts calendar days, for comparing local dates.
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// roomName returns a room's configured name, or its address.
func (s *Server) roomName(addr string) string {
	if n, ok := s.opt.Rooms[addr]; ok && n != "" {
		return n
	}
	return addr
}

// roomList lists the rooms by name.
func (s *Server) roomList() []roomView {
	var out []roomView
	for addr, name := range s.opt.Rooms {
		out = append(out, roomView{Name: name, Address: addr})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// nav is the navigation of a page, for the operator only: the agenda and
// the operator pages. current is the title key of the page shown. Links
// are relative, so that roomgate may sit under a path prefix.
func (s *Server) nav(a access, current string) []link {
	if !a.operator {
		return nil
	}
	agenda, dir := "../", ""
	if current == "title.agenda" {
		agenda, dir = "./", "operator/"
	}
	index := dir
	if index == "" {
		index = "./"
	}
	pages := []link{{"title.agenda", agenda, false}, {"title.operator", index, false},
		{"title.audit", dir + "audit", false}, {"title.outbox", dir + "outbox", false},
		{"title.rejected", dir + "rejected", false}}
	if s.opt.Zoom != nil && s.opt.Zoom.Store != nil {
		pages = append(pages, link{"title.zoom", dir + "zoom", false})
	}
	for i := range pages {
		pages[i].Current = pages[i].Label == current
		pages[i].URL = a.link(pages[i].URL, nil)
	}
	return pages
}
