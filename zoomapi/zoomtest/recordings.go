package zoomtest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
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

// RecordingFile is a file to add to a meeting's cloud recording.
type RecordingFile struct {
	FileType      string // MP4, M4A, TRANSCRIPT…
	Extension     string // MP4, M4A, VTT…
	RecordingType string // shared_screen_with_speaker_view…
	Content       []byte
}

type recording struct {
	meetingID        int64
	files            []*file
	token            string // download token, as in recording.completed
	trashed, deleted bool
}

type file struct {
	id    string
	rec   *recording
	spec  RecordingFile
	start time.Time
	end   time.Time
}

// StartMeeting makes a meeting live, as when its host starts it.
func (s *Server) StartMeeting(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meetings[id]; m != nil {
		m.Status, m.Started = "started", s.now()
	}
}

// EndMeeting ends a live meeting, as when its host leaves.
func (s *Server) EndMeeting(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meetings[id]; m != nil && m.Status == "started" {
		m.Status, m.Ended = "ended", s.now()
	}
}

// AddParticipant adds a row to a meeting's participants report.
func (s *Server) AddParticipant(id int64, p Participant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meetings[id]; m != nil {
		m.Participants = append(m.Participants, p)
	}
}

// SetUUID gives a meeting another UUID, e.g. one starting with "/" that
// Zoom asks to encode twice in paths.
func (s *Server) SetUUID(id int64, uuid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meetings[id]; m != nil {
		m.UUID = uuid
	}
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

// AddRecording gives a meeting cloud recording files and returns their
// download token (the download_token of recording.completed).
func (s *Server) AddRecording(meetingID int64, files ...RecordingFile) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &recording{meetingID: meetingID, token: "fake-dl-" + randomHex(16)}
	for _, f := range files {
		fl := &file{id: randomHex(8), rec: rec, spec: f, start: s.now().Add(-time.Hour), end: s.now()}
		rec.files = append(rec.files, fl)
		s.files[fl.id] = fl
	}
	s.recordings[meetingID] = rec
	s.dlTokens[rec.token] = meetingID
	return rec.token
}

// Recording tells whether a meeting's recordings were trashed or deleted.
func (s *Server) Recording(meetingID int64) (trashed, deleted, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.recordings[meetingID]
	if rec == nil {
		return false, false, false
	}
	return rec.trashed, rec.deleted, true
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
		if m.HostID == u.ID && !m.Deleted && s.listed(m, kind) {
			rows = append(rows, map[string]any{"id": m.ID, "uuid": m.UUID, "host_id": m.HostID,
				"topic": m.Topic, "type": m.Type, "start_time": m.StartTime.UTC().Format("2006-01-02T15:04:05Z"),
				"duration": m.Duration, "timezone": m.Timezone, "agenda": m.Agenda,
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

// ended finds a meeting that took place, deleted or not; call with s.mu held.
func (s *Server) ended(w http.ResponseWriter, r *http.Request) (*meeting, bool) {
	raw := pathID(r.PathValue("meetingId"))
	var m *meeting
	for _, c := range s.meetings {
		if strconv.FormatInt(c.ID, 10) == raw || c.UUID == raw {
			m = c
		}
	}
	if m == nil || m.Ended.IsZero() {
		zoomError(w, http.StatusNotFound, 3001, "Meeting ID is invalid or not end.")
		return nil, false
	}
	return m, true
}

// pastMeeting is GET /past_meetings/{meetingId}.
func (s *Server) pastMeeting(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.ended(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": m.ID, "uuid": m.UUID, "host_id": m.HostID,
		"topic": m.Topic, "type": m.Type, "user_email": m.HostEmail,
		"start_time": m.Started.UTC().Format(time.RFC3339), "end_time": m.Ended.UTC().Format(time.RFC3339),
		"duration": int(m.Ended.Sub(m.Started).Minutes()), "participants_count": len(m.Participants)})
}

// participants is GET /report/meetings/{meetingId}/participants; duration
// is in seconds.
func (s *Server) participants(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m, ok := s.ended(w, r)
	var rows []map[string]any
	if ok {
		for i, p := range m.Participants {
			rows = append(rows, map[string]any{"id": fmt.Sprintf("p%d", i+1), "user_id": strconv.Itoa(16778240 + i),
				"name": p.Name, "user_email": p.Email, "join_time": p.Join.UTC().Format(time.RFC3339),
				"leave_time": p.Leave.UTC().Format(time.RFC3339), "duration": int(p.Leave.Sub(p.Join).Seconds()),
				"status": "in_meeting"})
		}
	}
	s.mu.Unlock()
	if ok {
		writePage(w, r, "participants", rows)
	}
}

// activeRecording finds a meeting's recording not trashed; call with s.mu held.
func (s *Server) activeRecording(w http.ResponseWriter, r *http.Request) (*meeting, *recording, bool) {
	raw := pathID(r.PathValue("meetingId"))
	for _, m := range s.meetings {
		if strconv.FormatInt(m.ID, 10) == raw || m.UUID == raw {
			if rec := s.recordings[m.ID]; rec != nil && !rec.trashed && !rec.deleted {
				return m, rec, true
			}
		}
	}
	zoomError(w, http.StatusNotFound, 3301, "There is no recording for this meeting.")
	return nil, nil, false
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
	var files []map[string]any
	var total int
	for _, f := range rec.files {
		total += len(f.spec.Content)
		files = append(files, map[string]any{"id": f.id, "meeting_id": m.UUID,
			"recording_start": f.start.UTC().Format(time.RFC3339), "recording_end": f.end.UTC().Format(time.RFC3339),
			"file_type": f.spec.FileType, "file_extension": f.spec.Extension, "file_size": len(f.spec.Content),
			"play_url": s.URL + "/rec/play/" + f.id, "download_url": s.URL + "/rec/download/" + f.id,
			"status": "completed", "recording_type": f.spec.RecordingType})
	}
	out := map[string]any{"uuid": m.UUID, "id": m.ID, "account_id": s.opt.AccountID, "host_id": m.HostID,
		"topic": m.Topic, "type": strconv.Itoa(m.Type), "start_time": m.StartTime.UTC().Format(time.RFC3339),
		"duration": m.Duration, "total_size": total, "recording_count": len(files), "recording_files": files}
	if strings.Contains(r.URL.Query().Get("include_fields"), "download_access_token") {
		out["download_access_token"] = rec.token
	}
	writeJSON(w, http.StatusOK, out)
}

// trashRecordings is DELETE /meetings/{meetingId}/recordings?action=trash
// (or delete, for good), answered 204.
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

// download serves a recording file at its download_url. It takes the
// download token of the recording or an access token with a recording
// scope, in the Authorization header only. (Zoom redirects downloads to its
// storage; the fake serves them itself.)
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("access_token") {
		zoomError(w, http.StatusUnauthorized, 124, "Invalid access token, this access token is not supported as query parameter string.")
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	f := s.files[r.PathValue("fileId")]
	allowed := f != nil && (s.dlTokens[tok] == f.rec.meetingID && tok != "" || s.tokenHas(tok, scopeRecordingRead))
	short := s.short > 0 && allowed && !f.rec.trashed && !f.rec.deleted
	if short {
		s.short--
	}
	s.mu.Unlock()
	switch {
	case f == nil || f.rec.trashed || f.rec.deleted:
		zoomError(w, http.StatusNotFound, 3301, "There is no recording for this meeting.")
	case !allowed:
		zoomError(w, http.StatusUnauthorized, 124, "Invalid access token.")
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
