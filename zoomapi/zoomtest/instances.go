package zoomtest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Instances: each time a meeting is held it gets a UUID of its own
// (Zoom's "Meeting instances", GET /past_meetings/{meetingId}/instances
// in the Meetings API document). The numeric ID names the latest
// instance; earlier ones are reached by their UUID, which the client must
// encode twice in a path when it holds "/" (the document says: when it
// starts with "/" or contains "//"; the fake is stricter and refuses any
// "/" sent encoded once, which is what Zoom's own "using Zoom APIs" page
// asks of clients).

type instance struct {
	uuid           string
	started, ended time.Time
	participants   []Participant
	rec            *recording // nil when it has no cloud recording
}

// newUUID is a fresh instance UUID: 16 random bytes in base64, as Zoom's
// ("4444AAiAAAAAiAiAiiAii==").
func newUUID() string {
	return base64.StdEncoding.EncodeToString([]byte(randomHex(8)))
}

// current is the meeting's latest instance, made (held an hour ago,
// ended now) when it has none; call with s.mu held.
func (s *Server) current(m *meeting) *instance {
	if len(m.instances) == 0 {
		now := s.now()
		m.instances = append(m.instances, &instance{uuid: m.UUID, started: now.Add(-time.Hour), ended: now})
		m.Started, m.Ended = now.Add(-time.Hour), now
	}
	return m.instances[len(m.instances)-1]
}

// segmentID reads the meetingId path segment: a numeric ID or a UUID.
// A UUID holding "/" must come encoded twice: the router has undone one
// encoding, so it must still read %2F here; a "/" left means it was
// encoded once, and Zoom would not find it. ok is false then.
func segmentID(r *http.Request) (string, bool) {
	v := r.PathValue("meetingId")
	if strings.Contains(v, "/") {
		return v, false
	}
	if strings.Contains(v, "%") {
		u, err := url.PathUnescape(v)
		if err != nil {
			return v, false
		}
		return u, true
	}
	return v, true
}

// instanceOf finds the meeting and instance a path names: by ID, the
// latest ended instance; by UUID, that instance. Call with s.mu held.
func (s *Server) instanceOf(r *http.Request) (*meeting, *instance) {
	raw, ok := segmentID(r)
	if !ok {
		return nil, nil
	}
	if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
		m := s.meetings[id]
		if m == nil {
			return nil, nil
		}
		for i := len(m.instances) - 1; i >= 0; i-- {
			if !m.instances[i].ended.IsZero() {
				return m, m.instances[i]
			}
		}
		return m, nil
	}
	for _, m := range s.meetings {
		for _, in := range m.instances {
			if in.uuid == raw {
				return m, in
			}
		}
	}
	return nil, nil
}

// pastInstances is GET /past_meetings/{meetingId}/instances: the ended
// instances, {"meetings": [{"uuid", "start_time"}]}.
func (s *Server) pastInstances(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := strconv.ParseInt(r.PathValue("meetingId"), 10, 64)
	m := s.meetings[id]
	if err != nil || m == nil {
		zoomError(w, http.StatusNotFound, 3001, "Meeting does not exist: "+r.PathValue("meetingId")+".")
		return
	}
	rows := []map[string]any{}
	for _, in := range m.instances {
		if !in.ended.IsZero() {
			rows = append(rows, map[string]any{"uuid": in.uuid, "start_time": in.started.UTC().Format(time.RFC3339)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"meetings": rows})
}

// attended counts the distinct people admitted to an instance (waiting
// room rows left out).
func (in *instance) attended() int {
	seen := map[string]bool{}
	for _, p := range in.participants {
		if !p.Waiting {
			seen[strings.ToLower(p.Name+"\x00"+p.Email)] = true
		}
	}
	return len(seen)
}
