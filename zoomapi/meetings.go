package zoomapi

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Meetings follow Zoom's Meeting API reference,
// https://developers.zoom.us/docs/api/meetings/#tag/meetings, whose shapes
// were read in rivet-javascript meetings/meetings.d.ts:
// MeetingsCreateMeetingRequestBody/Response (POST /users/{userId}/meetings),
// MeetingsGetMeetingResponse (GET /meetings/{meetingId}),
// MeetingsUpdateMeetingRequestBody (PATCH /meetings/{meetingId}),
// MeetingsDeleteMeeting (DELETE /meetings/{meetingId}),
// MeetingsListMeetingsQueryParams/Response (GET /users/{userId}/meetings),
// MeetingsUpdateMeetingStatusRequestBody (PUT /meetings/{meetingId}/status,
// {"action": "end"}) and MeetingsGetPastMeetingDetailsResponse
// (GET /past_meetings/{meetingId}).

// ScheduledMeeting is Zoom's meeting type 2, a meeting at a fixed time.
const ScheduledMeeting = 2

// Settings are the meeting options roomgate sets. A nil field is left to
// the account's default (and, in an update, unchanged).
type Settings struct {
	HostVideo        *bool `json:"host_video,omitempty"`
	ParticipantVideo *bool `json:"participant_video,omitempty"`
	JoinBeforeHost   *bool `json:"join_before_host,omitempty"`
	MuteUponEntry    *bool `json:"mute_upon_entry,omitempty"`
	WaitingRoom      *bool `json:"waiting_room,omitempty"`
	// MeetingAuthentication admits only users signed in to Zoom.
	MeetingAuthentication *bool `json:"meeting_authentication,omitempty"`
	// AutoRecording is "none", "local" or "cloud".
	AutoRecording string `json:"auto_recording,omitempty"`
}

// MeetingRequest creates or updates a meeting. In an update, zero fields
// are left unchanged.
type MeetingRequest struct {
	Topic     string    // at most 200 characters; longer is cut
	StartTime time.Time // sent in UTC
	Duration  time.Duration
	Timezone  string // IANA name, how Zoom shows the time
	Password  string // at most 10 of [a-zA-Z0-9@-_*]; see NewPasscode
	// DefaultPassword, with no Password, asks Zoom to generate a passcode
	// from the user's settings (so that it meets the account's rules).
	DefaultPassword bool
	// Agenda is the description; roomgate puts a marker in it that
	// FindMeeting looks for (at most 2000 characters).
	Agenda   string
	Settings *Settings
}

// meetingBody is the JSON of MeetingRequest.
type meetingBody struct {
	Topic     string `json:"topic,omitempty"`
	Type      int    `json:"type,omitempty"`
	StartTime string `json:"start_time,omitempty"`
	Duration  int    `json:"duration,omitempty"`
	Timezone  string `json:"timezone,omitempty"`
	Password  string `json:"password,omitempty"`
	// DefaultPassword is create only.
	DefaultPassword bool      `json:"default_password,omitempty"`
	Agenda          string    `json:"agenda,omitempty"`
	Settings        *Settings `json:"settings,omitempty"`
}

// Meeting is Zoom's meeting object (create and get answers).
type Meeting struct {
	ID        int64  `json:"id"`
	UUID      string `json:"uuid"`
	HostID    string `json:"host_id"`
	HostEmail string `json:"host_email"`
	Topic     string `json:"topic"`
	Type      int    `json:"type"`
	// Status is "waiting" or "started" (get answer only).
	Status    string   `json:"status"`
	StartTime Time     `json:"start_time"`
	Duration  int      `json:"duration"` // minutes
	Timezone  string   `json:"timezone"`
	Agenda    string   `json:"agenda"`
	JoinURL   string   `json:"join_url"`
	Password  string   `json:"password"`
	StartURL  Secret   `json:"start_url"` // starts the meeting as its host
	Settings  Settings `json:"settings"`
	CreatedAt Time     `json:"created_at"`
}

// MeetingSummary is one meeting of a user's list.
type MeetingSummary struct {
	ID        int64  `json:"id"`
	UUID      string `json:"uuid"`
	HostID    string `json:"host_id"`
	Topic     string `json:"topic"`
	Type      int    `json:"type"`
	StartTime Time   `json:"start_time"`
	Duration  int    `json:"duration"`
	Timezone  string `json:"timezone"`
	Agenda    string `json:"agenda"`
	JoinURL   string `json:"join_url"`
	CreatedAt Time   `json:"created_at"`
}

// ListKind selects a user's meetings: ListScheduled (every meeting not
// expired, live and upcoming included), ListLive, ListUpcoming.
type ListKind string

// The list kinds of GET /users/{userId}/meetings?type=….
const (
	ListScheduled ListKind = "scheduled"
	ListLive      ListKind = "live"
	ListUpcoming  ListKind = "upcoming"
)

// PastMeeting tells whether and when a meeting took place.
type PastMeeting struct {
	ID                int64  `json:"id"`
	UUID              string `json:"uuid"`
	HostID            string `json:"host_id"`
	Topic             string `json:"topic"`
	StartTime         Time   `json:"start_time"`
	EndTime           Time   `json:"end_time"`
	Duration          int    `json:"duration"` // minutes
	ParticipantsCount int    `json:"participants_count"`
	UserEmail         string `json:"user_email"`
}

// CreateMeeting schedules a meeting for user (the licensed user's ID or
// e-mail). It is not retried after a server error or a lost answer, since
// Zoom may have created the meeting: the caller looks for it with
// FindMeeting before trying again.
func (c *Client) CreateMeeting(ctx context.Context, user string, r MeetingRequest) (*Meeting, error) {
	body, err := r.body(true)
	if err != nil {
		return nil, err
	}
	body.Type = ScheduledMeeting
	var m Meeting
	err = c.do(ctx, call{op: "create meeting", method: http.MethodPost,
		path: "/users/" + url.PathEscape(user) + "/meetings", in: body, out: &m})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateMeeting changes a meeting (Zoom answers 204).
func (c *Client) UpdateMeeting(ctx context.Context, id int64, r MeetingRequest) error {
	body, err := r.body(false)
	if err != nil {
		return err
	}
	return c.do(ctx, call{op: "update meeting", method: http.MethodPatch, path: meetingIDPath(id),
		in: body, idempotent: true})
}

// DeleteMeeting deletes a meeting. A meeting that no longer exists counts
// as deleted, so a retry after a lost answer succeeds.
func (c *Client) DeleteMeeting(ctx context.Context, id int64) error {
	err := c.do(ctx, call{op: "delete meeting", method: http.MethodDelete, path: meetingIDPath(id), idempotent: true})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// GetMeeting reads a meeting; its StartURL is fresh on every call (the
// one from CreateMeeting expires).
func (c *Client) GetMeeting(ctx context.Context, id int64) (*Meeting, error) {
	var m Meeting
	if err := c.do(ctx, call{op: "get meeting", method: http.MethodGet, path: meetingIDPath(id),
		out: &m, idempotent: true}); err != nil {
		return nil, err
	}
	return &m, nil
}

// EndMeeting ends a live meeting for everyone.
func (c *Client) EndMeeting(ctx context.Context, id int64) error {
	return c.do(ctx, call{op: "end meeting", method: http.MethodPut, path: meetingIDPath(id) + "/status",
		in: map[string]string{"action": "end"}, idempotent: true})
}

// GetPastMeeting reads a meeting that took place (by ID: its last
// instance; or by UUID); ErrNotFound when it never did.
func (c *Client) GetPastMeeting(ctx context.Context, meeting string) (*PastMeeting, error) {
	var p PastMeeting
	if err := c.do(ctx, call{op: "get past meeting", method: http.MethodGet,
		path: "/past_meetings/" + meetingPath(meeting), out: &p, idempotent: true}); err != nil {
		return nil, err
	}
	return &p, nil
}

// Instance is one session of a meeting held more than once: the numeric
// ID names the latest, earlier ones are reached by their UUID.
type Instance struct {
	UUID      string `json:"uuid"`
	StartTime Time   `json:"start_time"`
}

// Instances lists the ended instances of a meeting
// (GET /past_meetings/{meetingId}/instances); none when it never ended.
func (c *Client) Instances(ctx context.Context, id int64) ([]Instance, error) {
	var out struct {
		Meetings []Instance `json:"meetings"`
	}
	err := c.do(ctx, call{op: "list meeting instances", method: http.MethodGet,
		path: "/past_meetings/" + strconv.FormatInt(id, 10) + "/instances", out: &out, idempotent: true})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return out.Meetings, err
}

// maxPages bounds a paginated listing (300 records a page).
const maxPages = 100

// ListMeetings lists user's meetings of that kind, all pages.
func (c *Client) ListMeetings(ctx context.Context, user string, kind ListKind) ([]MeetingSummary, error) {
	var all []MeetingSummary
	next := ""
	for range maxPages {
		var page struct {
			NextPageToken string           `json:"next_page_token"`
			Meetings      []MeetingSummary `json:"meetings"`
		}
		q := url.Values{"type": {string(kind)}, "page_size": {"300"}}
		if next != "" {
			q.Set("next_page_token", next)
		}
		if err := c.do(ctx, call{op: "list meetings", method: http.MethodGet,
			path: "/users/" + url.PathEscape(user) + "/meetings", query: q, out: &page, idempotent: true}); err != nil {
			return nil, err
		}
		all = append(all, page.Meetings...)
		if page.NextPageToken == "" || page.NextPageToken == next {
			return all, nil
		}
		next = page.NextPageToken
	}
	return all, nil
}

// FindMeeting returns the scheduled meeting of user whose agenda holds
// marker, or nil. With a marker per booking written by CreateMeeting, it
// makes creation idempotent: a crash after Zoom created the meeting but
// before its ID was recorded is repaired by finding it. (That the list
// carries the whole agenda is what the reference says; not verified on a
// real account.)
func (c *Client) FindMeeting(ctx context.Context, user, marker string) (*MeetingSummary, error) {
	if marker == "" {
		return nil, errors.New("zoom: find meeting: empty marker")
	}
	list, err := c.ListMeetings(ctx, user, ListScheduled)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if strings.Contains(list[i].Agenda, marker) {
			return &list[i], nil
		}
	}
	return nil, nil
}

func meetingIDPath(id int64) string { return "/meetings/" + strconv.FormatInt(id, 10) }

// meetingPath escapes a meeting ID or UUID as a path segment. The
// Meetings API document asks to encode twice a UUID that starts with "/"
// or contains "//"; one "/" encoded once (%2F) is decoded by proxies on
// the way, so every UUID holding "/" is encoded twice (Zoom's SDK has a
// doubleEncodeUrl option for it).
func meetingPath(meeting string) string {
	p := url.PathEscape(meeting)
	if strings.Contains(meeting, "/") {
		p = url.PathEscape(p)
	}
	return p
}

// The limits of the create-meeting reference.
const (
	maxTopic    = 200
	maxAgenda   = 2000
	maxPasscode = 10
)

// body checks r and turns it into JSON fields; create requires every field
// a scheduled meeting needs.
func (r MeetingRequest) body(create bool) (*meetingBody, error) {
	b := &meetingBody{Topic: cleanText(r.Topic, maxTopic), Timezone: r.Timezone, Password: r.Password,
		Agenda: cleanText(r.Agenda, maxAgenda), Settings: r.Settings}
	if !r.StartTime.IsZero() {
		b.StartTime = r.StartTime.UTC().Format(zoomTimeLayout)
	}
	if r.Duration < 0 || (r.Duration > 0 && r.Duration < time.Minute) {
		return nil, fmt.Errorf("zoom: meeting duration %s is not a positive number of minutes", r.Duration)
	}
	b.Duration = int((r.Duration + time.Minute - 1) / time.Minute)
	if err := checkPasscode(r.Password); err != nil {
		return nil, err
	}
	if create {
		b.DefaultPassword = r.DefaultPassword && r.Password == ""
	}
	if create && (b.Topic == "" || b.StartTime == "" || b.Duration == 0) {
		return nil, errors.New("zoom: create meeting: topic, start time and duration are required")
	}
	return b, nil
}

// cleanText drops control characters (the topic comes from a member's
// invitation) and cuts to max characters.
func cleanText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}

const passcodeChars = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func checkPasscode(p string) error {
	if len(p) > maxPasscode {
		return fmt.Errorf("zoom: a passcode has at most %d characters", maxPasscode)
	}
	for _, r := range p {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@-_*", r))) {
			return errors.New("zoom: a passcode may only hold letters, digits and @ - _ *")
		}
	}
	return nil
}

// NewPasscode returns a random 10-character passcode of letters and
// digits (at least one of each, without the look-alikes 0/O, 1/l/I), which
// fits Zoom's rule of at most 10 of [a-zA-Z0-9@-_*].
func NewPasscode() string {
	for {
		b := make([]byte, maxPasscode)
		for i := range b {
			b[i] = passcodeChars[randN(len(passcodeChars))]
		}
		s := string(b)
		if strings.ContainsAny(s, "23456789") && strings.IndexFunc(s, unicode.IsLetter) >= 0 {
			return s
		}
	}
}

// randN is a uniform random number in [0, n) from crypto/rand.
func randN(n int) int {
	var b [1]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic("zoom: crypto/rand failed: " + err.Error())
		}
		if int(b[0]) < 256/n*n {
			return int(b[0]) % n
		}
	}
}
