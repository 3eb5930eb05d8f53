// Package bbbtest is a fake BigBlueButton API server for tests, written
// from the API reference (https://docs.bigbluebutton.org/development/api;
// bigbluebutton/bigbluebutton docs/docs/development/api.md and
// docs/docs/data/{join,end}.tsx) and the checksum check of bbb-web
// (ParamsProcessorUtil.isChecksumSame: the checksum parameter is cut out
// of the raw query string, the algorithm is chosen by the checksum's
// length).
//
// Where it differs from a real server:
//   - only GET is served (the reference also allows POST for create,
//     isMeetingRunning, end and getMeetingInfo); calls other than create,
//     join, isMeetingRunning and end answer FAILED unsupportedRequest;
//   - create checks meetingID (2–256 characters, no comma), name and
//     passwords (2–64 characters) but ignores every other parameter;
//     a second create of a meeting that exists answers duplicateWarning
//     when attendeePW and moderatorPW are the same and idNotUnique
//     otherwise (the reference says only "the same parameters"; bbb-web
//     compares the passwords); missing passwords are generated;
//   - a meeting never expires by itself (no
//     meetingExpireIfNoUserJoinedInMinutes timer); end removes it at once
//     (a real server takes a few seconds) and a later create makes a new
//     session with a new createTime;
//   - join marks the meeting running at once (a real server waits for the
//     user's client) and redirects to /client/join?sessionToken=…, or
//     answers the XML of successfullyJoined with redirect=false;
//   - error messages are the fake's English, only the messageKeys are the
//     API's.
package bbbtest

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Options configures a Server. Secret is required.
type Options struct {
	Secret string
	// Algorithms the server accepts (bbb-web's supportedChecksumAlgorithms);
	// default all four.
	Algorithms []string
	// Now is the clock of createTime (time.Now by default).
	Now func() time.Time
}

// Join is one join the server accepted.
type Join struct {
	MeetingID, FullName, Role string
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	o Options

	mu       sync.Mutex
	meetings map[string]*meeting
	joins    []Join
	calls    map[string]int
	fail     map[string][2]string
	stall    chan struct{} // non-nil: calls wait for a close or their context
	arrived  chan struct{}
	padding  int
}

type meeting struct {
	name, attendeePW, moderatorPW string
	createTime                    int64
	running                       bool
}

// New starts a fake server; Close stops it.
func New(o Options) *Server {
	if len(o.Algorithms) == 0 {
		o.Algorithms = []string{"sha1", "sha256", "sha384", "sha512"}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, meetings: map[string]*meeting{}, calls: map[string]int{}, fail: map[string][2]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// APIURL is the API endpoint, …/bigbluebutton/api/.
func (s *Server) APIURL() string { return s.URL + "/bigbluebutton/api/" }

// FailNext makes the next call named call answer FAILED with messageKey.
func (s *Server) FailNext(call, messageKey, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[call] = [2]string{messageKey, message}
}

// Stall makes every call wait until the returned function is called or
// the request's context ends; arrived receives once per waiting call.
func (s *Server) Stall() (arrived <-chan struct{}, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall, s.arrived = make(chan struct{}), make(chan struct{}, 16)
	ch := s.stall
	return s.arrived, sync.OnceFunc(func() { close(ch) })
}

// Pad adds n bytes of whitespace inside every answer.
func (s *Server) Pad(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.padding = n
}

// Calls is how many requests named call arrived (checksum good or not).
func (s *Server) Calls(call string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[call]
}

// Joins are the joins accepted so far.
func (s *Server) Joins() []Join {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Join(nil), s.joins...)
}

// Meeting reports whether meetingID exists, and its name and createTime.
func (s *Server) Meeting(meetingID string) (name string, createTime int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[meetingID]
	if !ok {
		return "", 0, false
	}
	return m.name, m.createTime, true
}

// Forget drops a meeting, as a server restart would.
func (s *Server) Forget(meetingID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.meetings, meetingID)
}

const apiPrefix = "/bigbluebutton/api/"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	call, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	if !s.wait(r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[call]++
	if !s.checksumOK(call, r.URL.RawQuery) {
		s.failed(w, "checksumError", "Checksums do not match")
		return
	}
	if f, ok := s.fail[call]; ok {
		delete(s.fail, call)
		s.failed(w, f[0], f[1])
		return
	}
	q := r.URL.Query()
	switch call {
	case "create":
		s.create(w, q)
	case "join":
		s.join(w, r, q)
	case "isMeetingRunning":
		s.isRunning(w, q)
	case "end":
		s.end(w, q)
	default:
		s.failed(w, "unsupportedRequest", "This request is not supported.")
	}
}

// wait holds a call while the server stalls; false when its context
// ended first.
func (s *Server) wait(r *http.Request) bool {
	s.mu.Lock()
	stall, arrived := s.stall, s.arrived
	s.mu.Unlock()
	if stall == nil {
		return true
	}
	arrived <- struct{}{}
	select {
	case <-stall:
		return true
	case <-r.Context().Done():
		return false
	}
}

// checksumOK checks the checksum as bbb-web does: cut "&checksum=X",
// "checksum=X&" or "checksum=X" out of the raw query string, hash
// call + rest + secret with the algorithm the checksum's length names.
func (s *Server) checksumOK(call, raw string) bool {
	cs := ""
	for _, kv := range strings.Split(raw, "&") {
		if v, ok := strings.CutPrefix(kv, "checksum="); ok {
			cs = v
		}
	}
	if cs == "" {
		return false
	}
	rest := strings.Replace(raw, "&checksum="+cs, "", 1)
	rest = strings.Replace(rest, "checksum="+cs+"&", "", 1)
	rest = strings.Replace(rest, "checksum="+cs, "", 1)
	var h hash.Hash
	switch name := map[int]string{40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}[len(cs)]; {
	case !s.supports(name):
		return false
	case name == "sha1":
		h = sha1.New()
	case name == "sha256":
		h = sha256.New()
	case name == "sha384":
		h = sha512.New384()
	default:
		h = sha512.New()
	}
	h.Write([]byte(call + rest + s.o.Secret))
	want := hex.EncodeToString(h.Sum(nil))
	return subtle.ConstantTimeCompare([]byte(want), []byte(cs)) == 1
}

func (s *Server) supports(name string) bool {
	for _, a := range s.o.Algorithms {
		if a == name && name != "" {
			return true
		}
	}
	return false
}

func (s *Server) create(w http.ResponseWriter, q url.Values) {
	id, name := q.Get("meetingID"), q.Get("name")
	apw, mpw := q.Get("attendeePW"), q.Get("moderatorPW")
	switch {
	case id == "":
		s.failed(w, "missingParamMeetingID", "You must specify a meeting ID for the meeting.")
		return
	case !between(id, 2, 256) || strings.Contains(id, ","):
		s.failed(w, "validationError", "Meeting ID must be between 2 and 256 characters and cannot contain commas")
		return
	case !between(name, 2, 64), apw != "" && !between(apw, 2, 64), mpw != "" && !between(mpw, 2, 64):
		s.failed(w, "validationError", "Name and passwords must be between 2 and 64 characters")
		return
	}
	if m, ok := s.meetings[id]; ok {
		if m.attendeePW != apw || m.moderatorPW != mpw {
			s.failed(w, "idNotUnique", "A meeting already exists with that meeting ID. Please use a different meeting ID.")
			return
		}
		s.answer(w, createAnswer(id, m, "duplicateWarning", "This conference was already in existence and may currently be in progress."))
		return
	}
	m := &meeting{name: name, attendeePW: or(apw, random()), moderatorPW: or(mpw, random()), createTime: s.o.Now().UnixMilli()}
	s.meetings[id] = m
	s.answer(w, createAnswer(id, m, "", ""))
}

func (s *Server) join(w http.ResponseWriter, r *http.Request, q url.Values) {
	id, full := q.Get("meetingID"), q.Get("fullName")
	m, ok := s.meetings[id]
	switch {
	case full == "":
		s.failed(w, "missingParamFullName", "You must specify a name for the attendee who will be joining the meeting.")
		return
	case !ok:
		s.failed(w, "invalidMeetingIdentifier", "The meeting ID that you supplied did not match any existing meetings")
		return
	case q.Has("createTime") && q.Get("createTime") != strconv.FormatInt(m.createTime, 10):
		s.failed(w, "mismatchCreateTimeParam", "The createTime parameter submitted mismatches with the current meeting.")
		return
	}
	role := strings.ToUpper(q.Get("role"))
	if role != "MODERATOR" && role != "VIEWER" {
		switch q.Get("password") {
		case m.moderatorPW:
			role = "MODERATOR"
		case m.attendeePW:
			role = "VIEWER"
		default:
			s.failed(w, "invalidPassword", "You either did not supply a password or the password supplied is neither the attendee or moderator password for this conference.")
			return
		}
	}
	m.running = true
	s.joins = append(s.joins, Join{MeetingID: id, FullName: full, Role: role})
	token := random()
	if q.Get("redirect") == "false" {
		s.answer(w, joinAnswer{ReturnCode: "SUCCESS", MessageKey: "successfullyJoined",
			Message: "You have joined successfully.", SessionToken: token})
		return
	}
	http.Redirect(w, r, "/client/join?sessionToken="+token, http.StatusFound)
}

func (s *Server) isRunning(w http.ResponseWriter, q url.Values) {
	id := q.Get("meetingID")
	if id == "" {
		s.failed(w, "missingParamMeetingID", "You must specify a meeting ID for the meeting.")
		return
	}
	m, ok := s.meetings[id]
	s.answer(w, struct {
		XMLName    xml.Name `xml:"response"`
		ReturnCode string   `xml:"returncode"`
		Running    bool     `xml:"running"`
	}{ReturnCode: "SUCCESS", Running: ok && m.running})
}

func (s *Server) end(w http.ResponseWriter, q url.Values) {
	id := q.Get("meetingID")
	if _, ok := s.meetings[id]; !ok {
		s.failed(w, "notFound", "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?")
		return
	}
	delete(s.meetings, id)
	s.answer(w, generic{ReturnCode: "SUCCESS", MessageKey: "sentEndMeetingRequest",
		Message: "A request to end the meeting was sent. Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended."})
}

type generic struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey,omitempty"`
	Message    string   `xml:"message,omitempty"`
}

type joinAnswer struct {
	XMLName      xml.Name `xml:"response"`
	ReturnCode   string   `xml:"returncode"`
	MessageKey   string   `xml:"messageKey"`
	Message      string   `xml:"message"`
	SessionToken string   `xml:"session_token"`
}

type createXML struct {
	XMLName           xml.Name `xml:"response"`
	ReturnCode        string   `xml:"returncode"`
	MeetingID         string   `xml:"meetingID"`
	InternalMeetingID string   `xml:"internalMeetingID"`
	ParentMeetingID   string   `xml:"parentMeetingID"`
	AttendeePW        string   `xml:"attendeePW"`
	ModeratorPW       string   `xml:"moderatorPW"`
	CreateTime        int64    `xml:"createTime"`
	HasUserJoined     bool     `xml:"hasUserJoined"`
	Duration          int      `xml:"duration"`
	ForciblyEnded     bool     `xml:"hasBeenForciblyEnded"`
	MessageKey        string   `xml:"messageKey,omitempty"`
	Message           string   `xml:"message,omitempty"`
}

func createAnswer(id string, m *meeting, key, msg string) createXML {
	sum := sha1.Sum([]byte(id))
	return createXML{ReturnCode: "SUCCESS", MeetingID: id,
		InternalMeetingID: fmt.Sprintf("%x-%d", sum, m.createTime), ParentMeetingID: "bbb-none",
		AttendeePW: m.attendeePW, ModeratorPW: m.moderatorPW, CreateTime: m.createTime,
		HasUserJoined: m.running, MessageKey: key, Message: msg}
}

func (s *Server) failed(w http.ResponseWriter, key, msg string) {
	s.answer(w, generic{ReturnCode: "FAILED", MessageKey: key, Message: msg})
}

// answer writes v as the API's XML, padded when Pad asked for it.
func (s *Server) answer(w http.ResponseWriter, v any) {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if s.padding > 0 {
		b = append(b[:len(b)-len("</response>")], []byte(strings.Repeat(" ", s.padding)+"</response>")...)
	}
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

func between(s string, lo, hi int) bool {
	n := utf8.RuneCountInString(s)
	return n >= lo && n <= hi
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func random() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
