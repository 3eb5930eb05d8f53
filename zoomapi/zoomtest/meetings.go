package zoomtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Meetings follow https://developers.zoom.us/docs/api/meetings/#tag/meetings
// (shapes in rivet-javascript meetings/meetings.d.ts: MeetingsCreateMeeting*,
// MeetingsGetMeetingResponse, MeetingsUpdateMeetingRequestBody,
// MeetingsListMeetings*, MeetingsUpdateMeetingStatusRequestBody,
// MeetingsGetPastMeetingDetailsResponse); users
// https://developers.zoom.us/docs/api/users/ (UsersGetUserResponse).

// Settings are a meeting's settings as the fake keeps them.
type Settings struct {
	HostVideo        *bool  `json:"host_video,omitempty"`
	ParticipantVideo *bool  `json:"participant_video,omitempty"`
	JoinBeforeHost   *bool  `json:"join_before_host,omitempty"`
	MuteUponEntry    *bool  `json:"mute_upon_entry,omitempty"`
	WaitingRoom      *bool  `json:"waiting_room,omitempty"`
	AutoRecording    string `json:"auto_recording,omitempty"`
	// MeetingAuthentication is kept, not enforced: the fake admits
	// anyone (Zoom admits only users signed in).
	MeetingAuthentication *bool `json:"meeting_authentication,omitempty"`
}

// Meeting is the fake's state of a meeting, for tests to inspect.
type Meeting struct {
	ID                      int64
	UUID, HostID, HostEmail string
	Topic, Timezone, Agenda string
	Password                string
	Type, Duration          int // Duration in minutes
	StartTime, CreatedAt    time.Time
	Settings                Settings
	Status                  string // waiting, started, ended
	Started, Ended          time.Time
	Deleted                 bool
	// Participants are the rows of the latest instance's report.
	Participants []Participant
	StartURLs    int // start_url values handed out
	instances    []*instance
}

// Participant is one join of the participants report; Waiting marks a
// row of someone left in the waiting room (status in_waiting_room).
type Participant struct {
	Name, Email string
	Join, Leave time.Time
	Waiting     bool
}

type meeting = Meeting

// meetingInput is the create/update body.
type meetingInput struct {
	Topic     *string `json:"topic"`
	Type      int     `json:"type"`
	StartTime string  `json:"start_time"`
	Duration  int     `json:"duration"`
	Timezone  string  `json:"timezone"`
	Password  *string `json:"password"`
	// DefaultPassword asks Zoom to generate a passcode from the user's
	// settings.
	DefaultPassword bool      `json:"default_password"`
	Agenda          *string   `json:"agenda"`
	Settings        *Settings `json:"settings"`
}

func (s *Server) findUser(idOrEmail string) (User, bool) {
	for _, u := range s.opt.Users {
		if u.ID == idOrEmail || strings.EqualFold(u.Email, idOrEmail) {
			return u, true
		}
	}
	return User{}, false
}

// getUser is GET /users/{userId}; 404 code 1001 "User does not exist".
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	u, ok := s.findUser(r.PathValue("userId"))
	if !ok {
		zoomError(w, http.StatusNotFound, 1001, "User does not exist: "+r.PathValue("userId")+".")
		return
	}
	status := u.Status
	if status == "" {
		status = "active"
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "email": u.Email, "first_name": u.FirstName,
		"last_name": u.LastName, "type": u.Type, "timezone": u.Timezone, "account_id": s.opt.AccountID,
		"status": status})
}

// createMeeting is POST /users/{userId}/meetings, answered 201.
func (s *Server) createMeeting(w http.ResponseWriter, r *http.Request) {
	u, ok := s.findUser(r.PathValue("userId"))
	if !ok {
		zoomError(w, http.StatusNotFound, 1001, "User does not exist: "+r.PathValue("userId")+".")
		return
	}
	in, ok := decodeMeeting(w, r)
	if !ok {
		return
	}
	m := &meeting{HostID: u.ID, HostEmail: u.Email, Type: 2, Status: "waiting", CreatedAt: s.now().UTC()}
	if in.Type != 0 {
		m.Type = in.Type
	}
	if field := applyMeeting(m, in); field != "" {
		validationError(w, field)
		return
	}
	if !s.passcodeAllowed(w, m, in) {
		return
	}
	if m.StartTime.IsZero() || m.Duration <= 0 || m.Topic == "" {
		validationError(w, "start_time")
		return
	}
	s.mu.Lock()
	m.ID, m.UUID = s.nextID, newUUID()
	s.nextID++
	s.meetings[m.ID] = m
	out := s.meetingJSON(m, false)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

// decodeMeeting reads the body, answering the errors page's "Request
// Body should be a valid JSON object." when it is not one.
func decodeMeeting(w http.ResponseWriter, r *http.Request) (*meetingInput, bool) {
	var in meetingInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		zoomError(w, http.StatusBadRequest, 300, "Request Body should be a valid JSON object.")
		return nil, false
	}
	return &in, true
}

// applyMeeting checks and copies the fields given; it returns the name of
// an invalid field. start_time is "yyyy-MM-ddTHH:mm:ssZ" (GMT) or
// "yyyy-MM-ddTHH:mm:ss" in timezone; a passcode is at most 10 of
// [a-zA-Z0-9@-_*]; topic at most 200 characters.
func applyMeeting(m *meeting, in *meetingInput) string {
	if in.Timezone != "" {
		if _, err := time.LoadLocation(in.Timezone); err != nil {
			return "timezone"
		}
		m.Timezone = in.Timezone
	}
	if in.StartTime != "" {
		t, err := parseStart(in.StartTime, m.Timezone)
		if err != nil {
			return "start_time"
		}
		m.StartTime = t
	}
	if in.Duration < 0 {
		return "duration"
	} else if in.Duration > 0 {
		m.Duration = in.Duration
	}
	if in.Topic != nil {
		if utf8.RuneCountInString(*in.Topic) > 200 {
			return "topic"
		}
		m.Topic = *in.Topic
	}
	if in.Password != nil {
		if !validPasscode(*in.Password) {
			return "password"
		}
		m.Password = *in.Password
	}
	if in.Agenda != nil {
		m.Agenda = *in.Agenda
	}
	return applySettings(m, in.Settings)
}

func applySettings(m *meeting, in *Settings) string {
	if in == nil {
		return ""
	}
	switch in.AutoRecording {
	case "", "none", "local", "cloud":
	default:
		return "settings.auto_recording"
	}
	set := func(dst **bool, v *bool) {
		if v != nil {
			*dst = v
		}
	}
	set(&m.Settings.HostVideo, in.HostVideo)
	set(&m.Settings.ParticipantVideo, in.ParticipantVideo)
	set(&m.Settings.JoinBeforeHost, in.JoinBeforeHost)
	set(&m.Settings.MuteUponEntry, in.MuteUponEntry)
	set(&m.Settings.WaitingRoom, in.WaitingRoom)
	set(&m.Settings.MeetingAuthentication, in.MeetingAuthentication)
	if in.AutoRecording != "" {
		m.Settings.AutoRecording = in.AutoRecording
	}
	return ""
}

func parseStart(v, zone string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02T15:04:05Z", v); err == nil {
		return t, nil
	}
	loc := time.UTC
	if zone != "" {
		loc, _ = time.LoadLocation(zone)
	}
	return time.ParseInLocation("2006-01-02T15:04:05", v, loc)
}

func validPasscode(p string) bool {
	if len(p) > 10 {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@-_*", r)) {
			return false
		}
	}
	return true
}

// passcodeAllowed applies Options.PasscodeRule to a creation or update:
// a passcode the rules refuse is answered 400 code 300 naming the field
// (the document says the passcode "must meet those requirements" but
// names no error code: code and message are not verified); a creation
// without a passcode gets one that fits.
func (s *Server) passcodeAllowed(w http.ResponseWriter, m *meeting, in *meetingInput) bool {
	rule := s.opt.PasscodeRule
	if rule == nil {
		return true
	}
	if in.Password != nil && *in.Password != "" {
		if !rule(*in.Password) {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": 300,
				"message": "Invalid parameter: password. The passcode does not meet the account's passcode requirements.",
				"errors":  []map[string]string{{"field": "password", "message": "Invalid field."}}})
			return false
		}
		return true
	}
	m.Password = s.opt.GeneratedPasscode
	return true
}

// meetingJSON is the create/get answer; every call hands out a fresh
// start_url (a new zak), as Zoom does. Call with s.mu held.
func (s *Server) meetingJSON(m *meeting, get bool) map[string]any {
	m.StartURLs++
	out := map[string]any{"id": m.ID, "host_email": m.HostEmail, "topic": m.Topic, "type": m.Type,
		"start_time": m.StartTime.UTC().Format("2006-01-02T15:04:05Z"), "duration": m.Duration,
		"timezone": m.Timezone, "agenda": m.Agenda, "created_at": m.CreatedAt.Format(time.RFC3339),
		"join_url": fmt.Sprintf("https://zoom.us/j/%d?pwd=%s", m.ID, randomHex(8)), "password": m.Password,
		"start_url": fmt.Sprintf("https://zoom.us/s/%d?zak=fake-zak-%s", m.ID, randomHex(12)),
		"settings":  settingsJSON(m.Settings)}
	if get {
		status := "waiting"
		if m.Status == "started" {
			status = "started"
		}
		out["uuid"], out["host_id"], out["status"] = m.UUID, m.HostID, status
	}
	return out
}

func settingsJSON(st Settings) map[string]any {
	b := func(v *bool) bool { return v != nil && *v }
	rec := st.AutoRecording
	if rec == "" {
		rec = "none"
	}
	return map[string]any{"host_video": b(st.HostVideo), "participant_video": b(st.ParticipantVideo),
		"join_before_host": b(st.JoinBeforeHost), "mute_upon_entry": b(st.MuteUponEntry),
		"waiting_room": b(st.WaitingRoom), "auto_recording": rec, "meeting_authentication": b(st.MeetingAuthentication)}
}

// lookup finds a live (not deleted) meeting by the path's meetingId,
// answering 404 code 3001 otherwise. Call with s.mu held.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (*meeting, bool) {
	raw := pathID(r.PathValue("meetingId"))
	id, err := strconv.ParseInt(raw, 10, 64)
	m := s.meetings[id]
	if err != nil || m == nil || m.Deleted {
		zoomError(w, http.StatusNotFound, 3001, "Meeting does not exist: "+raw+".")
		return nil, false
	}
	return m, true
}

// pathID undoes the second encoding of a UUID sent double-encoded.
func pathID(v string) string {
	if strings.Contains(v, "%") {
		if u, err := url.PathUnescape(v); err == nil {
			return u
		}
	}
	return v
}

func (s *Server) getMeeting(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.lookup(w, r); ok {
		writeJSON(w, http.StatusOK, s.meetingJSON(m, true))
	}
}

// updateMeeting is PATCH /meetings/{meetingId}, answered 204.
func (s *Server) updateMeeting(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeMeeting(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.lookup(w, r)
	if !ok {
		return
	}
	next := *m
	if field := applyMeeting(&next, in); field != "" {
		validationError(w, field)
		return
	}
	if in.Password != nil && !s.passcodeAllowed(w, &next, in) {
		return
	}
	*m = next
	w.WriteHeader(http.StatusNoContent)
}

// deleteMeeting is DELETE /meetings/{meetingId}, answered 204; a meeting
// in progress is refused with 400 code 3002, as the document lists.
func (s *Server) deleteMeeting(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.lookup(w, r); ok {
		if m.Status == "started" {
			zoomError(w, http.StatusBadRequest, 3002, "Sorry, you cannot delete this meeting since it is in progress.")
			return
		}
		m.Deleted = true
		w.WriteHeader(http.StatusNoContent)
	}
}

// meetingStatus is PUT /meetings/{meetingId}/status {"action": "end"},
// answered 204. What Zoom answers for a meeting that is not live is not
// verified; the fake accepts it and changes nothing.
func (s *Server) meetingStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Action string `json:"action"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Action != "end" {
		validationError(w, "action")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.lookup(w, r)
	if !ok {
		return
	}
	if m.Status == "started" {
		s.end(m)
	}
	w.WriteHeader(http.StatusNoContent)
}
