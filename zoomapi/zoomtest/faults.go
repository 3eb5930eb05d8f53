package zoomtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// Fault makes the next Times requests matching Method and Path answer
// Status with Zoom's error body. Inject it with Server.Fail.
type Fault struct {
	Method string // "" for any
	Path   string // a prefix of the escaped path, e.g. "/v2/users/"
	Status int
	// Code and Message form the body; defaults suit the status.
	Code    int
	Message string
	// RetryAfter, when set, is sent as the Retry-After header (429), and
	// LimitType as X-RateLimit-Type ("QPS" by default, or "Daily-limit").
	RetryAfter string
	LimitType  string
	Times      int
	// After runs the request first and then answers the fault instead of
	// the real answer: Zoom did the work but the answer was lost.
	After bool
	// Hook, when set, runs after the request was carried out (with After)
	// and before any answer: a test can kill its client right there,
	// between Zoom's work and its answer.
	Hook func()
}

// Fail injects f (Times defaults to 1).
func (s *Server) Fail(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// fault answers r with the first matching fault, if any, running next
// first for a fault After.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
	s.mu.Lock()
	var f *Fault
	for _, c := range s.faults {
		if c.Times > 0 && (c.Method == "" || c.Method == r.Method) && strings.HasPrefix(r.URL.EscapedPath(), c.Path) {
			c.Times--
			f = c
			break
		}
	}
	s.mu.Unlock()
	if f == nil {
		return false
	}
	if f.After {
		next.ServeHTTP(httptest.NewRecorder(), r)
	}
	if f.Hook != nil {
		f.Hook()
	}
	if f.Status == http.StatusTooManyRequests {
		rateLimited(w, f.RetryAfter, f.LimitType)
		return true
	}
	code, msg := f.Code, f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	zoomError(w, f.Status, code, msg)
	return true
}

// limited applies Options.RateLimit to API requests: beyond that many in
// one second of the clock, Zoom answers 429
// (https://developers.zoom.us/docs/api/rate-limits/).
func (s *Server) limited(w http.ResponseWriter, r *http.Request) bool {
	if s.opt.RateLimit <= 0 || !strings.HasPrefix(r.URL.Path, "/v2/") {
		return false
	}
	s.mu.Lock()
	sec := s.now().Unix()
	if sec != s.window {
		s.window, s.inWindow = sec, 0
	}
	s.inWindow++
	over := s.inWindow > s.opt.RateLimit
	s.mu.Unlock()
	if over {
		rateLimited(w, "", "")
	}
	return over
}

// rateLimited writes a 429. A per-second limit carries X-RateLimit-Type
// QPS (and Retry-After when the fault gives one; not verified). The daily
// limit on creating and updating meetings is answered as Zoom does (see
// the specs' SOURCES.md): a message naming the GMT time at which requests
// may resume and only the x-ratelimit-category, x-ratelimit-limit and
// x-ratelimit-remaining headers, no Retry-After.
func rateLimited(w http.ResponseWriter, retryAfter, limitType string) {
	if limitType == "Daily-limit" {
		w.Header().Set("X-RateLimit-Category", "Medium")
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", "0")
		zoomError(w, http.StatusTooManyRequests, 429, "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.")
		return
	}
	w.Header().Set("X-RateLimit-Category", "Light")
	w.Header().Set("X-RateLimit-Type", "QPS")
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	zoomError(w, http.StatusTooManyRequests, 429, "You have reached the maximum per-second rate limit for this API. Try again later.")
}

// dailyLimited applies Options.DailyMeetingLimit to the creations and
// updates of meetings, per user and GMT day; call it before the handler.
func (s *Server) dailyLimited(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	create := r.Method == http.MethodPost && strings.HasPrefix(p, "/v2/users/") && strings.HasSuffix(p, "/meetings")
	update := r.Method == http.MethodPatch && strings.HasPrefix(p, "/v2/meetings/")
	if s.opt.DailyMeetingLimit <= 0 || !(create || update) {
		return false
	}
	s.mu.Lock()
	day := s.now().UTC().Format("2006-01-02")
	if day != s.day {
		s.day, s.dayCount = day, 0
	}
	s.dayCount++
	over := s.dayCount > s.opt.DailyMeetingLimit
	s.mu.Unlock()
	if over {
		rateLimited(w, "", "Daily-limit")
	}
	return over
}

// ShortenDownloads makes the next n downloads send half the file without
// a Content-Length, as a connection cut mid-transfer would.
func (s *Server) ShortenDownloads(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.short = n
}

// ShortenFile makes the next n downloads of the files whose FileName or
// FileType is match send half the file, as ShortenDownloads does.
func (s *Server) ShortenFile(match string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shortFiles[match] = n
}
