// Package web serves roomgate over HTTP: the members' week agenda, the
// calendar feeds (agenda.ics, freebusy.ics) calendar apps subscribe to, the
// operator's pages, a health check and Prometheus metrics.
//
// It reads roomgate's state through the small Store interface below, which
// the db package's Store satisfies; it never writes. Pages are
// html/template files of the templates package, so everything a member typed
// is escaped. No page shows the host key, passcodes, join links or
// passwords: the package is never given them. In Zoom API mode (zoom.go)
// it also serves start links, which redirect to a start_url fetched at
// that moment, the copies of recordings, and Zoom's webhook.
package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/templates"
)

// Store is the read-only view of roomgate's state the web pages need.
type Store interface {
	// ListBookings returns the bookings of any status that overlap
	// [from, to), ordered by Start.
	ListBookings(ctx context.Context, from, to time.Time) ([]gateway.Booking, error)
	// ListAudit returns up to limit audit entries logged at or after
	// since, oldest first; limit <= 0 means all.
	ListAudit(ctx context.Context, since time.Time, limit int) ([]gateway.AuditEntry, error)
	// ListOutbox returns up to limit mails with that status (any when ""),
	// newest first; limit <= 0 means all.
	ListOutbox(ctx context.Context, status gateway.OutboxStatus, limit int) ([]gateway.OutboxMail, error)
	// PendingOutbox returns how many mails wait to be sent and when the
	// oldest was queued (zero when none).
	PendingOutbox(ctx context.Context) (int, time.Time, error)
	// CountMessages returns how many processed messages there are per
	// action.
	CountMessages(ctx context.Context) (map[string]int, error)
	// Ping checks that the database is reachable.
	Ping(ctx context.Context) error
}

// What members see of other people's bookings (Options.Show).
const (
	ShowTitles = "titles" // title and organizer
	ShowBusy   = "busy"   // only that the slot is booked
)

// Options configures a Server. Store, Token and Location are required.
type Options struct {
	Store Store
	// Token lets members in: ?token=… in the URL (calendar apps need
	// that) or an Authorization: Bearer header. OperatorToken opens the
	// operator pages and /metrics as well; when "", they answer 404.
	Token, OperatorToken string
	// Show is ShowTitles (the default) or ShowBusy.
	Show     string
	Lang     string         // "fr" (default) or "en"
	Location *time.Location // zone of the agenda and the feeds
	// Rooms maps each room's address to its name.
	Rooms map[string]string
	// Concurrent is how many meetings the account hosts at once (1 when 0).
	Concurrent int
	// ServiceName names the cooperative's room service in the pages.
	ServiceName string
	// DayStart and DayEnd bound the free slots shown, as offsets from
	// local midnight (08:00 and 20:00 when both are 0). Buffer is kept
	// free around each booking.
	DayStart, DayEnd, Buffer time.Duration
	// BookingWindow is how far ahead the feeds reach (180 days when 0).
	BookingWindow time.Duration
	// StuckAfter: a pending mail older than this makes /healthz fail
	// (15 minutes when 0).
	StuckAfter time.Duration
	// Waiting returns since when the oldest message read from the inbox
	// waits for its decision to be recorded (gateway's OldestWaiting),
	// zero when none; nil when unknown. Past InboxStuckAfter (5 minutes
	// when 0) /healthz fails.
	Waiting         func() time.Time
	InboxStuckAfter time.Duration
	// Metrics receives the store's gauges and serves /metrics; a new one
	// is made when nil.
	Metrics *Metrics
	Logger  *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Version is the program's version, shown by /healthz.
	Version string
	// Approvals carries out the facilitators' approval links on
	// /approval; nil: the route answers 404.
	Approvals Approvals
	// Zoom serves Zoom API mode's pages (start links, recordings, the
	// webhook, the operator's section); nil when the mode is off.
	Zoom *ZoomOptions
	// Doors serves the doors of the free tools whose rooms need a server
	// call (door.go); nil when none is configured.
	Doors *DoorOptions
}

// Server is the web front end. It is an http.Handler, safe for concurrent
// use.
type Server struct {
	opt   Options
	log   *slog.Logger
	pages *htmltemplate.Template
	csp   string
	mux   *http.ServeMux
}

// New checks the options and returns a Server.
func New(opt Options) (*Server, error) {
	if opt.Store == nil || opt.Location == nil {
		return nil, errors.New("web: Store and Location are required")
	}
	if opt.Token == "" {
		return nil, errors.New("web: a member token is required")
	}
	opt = withDefaults(opt)
	if opt.Show != ShowTitles && opt.Show != ShowBusy {
		return nil, fmt.Errorf("web: show %q is not %s or %s", opt.Show, ShowTitles, ShowBusy)
	}
	pages, err := templates.Web(opt.Lang)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s := &Server{opt: opt, log: opt.Logger, pages: pages, csp: contentSecurityPolicy(templates.WebCSS())}
	opt.Metrics.watchStore(opt.Store)
	s.routes()
	return s, nil
}

func withDefaults(o Options) Options {
	if o.Show == "" {
		o.Show = ShowTitles
	}
	if o.Lang == "" {
		o.Lang = "fr"
	}
	if o.Concurrent <= 0 {
		o.Concurrent = 1
	}
	if o.DayStart == 0 && o.DayEnd == 0 {
		o.DayStart, o.DayEnd = 8*time.Hour, 20*time.Hour
	}
	if o.BookingWindow <= 0 {
		o.BookingWindow = 180 * 24 * time.Hour
	}
	if o.StuckAfter <= 0 {
		o.StuckAfter = 15 * time.Minute
	}
	if o.InboxStuckAfter <= 0 {
		o.InboxStuckAfter = 5 * time.Minute
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// routes registers every page. GET patterns also answer HEAD.
func (s *Server) routes() {
	m := http.NewServeMux()
	m.Handle("GET /{$}", s.member(s.agenda))
	m.Handle("GET /agenda.ics", s.member(s.agendaFeed))
	m.Handle("GET /freebusy.ics", s.member(s.freeBusyFeed))
	m.Handle("GET /freebusy/{file}", s.member(s.roomFreeBusy))
	m.HandleFunc("GET /healthz", s.health)
	m.Handle("GET /metrics", s.operator(s.opt.Metrics.handler().ServeHTTP))
	m.Handle("GET /operator/{$}", s.operatorAccess(s.operatorIndex))
	m.Handle("GET /operator/audit", s.operatorAccess(s.operatorAudit))
	m.Handle("GET /operator/outbox", s.operatorAccess(s.operatorOutbox))
	m.Handle("GET /operator/rejected", s.operatorAccess(s.operatorRejected))
	if s.opt.Approvals != nil {
		m.HandleFunc("GET /approval", s.approvalGET)
		m.HandleFunc("POST /approval", s.approvalPOST)
	}
	s.zoomRoutes(m)
	s.doorRoutes(m)
	s.mux = m
}

// ServeHTTP adds the security headers, recovers panics and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic in web handler", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

// styled is a page whose stylesheet has rules of its own (the agenda's
// grid): its Content-Security-Policy names that stylesheet's hash.
type styled interface{ CSS() htmltemplate.CSS }

// render executes a page template into a buffer first, so that a failure
// yields a clean 500 rather than half a page. French pages get French
// typography (templates.Typeset).
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	s.renderStatus(w, r, http.StatusOK, name, data)
}

// renderStatus is render with another status code than 200.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("web page failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if p, ok := data.(styled); ok {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy(string(p.CSS())))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write([]byte(templates.Typeset(s.opt.Lang, buf.String())))
	}
}

// fail logs an internal error and answers 500 without details.
func (s *Server) fail(w http.ResponseWriter, what string, err error) {
	s.log.Error("web: "+what, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// word returns a word of the page catalogue in the configured language.
func (s *Server) word(key string) string { return templates.WebWord(s.opt.Lang, key) }
