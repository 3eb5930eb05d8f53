package web

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
	"codeberg.org/opteos/roomgate/meetings/layer"
	"codeberg.org/opteos/roomgate/templates"
)

// Zoom API mode's pages. None is behind the member token: a start link is
// signed for one booking, a recordings link carries a token of 256 random
// bits that only its organizer got, and Zoom's webhook proves itself by
// its signature. Every refusal is a page in words, never a reason an
// attacker could use.

// ZoomStore is what the Zoom pages read; the db package's Store has it.
type ZoomStore interface {
	// ZoomRecordingsByToken returns the booking, meeting and copies the
	// recordings link with that token hash opens; a nil booking when none.
	ZoomRecordingsByToken(ctx context.Context, tokenHash string) (*gateway.Booking, *meetings.Meeting, []meetings.Recording, error)
	// ListZoomJobs returns up to limit jobs not done, latest first.
	ListZoomJobs(ctx context.Context, limit int) ([]meetings.Job, error)
	// ListZoomRecordings returns up to limit copies, newest first.
	ListZoomRecordings(ctx context.Context, limit int) ([]meetings.Recording, error)
	// CountZoomJobs counts the jobs by status.
	CountZoomJobs(ctx context.Context) (map[string]int, error)
}

// ZoomOptions are the Zoom pages' options (Options.Zoom). Store is
// required; each other field, when set, serves its route.
type ZoomOptions struct {
	Store ZoomStore
	// Start checks a start link and returns a fresh start_url
	// (layer.Layer.StartURL, package meetings/layer); refusals are
	// *layer.StartRefused.
	Start func(ctx context.Context, id int64, sig string) (string, error)
	// Recordings is the store of the copies; they are served when its
	// Root is set.
	Recordings meetings.Recordings
	// Webhook takes Zoom's events at POST /zoom/webhook.
	Webhook http.Handler
}

// startsPerHour bounds the uses of one start link, so that a link passed
// around cannot drain the account's rate limits.
const startsPerHour = 30

// zoomRoutes adds the Zoom pages when the mode is on.
func (s *Server) zoomRoutes(m *http.ServeMux) {
	z := s.opt.Zoom
	if z == nil || z.Store == nil {
		return
	}
	if z.Start != nil {
		lim := newStartLimiter(startsPerHour)
		m.HandleFunc("GET /start/{id}/{sig}", func(w http.ResponseWriter, r *http.Request) { s.startLink(w, r, lim) })
	}
	if z.Recordings.Root != "" {
		m.HandleFunc("GET /recordings/{token}", s.recordingsPage)
		m.HandleFunc("GET /recordings/{token}/{file}", s.recordingFile)
	}
	if z.Webhook != nil {
		m.Handle("POST /zoom/webhook", z.Webhook)
	}
	m.Handle("GET /operator/zoom", s.operatorAccess(s.operatorZoom))
	s.opt.Metrics.watchZoom(z.Store)
}

// noticePage is a page that only says something: a sentence of the
// catalogue, given the instant At or the slot When when not zero.
type noticePage struct {
	page
	Message string
	At      time.Time
	When    gateway.Slot
}

// notice answers with a page saying msg (a catalogue key).
func (s *Server) notice(w http.ResponseWriter, r *http.Request, status int, title, msg string, at time.Time, when gateway.Slot) {
	var buf bytes.Buffer
	loc := s.opt.Location
	data := noticePage{page: s.pageOf(access{}, title), Message: msg, At: at.In(loc),
		When: gateway.Slot{Start: when.Start.In(loc), End: when.End.In(loc)}}
	if err := s.pages.ExecuteTemplate(&buf, "zoom-notice", data); err != nil {
		s.fail(w, "zoom notice page", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write([]byte(templates.Typeset(s.opt.Lang, buf.String())))
	}
}

// startLink checks a start link and redirects to a fresh start_url.
func (s *Server) startLink(w http.ResponseWriter, r *http.Request, lim *startLimiter) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.startRefused(w, r, &layer.StartRefused{Reason: layer.StartInvalid})
		return
	}
	if !lim.allow(id, s.opt.Now()) {
		s.notice(w, r, http.StatusTooManyRequests, "title.start", "start.busy", time.Time{}, gateway.Slot{})
		return
	}
	u, err := s.opt.Zoom.Start(r.Context(), id, r.PathValue("sig"))
	var refused *layer.StartRefused
	switch {
	case errors.As(err, &refused):
		s.startRefused(w, r, refused)
	case err != nil:
		s.log.Error("web: start link", "booking_id", id, "err", err)
		s.notice(w, r, http.StatusBadGateway, "title.start", "start.zoom", time.Time{}, gateway.Slot{})
	default:
		// start_url starts the meeting as the account's user: it goes in
		// the Location header only, never in a page or a log.
		w.Header().Set("Location", u)
		w.WriteHeader(http.StatusSeeOther)
	}
}

// startRefused says why a start link does not work now.
func (s *Server) startRefused(w http.ResponseWriter, r *http.Request, e *layer.StartRefused) {
	switch e.Reason {
	case layer.StartEarly:
		s.notice(w, r, http.StatusForbidden, "title.start", "start.early", e.Opens, gateway.Slot{})
	case layer.StartOver:
		s.notice(w, r, http.StatusGone, "title.start", "start.over", time.Time{}, e.When)
	case layer.StartGone:
		s.notice(w, r, http.StatusGone, "title.start", "start.gone", time.Time{}, e.When)
	default:
		s.notice(w, r, http.StatusForbidden, "title.start", "start.invalid", time.Time{}, gateway.Slot{})
	}
}

// recordingsSet finds the copies a recordings link opens, answering the
// request itself when it opens none.
func (s *Server) recordingsSet(w http.ResponseWriter, r *http.Request) (*gateway.Booking, *meetings.Meeting, []meetings.Recording, bool) {
	b, m, recs, err := s.opt.Zoom.Store.ZoomRecordingsByToken(r.Context(), meetings.TokenHash(r.PathValue("token")))
	switch {
	case err != nil:
		s.fail(w, "recordings", err)
		return nil, nil, nil, false
	case b == nil || m == nil:
		s.notice(w, r, http.StatusNotFound, "title.recordings", "recordings.invalid", time.Time{}, gateway.Slot{})
		return nil, nil, nil, false
	case !s.opt.Now().Before(m.RecordingsUntil):
		s.notice(w, r, http.StatusGone, "title.recordings", "recordings.expired", m.RecordingsUntil, gateway.Slot{})
		return nil, nil, nil, false
	}
	return b, m, recs, true
}

// recordingRow is one copy on the recordings page.
type recordingRow struct {
	Name, Type, Size, SHA256, URL string
}

// recordingsPage lists the copies of a meeting's recordings.
func (s *Server) recordingsPage(w http.ResponseWriter, r *http.Request) {
	b, m, recs, ok := s.recordingsSet(w, r)
	if !ok {
		return
	}
	data := struct {
		page
		Summary, When, Until string
		Files                []recordingRow
	}{page: s.pageOf(access{}, "title.recordings"), Summary: b.Summary, When: s.stamp(b.Start)[:10] + " " + s.when(b.Start, b.End),
		Until: s.stamp(m.RecordingsUntil)}
	for _, rec := range recs {
		if rec.DeletedAt.IsZero() {
			data.Files = append(data.Files, recordingRow{Name: rec.Name, Type: rec.FileType, Size: sizeText(rec.Size),
				SHA256: rec.SHA256, URL: r.PathValue("token") + "/" + strconv.FormatInt(rec.ID, 10)})
		}
	}
	s.render(w, r, "zoom-recordings", data)
}

// recordingFile serves one copy, ranges allowed (a video is long).
func (s *Server) recordingFile(w http.ResponseWriter, r *http.Request) {
	b, _, recs, ok := s.recordingsSet(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
	for _, rec := range recs {
		if rec.ID != id || !rec.DeletedAt.IsZero() {
			continue
		}
		f, err := s.opt.Zoom.Recordings.Open(b.ID, filepath.Base(rec.Name))
		if err != nil {
			s.fail(w, "open recording", err)
			return
		}
		defer f.Close()
		ctype := mime.TypeByExtension(filepath.Ext(rec.Name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": rec.Name}))
		http.ServeContent(w, r, "", rec.CreatedAt, f)
		return
	}
	s.notice(w, r, http.StatusNotFound, "title.recordings", "recordings.nofile", time.Time{}, gateway.Slot{})
}

// sizeText writes a size for people.
func sizeText(n int64) string {
	switch {
	case n >= 1e9:
		return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
	case n >= 1e6:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	case n >= 1e3:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// operatorZoom shows the Zoom jobs not done and the recordings' copies.
func (s *Server) operatorZoom(w http.ResponseWriter, r *http.Request, a access) {
	z := s.opt.Zoom.Store
	jobs, err := z.ListZoomJobs(r.Context(), maxRows)
	if err != nil {
		s.fail(w, "list zoom jobs", err)
		return
	}
	recs, err := z.ListZoomRecordings(r.Context(), maxRows)
	if err != nil {
		s.fail(w, "list recordings", err)
		return
	}
	type jobRow struct {
		Booking                           int64
		Kind, Status, Next, Error, Change string
		Attempts                          int
	}
	type copyRow struct {
		Booking                     int64
		Name, Size, SHA256, Expires string
		Deleted                     bool
	}
	data := struct {
		page
		Jobs   []jobRow
		Copies []copyRow
	}{page: s.operatorPage(a, "title.zoom")}
	for _, j := range jobs {
		data.Jobs = append(data.Jobs, jobRow{Booking: j.BookingID, Kind: j.Kind, Status: j.Status, Next: s.stamp(j.NextAttempt),
			Error: j.LastError, Change: s.stamp(j.UpdatedAt), Attempts: j.Attempts})
	}
	for _, c := range recs {
		data.Copies = append(data.Copies, copyRow{Booking: c.BookingID, Name: c.Name, Size: sizeText(c.Size),
			SHA256: c.SHA256, Expires: s.stamp(c.ExpiresAt), Deleted: !c.DeletedAt.IsZero()})
	}
	s.render(w, r, "operator-zoom", data)
}
