// Package zoom is the meeting layer's Zoom provider: meetings.Zoom over
// package zoomapi's client, the licensed user's meetings with the
// configured settings and a fresh passcode each, the recordings copied
// into the meeting layer's store.
package zoom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/meetings"
	"codeberg.org/opteos/roomgate/zoomapi"
)

// Provider is meetings.Zoom over the zoomapi client.
type Provider struct {
	c        *zoomapi.Client
	user     string
	settings *zoomapi.Settings
	copies   meetings.Recordings
	// hosts are the other users whose meetings are made (Spec.User) and
	// watched (LiveMeetings): a pool's.
	hosts []string
}

var _ meetings.Zoom = (*Provider)(nil)

// New returns the provider of the licensed user's meetings (its e-mail or
// ID), each created with settings, the recordings copied into copies.
func New(c *zoomapi.Client, user string, settings *zoomapi.Settings, copies meetings.Recordings) *Provider {
	return &Provider{c: c, user: user, settings: settings, copies: copies}
}

// WithHosts adds the users of a pool of hosts (IDs or e-mails): meetings
// are made under them (meetings.Spec.User) and LiveMeetings lists theirs
// too. It returns a.
func (a *Provider) WithHosts(users ...string) *Provider {
	for _, u := range users {
		if u != "" && !a.watches(u) {
			a.hosts = append(a.hosts, u)
		}
	}
	return a
}

// watches reports whether user's meetings are listed already.
func (a *Provider) watches(user string) bool {
	if strings.EqualFold(user, a.user) {
		return true
	}
	for _, h := range a.hosts {
		if strings.EqualFold(h, user) {
			return true
		}
	}
	return false
}

// userOf is the user a call about spec's user goes to.
func (a *Provider) userOf(user string) string {
	if user == "" {
		return a.user
	}
	return user
}

// agendaMark is written before a booking's marker in its meeting's agenda.
const agendaMark = "roomgate "

// zoomErr gives an error of zoomapi the forms the meeting layer reads:
// meetings.ErrNotFound for a 404, and meetings.RetryAfter when Zoom
// said when to try again. Permanent errors stay permanent (their
// Permanent method is reached through the chain).
func zoomErr(err error) error {
	if err == nil {
		return nil
	}
	var ze *zoomapi.Error
	switch {
	case errors.Is(err, zoomapi.ErrNotFound):
		err = fmt.Errorf("%w: %w", meetings.ErrNotFound, err)
	case zoomapi.IsPasscodeRefused(err):
		err = fmt.Errorf("%w: %w", meetings.ErrPasscode, err)
	case zoomapi.IsInProgress(err):
		err = fmt.Errorf("%w: %w", meetings.ErrInProgress, err)
	case errors.As(err, &ze) && ze.Status == http.StatusBadRequest && ze.Code == 3007: // "cannot delete this meeting since it has ended"
		err = fmt.Errorf("%w: %w", meetings.ErrEnded, err)
	case zoomapi.IsDailyLimit(err):
		err = fmt.Errorf("%w: %w", meetings.ErrDailyLimit, err)
	}
	if d, ok := zoomapi.RetryAfter(err); ok {
		return &retryLater{error: err, after: d}
	}
	return err
}

// retryLater is an error Zoom said to retry after a while.
type retryLater struct {
	error
	after time.Duration
}

func (e *retryLater) Unwrap() error             { return e.error }
func (e *retryLater) RetryAfter() time.Duration { return e.after }

func (a *Provider) request(s meetings.Spec, create bool) zoomapi.MeetingRequest {
	r := zoomapi.MeetingRequest{Topic: s.Topic, StartTime: s.Start, Duration: s.Duration, Timezone: s.Timezone}
	if optionsAsked(s) || s.SetOptions && !create {
		r.Settings = a.withOptions(s)
	}
	if create {
		r.Password, r.Agenda = zoomapi.NewPasscode(), agendaMark+s.Marker
		if r.Settings == nil {
			r.Settings = a.settings
		}
		if s.NoPasscode {
			r.Password, r.DefaultPassword = "", true
		}
	}
	return r
}

// optionsAsked reports whether s asks for some meeting option.
func optionsAsked(s meetings.Spec) bool {
	return s.Muted || s.VideoOff || s.SignIn || s.CloudRecording
}

// withOptions is the configured settings with s's options on top, named as
// in Zoom's OpenAPI document (the create and update bodies' "settings"):
// mute_upon_entry, host_video and participant_video, meeting_authentication,
// auto_recording "cloud".
func (a *Provider) withOptions(s meetings.Spec) *zoomapi.Settings {
	var st zoomapi.Settings
	if a.settings != nil {
		st = *a.settings
	}
	on, off := true, false
	if s.Muted {
		st.MuteUponEntry = &on
	}
	if s.VideoOff {
		st.HostVideo, st.ParticipantVideo = &off, &off
	}
	if s.SignIn {
		st.MeetingAuthentication = &on
	}
	if s.CloudRecording {
		st.AutoRecording = "cloud"
	}
	if s.SetOptions {
		// An option no longer asked goes back to the configured setting,
		// or else to Zoom's off: the OpenAPI document's defaults
		// (mute_upon_entry false, auto_recording "none"), video on, and
		// no sign-in required.
		unset := func(p **bool, v bool) {
			if *p == nil {
				*p = &[]bool{v}[0]
			}
		}
		unset(&st.MuteUponEntry, false)
		unset(&st.HostVideo, true)
		unset(&st.ParticipantVideo, true)
		unset(&st.MeetingAuthentication, false)
		if st.AutoRecording == "" {
			st.AutoRecording = "none"
		}
	}
	return &st
}

func meetingInfo(m *zoomapi.Meeting) meetings.Info {
	return meetings.Info{ID: m.ID, UUID: m.UUID, Topic: m.Topic, JoinURL: m.JoinURL, Passcode: m.Password, Status: m.Status}
}

func (a *Provider) CreateMeeting(ctx context.Context, s meetings.Spec) (meetings.Info, error) {
	m, err := a.c.CreateMeeting(ctx, a.userOf(s.User), a.request(s, true))
	if err != nil {
		return meetings.Info{}, zoomErr(err)
	}
	return meetingInfo(m), nil
}

func (a *Provider) FindMeeting(ctx context.Context, user, marker string) (meetings.Info, bool, error) {
	s, err := a.c.FindMeeting(ctx, a.userOf(user), agendaMark+marker)
	if err != nil || s == nil {
		return meetings.Info{}, false, zoomErr(err)
	}
	m, err := a.c.GetMeeting(ctx, s.ID) // the list gives no passcode
	if err != nil {
		return meetings.Info{}, false, zoomErr(err)
	}
	return meetingInfo(m), true, nil
}

func (a *Provider) UpdateMeeting(ctx context.Context, id int64, s meetings.Spec) error {
	return zoomErr(a.c.UpdateMeeting(ctx, id, a.request(s, false)))
}

func (a *Provider) DeleteMeeting(ctx context.Context, id int64) error {
	return zoomErr(a.c.DeleteMeeting(ctx, id))
}

func (a *Provider) Meeting(ctx context.Context, id int64) (meetings.Info, error) {
	m, err := a.c.GetMeeting(ctx, id)
	if err != nil {
		return meetings.Info{}, zoomErr(err)
	}
	return meetingInfo(m), nil
}

func (a *Provider) StartURL(ctx context.Context, id int64) (string, error) {
	m, err := a.c.GetMeeting(ctx, id)
	if err != nil {
		return "", zoomErr(err)
	}
	if m.StartURL == "" {
		return "", errors.New("zoom: the meeting has no start_url")
	}
	return m.StartURL.Reveal(), nil
}

func (a *Provider) EndMeeting(ctx context.Context, id int64) error {
	return zoomErr(a.c.EndMeeting(ctx, id))
}

// LiveMeetings lists the live meetings of the provider's user and of
// every host's (GET /users/{userId}/meetings?type=live, a user at a time).
func (a *Provider) LiveMeetings(ctx context.Context) ([]meetings.Info, error) {
	var out []meetings.Info
	for _, u := range append([]string{a.user}, a.hosts...) {
		list, err := a.c.ListMeetings(ctx, u, zoomapi.ListLive)
		if err != nil {
			return nil, zoomErr(err)
		}
		for _, m := range list {
			out = append(out, meetings.Info{ID: m.ID, UUID: m.UUID, Topic: m.Topic, JoinURL: m.JoinURL, Status: "started"})
		}
	}
	return out, nil
}

func (a *Provider) PastMeeting(ctx context.Context, id int64) (meetings.Past, bool, error) {
	p, err := a.c.GetPastMeeting(ctx, strconv.FormatInt(id, 10))
	if errors.Is(err, zoomapi.ErrNotFound) {
		return meetings.Past{}, false, nil
	}
	if err != nil {
		return meetings.Past{}, false, zoomErr(err)
	}
	return meetings.Past{UUID: p.UUID, Start: p.StartTime.Time, End: p.EndTime.Time}, true, nil
}

func (a *Provider) Instances(ctx context.Context, id int64) ([]meetings.Past, error) {
	ins, err := a.c.Instances(ctx, id)
	if err != nil {
		return nil, zoomErr(err)
	}
	out := make([]meetings.Past, len(ins))
	for i, in := range ins {
		out[i] = meetings.Past{UUID: in.UUID, Start: in.StartTime.Time}
	}
	return out, nil
}

func (a *Provider) PastInstance(ctx context.Context, instance string) (meetings.Past, bool, error) {
	p, err := a.c.GetPastMeeting(ctx, instance)
	if errors.Is(err, zoomapi.ErrNotFound) {
		return meetings.Past{}, false, nil
	}
	if err != nil {
		return meetings.Past{}, false, zoomErr(err)
	}
	return meetings.Past{UUID: p.UUID, Start: p.StartTime.Time, End: p.EndTime.Time, Participants: p.ParticipantsCount}, true, nil
}

func (a *Provider) Recordings(ctx context.Context, instance string) ([]meetings.File, error) {
	r, err := a.c.ListRecordings(ctx, instance)
	if errors.Is(err, zoomapi.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, zoomErr(err)
	}
	var files []meetings.File
	for i, f := range r.AllFiles() {
		sum := sha256.Sum256([]byte(f.DownloadURL))
		files = append(files, meetings.File{ID: f.ID, Type: f.FileType, Extension: f.FileExtension,
			RecordingType: f.RecordingType, Name: f.FileName, Participant: i >= len(r.Files), Size: f.FileSize,
			Start: f.RecordingStart.Time, Completed: f.Status == "" || f.Status == "completed",
			URLHash: hex.EncodeToString(sum[:]), Ref: f})
	}
	return files, nil
}

// Download copies the file, then reads the copy back from disk and checks
// its size and SHA-256 against what was received, so that a copy the
// disk did not keep whole is never taken for verified.
func (a *Provider) Download(ctx context.Context, f meetings.File, bookingID int64, name string) (meetings.Copy, error) {
	rf, ok := f.Ref.(zoomapi.RecordingFile)
	if !ok {
		return meetings.Copy{}, errors.New("zoom: download: not a recording file")
	}
	if _, err := a.copies.Path(bookingID, name); err != nil {
		return meetings.Copy{}, fmt.Errorf("zoom: download: %w", err)
	}
	dir := a.copies.Dir(bookingID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return meetings.Copy{}, fmt.Errorf("zoom: download: %w", err)
	}
	d, err := a.c.Download(ctx, rf, dir, name, zoomapi.DownloadOptions{})
	if err != nil {
		return meetings.Copy{}, zoomErr(err)
	}
	size, sum, err := fileDigest(d.Path)
	if err == nil && (size != d.Size || sum != d.SHA256) {
		err = fmt.Errorf("zoom: download: the copy on disk (%d bytes, SHA-256 %s) differs from what was received (%d, %s)",
			size, sum, d.Size, d.SHA256)
	}
	if err != nil {
		os.Remove(d.Path)
		return meetings.Copy{}, err
	}
	return meetings.Copy{Size: d.Size, SHA256: d.SHA256, Checked: d.Checked}, nil
}

// fileDigest reads a file's size and SHA-256.
func fileDigest(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

func (a *Provider) TrashRecordings(ctx context.Context, instance string) error {
	return zoomErr(a.c.TrashRecordings(ctx, instance))
}

func (a *Provider) Participants(ctx context.Context, instance string) ([]meetings.Participant, error) {
	ps, err := a.c.Participants(ctx, instance)
	if err != nil {
		return nil, zoomErr(err)
	}
	out := make([]meetings.Participant, len(ps))
	for i, p := range ps {
		out[i] = meetings.Participant{Name: p.Name, Email: p.Email, Join: p.JoinTime.Time, Leave: p.LeaveTime.Time,
			Waiting: p.Waiting()}
	}
	return out, nil
}
