package zoomtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Options configure a Server; zero values get working defaults.
type Options struct {
	AccountID, ClientID, ClientSecret string
	// Users of the account; by default one licensed user, DefaultUser.
	Users []User
	// Scopes granted to tokens; AllScopes by default.
	Scopes []string
	// TokenTTL is the access token's lifetime (Zoom: one hour).
	TokenTTL time.Duration
	// Now is the clock: token expiry, rate limits, "upcoming".
	Now func() time.Time
	// RateLimit is the API requests allowed per second of the clock
	// (all endpoints together); 0 means none.
	RateLimit int
	// DailyMeetingLimit is the meetings a user may create or update per
	// GMT day (Zoom: 100); 0 means none.
	DailyMeetingLimit int
	// PasscodeRule, when set, is the account's passcode rules (minimum
	// length, special characters required, digits only…): a passcode it
	// refuses is refused, and a meeting created without one gets
	// GeneratedPasscode (Zoom generates one that fits the rules).
	PasscodeRule      func(string) bool
	GeneratedPasscode string
}

// Default credentials and user of a Server.
const (
	DefaultAccountID    = "acc-R00MGATE"
	DefaultClientID     = "cli-R00MGATE"
	DefaultClientSecret = "sec-fake-client-secret"
)

// DefaultUser is the account's licensed user when Options.Users is empty.
var DefaultUser = User{ID: "KDcuGIm1QgePTO8WbOqwIQ", Email: "host@coop.example", FirstName: "Salle",
	LastName: "Opteos", Type: 2, Timezone: "Europe/Paris"}

// User is a user of the fake account.
type User struct {
	ID, Email, FirstName, LastName string
	Type                           int // 2: licensed
	Timezone                       string
	// Status is "pending", "active" or "inactive" (the OpenAPI
	// document's enum); "" is active.
	Status string
}

// Call is one request the server received, in order.
type Call struct {
	Method string
	Path   string // escaped, e.g. /v2/users/host@coop.example/meetings
	Query  url.Values
	Body   []byte
	// Auth is "basic", "bearer" or "" (how the request authenticated).
	Auth   string
	Status int
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's root, e.g. http://127.0.0.1:41234.
	URL string
	srv *httptest.Server
	opt Options

	mu         sync.Mutex
	tokens     map[string]issued
	dlTokens   map[string]int64 // download token → meeting ID
	meetings   map[int64]*meeting
	recordings map[int64]*recording
	files      map[string]*file // download key → file
	signed     map[string]signedURL
	nextID     int64
	calls      []Call
	faults     []*Fault
	short      int            // downloads still to cut short
	shortFiles map[string]int // the same, by file name or type
	window     int64
	inWindow   int
	day        string
	dayCount   int
}

type issued struct {
	expires time.Time
	scopes  []string
}

// New starts a server on a loopback port; Close stops it.
func New(opt Options) *Server {
	opt.setDefaults()
	s := &Server{opt: opt, tokens: map[string]issued{}, dlTokens: map[string]int64{},
		meetings: map[int64]*meeting{}, recordings: map[int64]*recording{}, files: map[string]*file{},
		signed: map[string]signedURL{}, shortFiles: map[string]int{}, nextID: 81234567890}
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL
	return s
}

func (o *Options) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.AccountID, DefaultAccountID)
	def(&o.ClientID, DefaultClientID)
	def(&o.ClientSecret, DefaultClientSecret)
	if len(o.Users) == 0 {
		o.Users = []User{DefaultUser}
	}
	if o.Scopes == nil {
		o.Scopes = AllScopes
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// APIURL is the base of the API, as zoomapi.Options.BaseURL wants it.
func (s *Server) APIURL() string { return s.URL + "/v2" }

// TokenURL is the OAuth token endpoint.
func (s *Server) TokenURL() string { return s.URL + "/oauth/token" }

// Calls returns the requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Count is the number of requests with that method whose path starts with
// prefix ("" for any method).
func (s *Server) Count(method, prefix string) int {
	n := 0
	for _, c := range s.Calls() {
		if (method == "" || c.Method == method) && strings.HasPrefix(c.Path, prefix) {
			n++
		}
	}
	return n
}

// SetScopes changes the scopes of tokens issued from now on.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opt.Scopes = scopes
}

// RevokeTokens makes every access token issued so far invalid, as when an
// app is deactivated or its secret regenerated.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

func (s *Server) now() time.Time { return s.opt.Now() }

// routes maps Zoom's paths to handlers, behind recording, faults and (for
// the API) authentication.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.token)
	api := func(pattern string, scopes []string, h http.HandlerFunc) {
		mux.Handle(pattern, s.authorize(scopes, h))
	}
	api("GET /v2/users/{userId}", scopeUserRead, s.getUser)
	api("POST /v2/users/{userId}/meetings", scopeMeetingWrite, s.createMeeting)
	api("GET /v2/users/{userId}/meetings", scopeMeetingRead, s.listMeetings)
	api("GET /v2/meetings/{meetingId}", scopeMeetingRead, s.getMeeting)
	api("PATCH /v2/meetings/{meetingId}", scopeMeetingWrite, s.updateMeeting)
	api("DELETE /v2/meetings/{meetingId}", scopeMeetingWrite, s.deleteMeeting)
	api("PUT /v2/meetings/{meetingId}/status", scopeMeetingWrite, s.meetingStatus)
	api("GET /v2/past_meetings/{meetingId}", scopeMeetingRead, s.pastMeeting)
	api("GET /v2/past_meetings/{meetingId}/instances", scopeMeetingRead, s.pastInstances)
	api("GET /v2/meetings/{meetingId}/recordings", scopeRecordingRead, s.listRecordings)
	api("DELETE /v2/meetings/{meetingId}/recordings", scopeRecordingWrite, s.trashRecordings)
	api("GET /v2/report/meetings/{meetingId}/participants", scopeReportRead, s.participants)
	mux.HandleFunc("GET /rec/download/{fileId}", s.download)
	mux.HandleFunc("GET /rec/storage/{fileKey}", s.storage)
	return s.record(mux)
}

// record keeps every request (and its status) and applies injected faults
// and the rate limit before the real handler.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		if !s.fault(rw, r, next) && !s.limited(rw, r) && !s.dailyLimited(rw, r) {
			next.ServeHTTP(rw, r)
		}
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(),
			Body: body, Auth: authKind(r), Status: rw.status})
		s.mu.Unlock()
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func authKind(r *http.Request) string {
	a := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(a, "Basic "):
		return "basic"
	case strings.HasPrefix(a, "Bearer "):
		return "bearer"
	}
	return ""
}

// zoomError writes Zoom's error body {"code", "message"}
// (https://developers.zoom.us/docs/api/errors).
func zoomError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

// validationError is the errors page's body for invalid fields.
func validationError(w http.ResponseWriter, field string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Validation Failed.",
		"errors": []map[string]string{{"field": field, "message": "Invalid field."}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
