package zoomapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// Cloud recordings follow https://developers.zoom.us/docs/api/meetings/#tag/cloud-recording,
// shapes read in rivet-javascript meetings/meetings.d.ts:
// CloudRecordingGetMeetingRecordingsResponse (GET /meetings/{meetingId}/recordings)
// and CloudRecordingDeleteMeetingOrWebinarRecordingsQueryParams
// (DELETE /meetings/{meetingId}/recordings?action=trash|delete). The
// participants report is ReportsGetMeetingParticipantReportsResponse
// (GET /report/meetings/{meetingId}/participants).

// Recordings are a meeting's cloud recording files.
type Recordings struct {
	UUID           string          `json:"uuid"`
	ID             int64           `json:"id"`
	HostID         string          `json:"host_id"`
	Topic          string          `json:"topic"`
	StartTime      Time            `json:"start_time"`
	Duration       int             `json:"duration"`   // minutes
	TotalSize      int64           `json:"total_size"` // bytes
	RecordingCount int             `json:"recording_count"`
	Files          []RecordingFile `json:"recording_files"`
	// ParticipantAudio are the files of the "record a separate audio
	// file of each participant" setting; trashing the recordings trashes
	// them too.
	ParticipantAudio []RecordingFile `json:"participant_audio_files"`
	// DownloadAccessToken is present when asked for with
	// include_fields=download_access_token.
	DownloadAccessToken Secret `json:"download_access_token"`
}

// AllFiles are every file Zoom lists: recording files, then participant
// audio files.
func (r *Recordings) AllFiles() []RecordingFile {
	return append(append([]RecordingFile(nil), r.Files...), r.ParticipantAudio...)
}

// RecordingFile is one file of a recording. Zoom gives its size but no
// checksum (only archived files carry an encryption_fingerprint). Files
// of type CC and TIMELINE come without ID, status, size, recording type
// and play URL (the Meetings API document), so nothing but their
// download URL names them.
type RecordingFile struct {
	ID             string `json:"id"`
	FileName       string `json:"file_name"`  // participant audio files
	MeetingID      string `json:"meeting_id"` // the meeting's UUID
	RecordingStart Time   `json:"recording_start"`
	RecordingEnd   Time   `json:"recording_end"`
	// FileType is MP4, M4A, CHAT, TRANSCRIPT, CSV, TB, CC, CHAT_MESSAGE,
	// SUMMARY (and TIMELINE in events); FileExtension MP4, M4A, TXT, VTT,
	// CSV, JSON, JPG.
	FileType      string `json:"file_type"`
	FileExtension string `json:"file_extension"`
	FileSize      int64  `json:"file_size"`
	PlayURL       string `json:"play_url"`
	DownloadURL   string `json:"download_url"`
	// Status is "completed" once the file can be downloaded.
	Status        string `json:"status"`
	RecordingType string `json:"recording_type"` // e.g. shared_screen_with_speaker_view
}

// Participant is one row of the participants report: each join of a
// participant is a row of its own.
type Participant struct {
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	Name      string `json:"name"`
	Email     string `json:"user_email"` // empty when Zoom does not know it
	JoinTime  Time   `json:"join_time"`
	LeaveTime Time   `json:"leave_time"`
	// Duration is the time attended, in seconds (the Meetings API
	// document).
	Duration int `json:"duration"`
	// Status is "in_meeting" or "in_waiting_room" (someone never
	// admitted).
	Status string `json:"status"`
}

// Waiting reports whether the row is of someone left in the waiting room.
func (p Participant) Waiting() bool { return p.Status == "in_waiting_room" }

// ListRecordings lists the cloud recording files of a meeting (ID: its
// last instance; or UUID). ErrNotFound when it has none.
func (c *Client) ListRecordings(ctx context.Context, meeting string) (*Recordings, error) {
	var r Recordings
	if err := c.do(ctx, call{op: "list recordings", method: http.MethodGet,
		path: "/meetings/" + meetingPath(meeting) + "/recordings", out: &r, idempotent: true}); err != nil {
		return nil, err
	}
	return &r, nil
}

// TrashRecordings moves all of a meeting's cloud recordings to Zoom's
// trash (action=trash; "delete" would remove them for good, which roomgate
// never asks). Call it only once every copy is verified. A meeting with
// no recordings left counts as done.
func (c *Client) TrashRecordings(ctx context.Context, meeting string) error {
	err := c.do(ctx, call{op: "trash recordings", method: http.MethodDelete,
		path:  "/meetings/" + meetingPath(meeting) + "/recordings",
		query: url.Values{"action": {"trash"}}, idempotent: true})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Participants returns the participants report of a past meeting (ID: its
// last instance; or UUID), all pages. It needs a Pro plan or above and a
// report scope. Zoom reports only meetings with two or more participants,
// host included: for fewer, see PastMeeting's ParticipantsCount.
func (c *Client) Participants(ctx context.Context, meeting string) ([]Participant, error) {
	var all []Participant
	next := ""
	for range maxPages {
		var page struct {
			NextPageToken string        `json:"next_page_token"`
			Participants  []Participant `json:"participants"`
		}
		q := url.Values{"page_size": {"300"}}
		if next != "" {
			q.Set("next_page_token", next)
		}
		if err := c.do(ctx, call{op: "participants report", method: http.MethodGet,
			path: "/report/meetings/" + meetingPath(meeting) + "/participants", query: q,
			out: &page, idempotent: true}); err != nil {
			return nil, err
		}
		all = append(all, page.Participants...)
		if page.NextPageToken == "" || page.NextPageToken == next {
			return all, nil
		}
		next = page.NextPageToken
	}
	return all, nil
}
