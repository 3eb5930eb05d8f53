package zoomtest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Lists, past meetings, cloud recordings and reports follow
// https://developers.zoom.us/docs/api/meetings/ (rivet-javascript
// meetings/meetings.d.ts: MeetingsListMeetingsResponse,
// MeetingsGetPastMeetingDetailsResponse,
// CloudRecordingGetMeetingRecordingsResponse,
// CloudRecordingDeleteMeetingOrWebinarRecordingsQueryParams,
// ReportsGetMeetingParticipantReportsResponse). The not-found codes are
// those Zoom answers in the field: 3001 "Meeting ID is invalid or not
// end." for a meeting not yet ended, 3301 "There is no recording for this
// meeting".

// RecordingFile is a file to add to a meeting's cloud recording. As the
// Meetings API document says, files of type CC and TIMELINE are listed
// without id, status, file_size, recording_type and play_url; a
// ParticipantAudio file (the "record a separate audio file of each
// participant" setting) is listed in participant_audio_files, with a
// file_name and no file_extension nor recording_type.
type RecordingFile struct {
	FileType         string // MP4, M4A, TRANSCRIPT, CC, TIMELINE…
	Extension        string // MP4, M4A, VTT, JSON…
	RecordingType    string // shared_screen_with_speaker_view…
	ParticipantAudio bool
	FileName         string // participant audio files only
	Content          []byte
}

type recording struct {
	meetingID        int64
	inst             *instance
	files            []*file
	token            string // download token, as in recording.completed
	trashed, deleted bool
}

type file struct {
	key   string // in the download URL
	id    string // Zoom's file ID; "" for CC and TIMELINE
	rec   *recording
	spec  RecordingFile
	start time.Time
	end   time.Time
}

// bare is a file Zoom lists without id, status, size, type or play_url.
func (f *file) bare() bool { return f.spec.FileType == "CC" || f.spec.FileType == "TIMELINE" }

// StartMeeting makes a meeting live, as when its host starts it: a new
// instance with a UUID of its own (the meeting's first instance keeps the
// UUID given at creation).
func (s *Server) StartMeeting(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.meetings[id]
	if m == nil || m.Status == "started" {
		return
	}
	uuid := m.UUID
	if len(m.instances) > 0 {
		uuid = newUUID()
	}
	m.instances = append(m.instances, &instance{uuid: uuid, started: s.now()})
	m.UUID, m.Status, m.Started, m.Ended, m.Participants = uuid, "started", s.now(), time.Time{}, nil
}

// EndMeeting ends a live meeting, as when its host leaves.
func (s *Server) EndMeeting(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meetings[id]; m != nil && m.Status == "started" {
		s.end(m)
	}
}

// end ends the live instance of m; call with s.mu held.
func (s *Server) end(m *meeting) {
	m.Status, m.Ended = "ended", s.now()
	s.current(m).ended = m.Ended
}

// AddParticipant adds a row to the participants report of a meeting's
// latest instance.
func (s *Server) AddParticipant(id int64, p Participant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meetings[id]; m != nil {
		in := s.current(m)
		in.participants = append(in.participants, p)
		m.Participants = slices.Clone(in.participants)
	}
}

// SetUUID gives a meeting's latest instance another UUID, e.g. one
// starting with "/" that Zoom asks to encode twice in paths.
func (s *Server) SetUUID(id int64, uuid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meetings[id]; m != nil {
		if len(m.instances) > 0 {
			m.instances[len(m.instances)-1].uuid = uuid
		}
		m.UUID = uuid
	}
}

// AddPersonalMeeting gives the account's user a meeting of type 4 (a
// personal meeting ID, as a room's fixed meeting often is) with number
// id. GET /meetings/{id} reads it, but the lists never show it: "this
// API only supports scheduled meetings" (GET /users/{userId}/meetings).
func (s *Server) AddPersonalMeeting(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.opt.Users[0]
	s.meetings[id] = &meeting{ID: id, UUID: newUUID(), HostID: u.ID, HostEmail: u.Email, Type: 4, Status: "waiting",
		Topic: u.FirstName + " " + u.LastName + "'s Personal Meeting Room", Duration: 60, StartTime: s.now().UTC(),
		CreatedAt: s.now().UTC()}
}

// Instances returns the UUIDs of a meeting's instances, oldest first.
func (s *Server) Instances(id int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if m := s.meetings[id]; m != nil {
		for _, in := range m.instances {
			out = append(out, in.uuid)
		}
	}
	return out
}

// Meeting returns the fake's state of a meeting.
func (s *Server) Meeting(id int64) (Meeting, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.meetings[id]
	if m == nil {
		return Meeting{}, false
	}
	c := *m
	c.Participants = slices.Clone(m.Participants)
	c.instances = nil
	return c, true
}

// Meetings returns every meeting, deleted ones included, by ID.
func (s *Server) Meetings() []Meeting {
	s.mu.Lock()
	ids := make([]int64, 0, len(s.meetings))
	for id := range s.meetings {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	slices.Sort(ids)
	out := make([]Meeting, 0, len(ids))
	for _, id := range ids {
		m, _ := s.Meeting(id)
		out = append(out, m)
	}
	return out
}

// AddRecording gives the latest instance of a meeting (one held an hour
// ago when it was never held) cloud recording files and returns their
// download token (the download_token of recording.completed).
func (s *Server) AddRecording(meetingID int64, files ...RecordingFile) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.meetings[meetingID]
	if m == nil {
		return ""
	}
	in := s.current(m)
	rec := &recording{meetingID: meetingID, inst: in, token: "fake-dl-" + randomHex(16)}
	for _, f := range files {
		fl := &file{key: randomHex(8), rec: rec, spec: f, start: s.now().Add(-time.Hour), end: s.now()}
		if !fl.bare() {
			fl.id = randomHex(8)
		}
		rec.files = append(rec.files, fl)
		s.files[fl.key] = fl
	}
	in.rec = rec
	s.recordings[meetingID] = rec
	s.dlTokens[rec.token] = meetingID
	return rec.token
}

// Recording tells whether the latest recording of a meeting was trashed
// or deleted.
func (s *Server) Recording(meetingID int64) (trashed, deleted, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.recordings[meetingID]
	if rec == nil {
		return false, false, false
	}
	return rec.trashed, rec.deleted, true
}

// InstanceRecording tells whether the recording of the instance uuid was
// trashed or deleted.
func (s *Server) InstanceRecording(uuid string) (trashed, deleted, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range s.files {
		if rec.rec.inst.uuid == uuid {
			return rec.rec.trashed, rec.rec.deleted, true
		}
	}
	return false, false, false
}

// listMeetings is GET /users/{userId}/meetings?type=&page_size=&next_page_token=:
// scheduled (every meeting not ended), live, upcoming (starting later).
func (s *Server) listMeetings(w http.ResponseWriter, r *http.Request) {
	u, ok := s.findUser(r.PathValue("userId"))
	if !ok {
		zoomError(w, http.StatusNotFound, 1001, "User does not exist: "+r.PathValue("userId")+".")
		return
	}
	kind := r.URL.Query().Get("type")
	if kind == "" {
		kind = "scheduled"
	}
	s.mu.Lock()
	var rows []map[string]any
	for _, m := range s.sortedMeetings() {
		if m.HostID == u.ID && !m.Deleted && m.Type != 4 && s.listed(m, kind) {
			rows = append(rows, map[string]any{"id": m.ID, "uuid": m.UUID, "host_id": m.HostID,
				"topic": m.Topic, "type": m.Type, "start_time": m.StartTime.UTC().Format("2006-01-02T15:04:05Z"),
				"duration": m.Duration, "timezone": m.Timezone, "agenda": cut(m.Agenda, listAgenda),
				"created_at": m.CreatedAt.Format(time.RFC3339), "join_url": fmt.Sprintf("https://zoom.us/j/%d", m.ID)})
		}
	}
	s.mu.Unlock()
	writePage(w, r, "meetings", rows)
}

// sortedMeetings is the meetings by ID; call with s.mu held.
func (s *Server) sortedMeetings() []*meeting {
	out := make([]*meeting, 0, len(s.meetings))
	for _, m := range s.meetings {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *meeting) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *Server) listed(m *meeting, kind string) bool {
	switch kind {
	case "live":
		return m.Status == "started"
	case "upcoming":
		return m.Status == "waiting" && m.StartTime.After(s.now())
	default:
		return m.Status != "ended"
	}
}

// writePage answers one page: page_size (default 30, at most 300) and an
// opaque next_page_token.
func writePage(w http.ResponseWriter, r *http.Request, key string, rows []map[string]any) {
	size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
	if size <= 0 {
		size = 30
	}
	size = min(size, 300)
	from, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("next_page_token"), "page-"))
	from = min(max(from, 0), len(rows))
	to := min(from+size, len(rows))
	next := ""
	if to < len(rows) {
		next = fmt.Sprintf("page-%d", to)
	}
	page := rows[from:to]
	if page == nil {
		page = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"page_size": size, "total_records": len(rows),
		"next_page_token": next, key: page})
}

// listAgenda is where GET /users/{userId}/meetings cuts an agenda
// ("agenda … The agenda is truncated to 250 characters" in the document).
const listAgenda = 250

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// ended finds the instance a path names, when it took place; call with
// s.mu held.
func (s *Server) ended(w http.ResponseWriter, r *http.Request) (*meeting, *instance, bool) {
	m, in := s.instanceOf(r)
	if m == nil || in == nil || in.ended.IsZero() {
		zoomError(w, http.StatusNotFound, 3001, "The meeting ID is invalid or the meeting has not ended.")
		return nil, nil, false
	}
	return m, in, true
}

// pastMeeting is GET /past_meetings/{meetingId}: the instance named.
func (s *Server) pastMeeting(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, in, ok := s.ended(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": m.ID, "uuid": in.uuid, "host_id": m.HostID,
		"topic": m.Topic, "type": m.Type, "user_email": m.HostEmail, "user_name": m.HostEmail,
		"start_time": in.started.UTC().Format(time.RFC3339), "end_time": in.ended.UTC().Format(time.RFC3339),
		"duration": int(in.ended.Sub(in.started).Minutes()), "total_minutes": int(in.ended.Sub(in.started).Minutes()),
		"participants_count": in.attended(), "dept": "", "source": "Zoom"})
}

// participants is GET /report/meetings/{meetingId}/participants: one row
// per join, duration in seconds, status in_meeting or in_waiting_room.
// Zoom reports only meetings with two or more participants, host
// included; for fewer the fake answers 404 code 3001, as for a meeting not
// found (what Zoom answers then is not verified).
func (s *Server) participants(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m, in, ok := s.ended(w, r)
	if ok && in.attended() < 2 {
		zoomError(w, http.StatusNotFound, 3001, "Meeting "+strconv.FormatInt(m.ID, 10)+" not found or has expired.")
		ok = false
	}
	var rows []map[string]any
	if ok {
		for i, p := range in.participants {
			status := "in_meeting"
			if p.Waiting {
				status = "in_waiting_room"
			}
			rows = append(rows, map[string]any{"id": fmt.Sprintf("p%d", i+1), "user_id": strconv.Itoa(16778240 + i),
				"name": p.Name, "user_email": p.Email, "join_time": p.Join.UTC().Format(time.RFC3339),
				"leave_time": p.Leave.UTC().Format(time.RFC3339), "duration": int(p.Leave.Sub(p.Join).Seconds()),
				"status": status, "failover": false, "customer_key": "", "registrant_id": ""})
		}
	}
	s.mu.Unlock()
	if ok {
		writePage(w, r, "participants", rows)
	}
}

// activeRecording finds the recording, not trashed, of the instance a
// path names; call with s.mu held.
func (s *Server) activeRecording(w http.ResponseWriter, r *http.Request) (*meeting, *recording, bool) {
	m, in := s.instanceOf(r)
	if m != nil && in != nil && in.rec != nil && !in.rec.trashed && !in.rec.deleted {
		return m, in.rec, true
	}
	zoomError(w, http.StatusNotFound, 3301, "There is no recording for this meeting.")
	return nil, nil, false
}

// fileJSON is one file as GET …/recordings lists it.
func (s *Server) fileJSON(f *file) map[string]any {
	out := map[string]any{"meeting_id": f.rec.inst.uuid, "file_type": f.spec.FileType,
		"recording_start": f.start.UTC().Format(time.RFC3339), "recording_end": f.end.UTC().Format(time.RFC3339),
		"download_url": s.URL + "/rec/download/" + f.key}
	if f.spec.ParticipantAudio {
		delete(out, "meeting_id")
		out["file_name"] = f.spec.FileName
	} else {
		out["file_extension"] = f.spec.Extension
	}
	if !f.bare() {
		out["id"], out["file_size"], out["status"] = f.id, len(f.spec.Content), "completed"
		out["play_url"] = s.URL + "/rec/play/" + f.key
		if !f.spec.ParticipantAudio && f.spec.RecordingType != "" {
			out["recording_type"] = f.spec.RecordingType
		}
	}
	return out
}

// listRecordings is GET /meetings/{meetingId}/recordings; include_fields=
// download_access_token adds the download token.
func (s *Server) listRecordings(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, rec, ok := s.activeRecording(w, r)
	if !ok {
		return
	}
	files, audio := []map[string]any{}, []map[string]any{}
	var total int
	for _, f := range rec.files {
		total += len(f.spec.Content)
		if f.spec.ParticipantAudio {
			audio = append(audio, s.fileJSON(f))
		} else {
			files = append(files, s.fileJSON(f))
		}
	}
	out := map[string]any{"uuid": rec.inst.uuid, "id": m.ID, "account_id": s.opt.AccountID, "host_id": m.HostID,
		"topic": m.Topic, "type": strconv.Itoa(m.Type), "start_time": rec.inst.started.UTC().Format(time.RFC3339),
		"duration": m.Duration, "total_size": total, "recording_count": len(files), "recording_files": files}
	if len(audio) > 0 {
		out["participant_audio_files"] = audio
	}
	if strings.Contains(r.URL.Query().Get("include_fields"), "download_access_token") {
		out["download_access_token"] = rec.token
	}
	writeJSON(w, http.StatusOK, out)
}

// trashRecordings is DELETE /meetings/{meetingId}/recordings?action=trash
// (or delete, for good), answered 204: every file of the instance goes,
// participant audio files included.
func (s *Server) trashRecordings(w http.ResponseWriter, r *http.Request) {
	action := r.URL.Query().Get("action")
	if action != "" && action != "trash" && action != "delete" {
		validationError(w, "action")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, rec, ok := s.activeRecording(w, r)
	if !ok {
		return
	}
	if action == "delete" {
		rec.deleted = true
	} else {
		rec.trashed = true
	}
	w.WriteHeader(http.StatusNoContent)
}

// download answers a file's download_url as Zoom does: it takes the
// recording's download token or an access token with a recording scope,
// in the Authorization header only, and redirects (302) to the file in
// storage at a short-lived signed address, which needs no token.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("access_token") {
		zoomError(w, http.StatusUnauthorized, 124, "Invalid access token, this access token is not supported as query parameter string.")
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	f := s.files[r.PathValue("fileId")]
	gone := f == nil || f.rec.trashed || f.rec.deleted
	allowed := !gone && (s.dlTokens[tok] == f.rec.meetingID && tok != "" || s.tokenHas(tok, scopeRecordingRead))
	sig := ""
	if allowed {
		sig = randomHex(12)
		s.signed[sig] = signedURL{key: f.key, expires: s.now().Add(time.Minute)}
	}
	s.mu.Unlock()
	switch {
	case gone:
		zoomError(w, http.StatusNotFound, 3301, "There is no recording for this meeting.")
	case !allowed:
		zoomError(w, http.StatusUnauthorized, 124, "Invalid access token.")
	default:
		http.Redirect(w, r, s.URL+"/rec/storage/"+f.key+"?sig="+sig, http.StatusFound)
	}
}

// signedURL is a storage address handed out by a redirect.
type signedURL struct {
	key     string
	expires time.Time
}

// storage serves a file at the signed address a download redirected to.
func (s *Server) storage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	su, ok := s.signed[r.URL.Query().Get("sig")]
	f := s.files[r.PathValue("fileKey")]
	ok = ok && su.key == r.PathValue("fileKey") && s.now().Before(su.expires) && f != nil
	short := ok && s.short > 0
	if short {
		s.short--
	}
	for _, k := range []string{f.spec.FileName, f.spec.FileType} {
		if ok && !short && k != "" && s.shortFiles[k] > 0 {
			s.shortFiles[k]--
			short = true
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		w.WriteHeader(http.StatusForbidden)
	case short:
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(f.spec.Content[:len(f.spec.Content)/2])
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(f.spec.Content)))
		_, _ = w.Write(f.spec.Content)
	}
}

// tokenHas tells whether tok is a valid access token with one of scopes;
// call with s.mu held.
func (s *Server) tokenHas(tok string, scopes []string) bool {
	is, ok := s.tokens[tok]
	return ok && s.now().Before(is.expires) &&
		slices.ContainsFunc(scopes, func(sc string) bool { return slices.Contains(is.scopes, sc) })
}
