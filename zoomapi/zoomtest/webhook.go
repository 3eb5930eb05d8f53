package zoomtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhooks as Zoom sends them (https://developers.zoom.us/docs/api/webhooks/,
// github.com/zoom/webhook-sample): a POST with x-zm-request-timestamp (Unix
// seconds) and x-zm-signature = "v0=" + hex(HMAC-SHA256(secret token,
// "v0:{timestamp}:{body}")). Event bodies follow rivet-javascript
// meetings/meetings.d.ts (MeetingStartedEvent, MeetingEndedEvent,
// RecordingCompletedEvent): meeting.* events carry the meeting ID as a
// string, recording.* ones as a number.

// WebhookRequest builds the POST Zoom would send to target with body,
// signed with secret at time at.
func WebhookRequest(target, secret string, at time.Time, body []byte) *http.Request {
	ts := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("x-zm-request-timestamp", ts)
	req.Header.Set("x-zm-signature", "v0="+hex.EncodeToString(m.Sum(nil)))
	req.Header.Set("User-Agent", "Zoom Marketplace/1.0a")
	return req
}

// URLValidationEvent is the endpoint.url_validation challenge.
func URLValidationEvent(plainToken string, at time.Time) []byte {
	return mustJSON(map[string]any{"event": "endpoint.url_validation", "event_ts": at.UnixMilli(),
		"payload": map[string]any{"plainToken": plainToken}})
}

// MeetingEvent is a meeting.started or meeting.ended event for meeting id.
func (s *Server) MeetingEvent(name string, id int64, at time.Time) []byte {
	m, _ := s.Meeting(id)
	obj := map[string]any{"id": strconv.FormatInt(m.ID, 10), "uuid": m.UUID, "host_id": m.HostID,
		"topic": m.Topic, "type": m.Type, "start_time": m.Started.UTC().Format(time.RFC3339),
		"timezone": m.Timezone, "duration": m.Duration}
	if strings.HasSuffix(name, ".ended") {
		obj["end_time"] = m.Ended.UTC().Format(time.RFC3339)
	}
	return mustJSON(map[string]any{"event": name, "event_ts": at.UnixMilli(),
		"payload": map[string]any{"account_id": s.opt.AccountID, "object": obj}})
}

// RecordingCompletedEvent is the recording.completed event of a meeting
// given recordings with AddRecording, with its download_token.
func (s *Server) RecordingCompletedEvent(id int64, at time.Time) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, rec := s.meetings[id], s.recordings[id]
	if m == nil || rec == nil {
		return nil
	}
	var files []map[string]any
	for _, f := range rec.files {
		if !f.spec.ParticipantAudio {
			files = append(files, s.fileJSON(f))
		}
	}
	obj := map[string]any{"id": m.ID, "uuid": m.UUID, "host_id": m.HostID, "account_id": s.opt.AccountID,
		"topic": m.Topic, "type": m.Type, "start_time": m.Started.UTC().Format(time.RFC3339),
		"host_email": m.HostEmail, "duration": m.Duration, "recording_count": len(files), "recording_files": files}
	return mustJSON(map[string]any{"event": "recording.completed", "event_ts": at.UnixMilli(),
		"download_token": rec.token, "payload": map[string]any{"account_id": s.opt.AccountID, "object": obj}})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
