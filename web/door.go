package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings/door"
	"codeberg.org/opteos/roomgate/meetings/room"
	"codeberg.org/opteos/roomgate/templates"
)

// Doors: the links of a booking held on a free tool whose rooms need a
// server call (BigBlueButton, Galène) lead here (meetings/door). A door is
// signed for one booking, slot and role; it works from the tool's early
// margin before the start to the end, while the booking is accepted on
// that tool. Each use makes the tool's call (idempotent on its side) and
// redirects to the tool's own link, which goes in the Location header
// only, never in a page or a log.

// Door is one tool behind doors (*door.Door).
type Door interface {
	Check(token string) (door.Ticket, error)
	Window(t door.Ticket) (from, until time.Time)
	RoomID(key string) string
	AsksName() bool
	Enter(ctx context.Context, s room.Spec, host bool, name string) (string, error)
}

// DoorOptions are the doors' options (Options.Doors).
type DoorOptions struct {
	// Tools are the tools behind doors, by name (door.Door.Name).
	Tools map[string]Door
	// Origins are the tools' servers (scheme://host[:port]) the pages may
	// send a form to, by tool: a guest's name form is redirected there.
	Origins map[string]string
}

// Uses of one door per hour: the booker's, and the guests' (a link many
// people share).
const (
	hostDoorsPerHour  = 30
	guestDoorsPerHour = 600
)

// doorRoutes adds the doors when a tool is behind them.
func (s *Server) doorRoutes(m *http.ServeMux) {
	d := s.opt.Doors
	if d == nil || len(d.Tools) == 0 {
		return
	}
	host, guest := newStartLimiter(hostDoorsPerHour), newStartLimiter(guestDoorsPerHour)
	m.HandleFunc("GET /door/{tool}/{token}", func(w http.ResponseWriter, r *http.Request) { s.door(w, r, host, guest) })
}

// door checks a door and sends its user to the tool's room.
func (s *Server) door(w http.ResponseWriter, r *http.Request, hostLim, guestLim *startLimiter) {
	name := r.PathValue("tool")
	d := s.opt.Doors.Tools[name]
	if d == nil {
		s.notice(w, r, http.StatusNotFound, "title.door", "door.invalid", time.Time{}, gateway.Slot{})
		return
	}
	t, err := d.Check(r.PathValue("token"))
	if err != nil {
		s.log.Info("door refused", "tool", name, "reason", "invalid")
		s.notice(w, r, http.StatusForbidden, "title.door", "door.invalid", time.Time{}, gateway.Slot{})
		return
	}
	now, slot := s.opt.Now(), gateway.Slot{Start: t.Start, End: t.End}
	from, until := d.Window(t)
	b, err := s.doorBooking(r.Context(), name, d.RoomID(t.Key), t)
	switch {
	case err != nil:
		s.fail(w, "door booking", err)
		return
	case b == nil:
		s.log.Info("door refused", "tool", name, "reason", "gone")
		s.notice(w, r, http.StatusGone, "title.door", "door.gone", time.Time{}, slot)
		return
	case now.Before(from):
		s.notice(w, r, http.StatusForbidden, "title.door", "door.early", from, gateway.Slot{})
		return
	case !now.Before(until):
		s.notice(w, r, http.StatusGone, "title.door", "door.over", time.Time{}, slot)
		return
	}
	lim := guestLim
	if t.Host {
		lim = hostLim
	}
	guest := door.CleanName(r.URL.Query().Get("name"))
	if !t.Host && d.AsksName() && len([]rune(guest)) < 2 {
		s.doorName(w, r, name, b, r.URL.Query().Has("name"))
		return
	}
	if r.Method == http.MethodHead {
		// A link checker's HEAD opens nothing on the tool.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !lim.allow(b.ID, now) {
		s.notice(w, r, http.StatusTooManyRequests, "title.door", "door.busy", time.Time{}, gateway.Slot{})
		return
	}
	u, err := d.Enter(r.Context(), room.Spec{Key: t.Key, Title: b.Summary, Start: b.Start, End: b.End,
		Host: room.Person{Name: b.OrganizerName, Email: b.Organizer}, Lang: b.Lang}, t.Host, guest)
	if err != nil {
		// The providers' errors name the call and the cause, never a
		// checksum, token or secret.
		s.log.Error("door: the tool could not open the room", "tool", name, "booking_id", b.ID, "err", err)
		s.notice(w, r, http.StatusBadGateway, "title.door", "door.tool", time.Time{}, gateway.Slot{})
		return
	}
	s.log.Info("door used", "tool", name, "booking_id", b.ID, "host", t.Host)
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", u)
	w.WriteHeader(http.StatusSeeOther)
}

// doorBooking finds the booking a door opens: held on that tool in that
// room, for exactly the door's slot, and accepted; nil when it was
// cancelled, moved or handed back to Zoom.
func (s *Server) doorBooking(ctx context.Context, tool, roomID string, t door.Ticket) (*gateway.Booking, error) {
	bs, err := s.opt.Store.ListBookings(ctx, t.Start, t.End)
	if err != nil {
		return nil, err
	}
	for i := range bs {
		b := &bs[i]
		if b.Provider == tool && b.ToolRoom.ID == roomID && b.Start.Equal(t.Start) && b.End.Equal(t.End) &&
			b.Status == gateway.StatusAccepted {
			return b, nil
		}
	}
	return nil, nil
}

// doorNamePage asks a guest's name.
type doorNamePage struct {
	page
	Summary string
	When    gateway.Slot
	// Again is set when a name was sent but is too short.
	Again bool
}

// doorName answers with the form that asks a guest's name; it is sent
// back to the same door, which redirects to the tool's server, so the
// page's form-action allows that server too.
func (s *Server) doorName(w http.ResponseWriter, r *http.Request, tool string, b *gateway.Booking, again bool) {
	loc := s.opt.Location
	data := doorNamePage{page: s.pageOf(access{}, "title.door"), Summary: b.Summary, Again: again,
		When: gateway.Slot{Start: b.Start.In(loc), End: b.End.In(loc)}}
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, "door-name", data); err != nil {
		s.fail(w, "door name page", err)
		return
	}
	csp := contentSecurityPolicy(string(data.CSS()))
	if o := s.opt.Doors.Origins[tool]; o != "" {
		csp = strings.Replace(csp, "form-action 'self'", "form-action 'self' "+o, 1)
	}
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write([]byte(templates.Typeset(s.opt.Lang, buf.String())))
	}
}

// DoorOrigin is the origin (scheme://host[:port]) of a tool's server
// address, for DoorOptions.Origins; "" when raw is not an http(s) URL.
func DoorOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
