package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/zoomapi"
)

// zoomAdapter is gateway.ZoomAPI over the zoomapi client: the licensed
// user's meetings, with the configured settings and a fresh passcode each.
type zoomAdapter struct {
	c        *zoomapi.Client
	user     string
	settings *zoomapi.Settings
}

var _ gateway.ZoomAPI = (*zoomAdapter)(nil)

// agendaMark is written before a booking's marker in its meeting's agenda.
const agendaMark = "roomgate "

// zoomErr gives an error of zoomapi the forms the gateway reads:
// gateway.ErrZoomNotFound for a 404, and gateway.ZoomRetryAfter when Zoom
// said when to try again. Permanent errors stay permanent (their
// Permanent method is reached through the chain).
func zoomErr(err error) error {
	if err == nil {
		return nil
	}
	var ze *zoomapi.Error
	switch {
	case errors.Is(err, zoomapi.ErrNotFound):
		err = fmt.Errorf("%w: %w", gateway.ErrZoomNotFound, err)
	case zoomapi.IsPasscodeRefused(err):
		err = fmt.Errorf("%w: %w", gateway.ErrZoomPasscode, err)
	case zoomapi.IsInProgress(err):
		err = fmt.Errorf("%w: %w", gateway.ErrZoomInProgress, err)
	case errors.As(err, &ze) && ze.Status == http.StatusBadRequest && ze.Code == 3007: // "cannot delete this meeting since it has ended"
		err = fmt.Errorf("%w: %w", gateway.ErrZoomEnded, err)
	case zoomapi.IsDailyLimit(err):
		err = fmt.Errorf("%w: %w", gateway.ErrZoomDailyLimit, err)
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

func (a *zoomAdapter) request(s gateway.ZoomSpec, create bool) zoomapi.MeetingRequest {
	r := zoomapi.MeetingRequest{Topic: s.Topic, StartTime: s.Start, Duration: s.Duration, Timezone: s.Timezone}
	if create {
		r.Password, r.Agenda, r.Settings = zoomapi.NewPasscode(), agendaMark+s.Marker, a.settings
		if s.NoPasscode {
			r.Password, r.DefaultPassword = "", true
		}
	}
	return r
}

func meetingInfo(m *zoomapi.Meeting) gateway.ZoomInfo {
	return gateway.ZoomInfo{ID: m.ID, UUID: m.UUID, Topic: m.Topic, JoinURL: m.JoinURL, Passcode: m.Password, Status: m.Status}
}

func (a *zoomAdapter) CreateMeeting(ctx context.Context, s gateway.ZoomSpec) (gateway.ZoomInfo, error) {
	m, err := a.c.CreateMeeting(ctx, a.user, a.request(s, true))
	if err != nil {
		return gateway.ZoomInfo{}, zoomErr(err)
	}
	return meetingInfo(m), nil
}

func (a *zoomAdapter) FindMeeting(ctx context.Context, marker string) (gateway.ZoomInfo, bool, error) {
	s, err := a.c.FindMeeting(ctx, a.user, agendaMark+marker)
	if err != nil || s == nil {
		return gateway.ZoomInfo{}, false, zoomErr(err)
	}
	m, err := a.c.GetMeeting(ctx, s.ID) // the list gives no passcode
	if err != nil {
		return gateway.ZoomInfo{}, false, zoomErr(err)
	}
	return meetingInfo(m), true, nil
}

func (a *zoomAdapter) UpdateMeeting(ctx context.Context, id int64, s gateway.ZoomSpec) error {
	return zoomErr(a.c.UpdateMeeting(ctx, id, a.request(s, false)))
}

func (a *zoomAdapter) DeleteMeeting(ctx context.Context, id int64) error {
	return zoomErr(a.c.DeleteMeeting(ctx, id))
}

func (a *zoomAdapter) Meeting(ctx context.Context, id int64) (gateway.ZoomInfo, error) {
	m, err := a.c.GetMeeting(ctx, id)
	if err != nil {
		return gateway.ZoomInfo{}, zoomErr(err)
	}
	return meetingInfo(m), nil
}

func (a *zoomAdapter) StartURL(ctx context.Context, id int64) (string, error) {
	m, err := a.c.GetMeeting(ctx, id)
	if err != nil {
		return "", zoomErr(err)
	}
	if m.StartURL == "" {
		return "", errors.New("zoom: the meeting has no start_url")
	}
	return m.StartURL.Reveal(), nil
}

func (a *zoomAdapter) EndMeeting(ctx context.Context, id int64) error {
	return zoomErr(a.c.EndMeeting(ctx, id))
}

func (a *zoomAdapter) LiveMeetings(ctx context.Context) ([]gateway.ZoomInfo, error) {
	list, err := a.c.ListMeetings(ctx, a.user, zoomapi.ListLive)
	if err != nil {
		return nil, zoomErr(err)
	}
	out := make([]gateway.ZoomInfo, len(list))
	for i, m := range list {
		out[i] = gateway.ZoomInfo{ID: m.ID, UUID: m.UUID, Topic: m.Topic, JoinURL: m.JoinURL, Status: "started"}
	}
	return out, nil
}

func (a *zoomAdapter) PastMeeting(ctx context.Context, id int64) (gateway.ZoomPast, bool, error) {
	p, err := a.c.GetPastMeeting(ctx, strconv.FormatInt(id, 10))
	if errors.Is(err, zoomapi.ErrNotFound) {
		return gateway.ZoomPast{}, false, nil
	}
	if err != nil {
		return gateway.ZoomPast{}, false, zoomErr(err)
	}
	return gateway.ZoomPast{UUID: p.UUID, Start: p.StartTime.Time, End: p.EndTime.Time}, true, nil
}

func (a *zoomAdapter) Instances(ctx context.Context, id int64) ([]gateway.ZoomPast, error) {
	ins, err := a.c.Instances(ctx, id)
	if err != nil {
		return nil, zoomErr(err)
	}
	out := make([]gateway.ZoomPast, len(ins))
	for i, in := range ins {
		out[i] = gateway.ZoomPast{UUID: in.UUID, Start: in.StartTime.Time}
	}
	return out, nil
}

func (a *zoomAdapter) PastInstance(ctx context.Context, instance string) (gateway.ZoomPast, bool, error) {
	p, err := a.c.GetPastMeeting(ctx, instance)
	if errors.Is(err, zoomapi.ErrNotFound) {
		return gateway.ZoomPast{}, false, nil
	}
	if err != nil {
		return gateway.ZoomPast{}, false, zoomErr(err)
	}
	return gateway.ZoomPast{UUID: p.UUID, Start: p.StartTime.Time, End: p.EndTime.Time, Participants: p.ParticipantsCount}, true, nil
}

func (a *zoomAdapter) Recordings(ctx context.Context, instance string) ([]gateway.ZoomFile, error) {
	r, err := a.c.ListRecordings(ctx, instance)
	if errors.Is(err, zoomapi.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, zoomErr(err)
	}
	var files []gateway.ZoomFile
	for i, f := range r.AllFiles() {
		sum := sha256.Sum256([]byte(f.DownloadURL))
		files = append(files, gateway.ZoomFile{ID: f.ID, Type: f.FileType, Extension: f.FileExtension,
			RecordingType: f.RecordingType, Name: f.FileName, Participant: i >= len(r.Files), Size: f.FileSize,
			Start: f.RecordingStart.Time, Completed: f.Status == "" || f.Status == "completed",
			URLHash: hex.EncodeToString(sum[:]), Ref: f})
	}
	return files, nil
}

// Download copies the file, then reads the copy back from disk and checks
// its size and SHA-256 against what was received, so that a copy the
// disk did not keep whole is never taken for verified.
func (a *zoomAdapter) Download(ctx context.Context, f gateway.ZoomFile, dir, name string) (gateway.ZoomCopy, error) {
	rf, ok := f.Ref.(zoomapi.RecordingFile)
	if !ok {
		return gateway.ZoomCopy{}, errors.New("zoom: download: not a recording file")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return gateway.ZoomCopy{}, fmt.Errorf("zoom: download: %w", err)
	}
	d, err := a.c.Download(ctx, rf, dir, name, zoomapi.DownloadOptions{})
	if err != nil {
		return gateway.ZoomCopy{}, zoomErr(err)
	}
	size, sum, err := fileDigest(d.Path)
	if err == nil && (size != d.Size || sum != d.SHA256) {
		err = fmt.Errorf("zoom: download: the copy on disk (%d bytes, SHA-256 %s) differs from what was received (%d, %s)",
			size, sum, d.Size, d.SHA256)
	}
	if err != nil {
		os.Remove(d.Path)
		return gateway.ZoomCopy{}, err
	}
	return gateway.ZoomCopy{Size: d.Size, SHA256: d.SHA256, Checked: d.Checked}, nil
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

func (a *zoomAdapter) RemoveCopy(dir, name string) error {
	if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	_ = os.Remove(dir) // only succeeds once the directory is empty
	return nil
}

func (a *zoomAdapter) TrashRecordings(ctx context.Context, instance string) error {
	return zoomErr(a.c.TrashRecordings(ctx, instance))
}

func (a *zoomAdapter) Participants(ctx context.Context, instance string) ([]gateway.ZoomParticipant, error) {
	ps, err := a.c.Participants(ctx, instance)
	if err != nil {
		return nil, zoomErr(err)
	}
	out := make([]gateway.ZoomParticipant, len(ps))
	for i, p := range ps {
		out[i] = gateway.ZoomParticipant{Name: p.Name, Email: p.Email, Join: p.JoinTime.Time, Leave: p.LeaveTime.Time,
			Waiting: p.Waiting()}
	}
	return out, nil
}

// linkKey derives the key that signs start links from the app's client
// secret: no key of its own to configure, and regenerating the secret
// invalidates the links mailed before.
func (z *ZoomAPIConfig) linkKey() []byte {
	m := hmac.New(sha256.New, []byte(z.ClientSecret))
	m.Write([]byte("roomgate start links v1"))
	return m.Sum(nil)
}
