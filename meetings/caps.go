package meetings

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// Caps is what a provider can do beyond creating meetings, discovered
// from the capability interfaces it implements (nil when it cannot), as
// go-imap's client discovers a server's extensions.
type Caps struct {
	Find  Finder
	Watch Watcher
	Start Starter
	Rec   Recorder
	Att   Attendance
}

// Discover reads the capabilities of p.
func Discover(p Creator) Caps {
	var c Caps
	c.Find, _ = p.(Finder)
	c.Watch, _ = p.(Watcher)
	c.Start, _ = p.(Starter)
	c.Rec, _ = p.(Recorder)
	c.Att, _ = p.(Attendance)
	return c
}

// Instances names the instances of a meeting that ended: their UUIDs, or
// the meeting's number (its last instance) while the provider lists none
// or cannot list them.
func (c Caps) Instances(ctx context.Context, id int64) ([]string, error) {
	var out []string
	if c.Rec != nil {
		past, err := c.Rec.Instances(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("list the meeting's instances: %w", err)
		}
		for _, p := range past {
			if p.UUID != "" && !slices.Contains(out, p.UUID) {
				out = append(out, p.UUID)
			}
		}
	}
	if len(out) == 0 {
		out = []string{strconv.FormatInt(id, 10)}
	}
	return out, nil
}

// InstanceFiles lists the recording files of every instance of meeting
// id (each with its Instance set) and the instances that have some. It
// needs Rec.
func (c Caps) InstanceFiles(ctx context.Context, id int64) (held []string, all []File, err error) {
	ins, err := c.Instances(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	for _, in := range ins {
		files, err := c.Rec.Recordings(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		if len(files) > 0 {
			held = append(held, in)
		}
		for _, f := range files {
			f.Instance = in
			all = append(all, f)
		}
	}
	return held, all, nil
}

// errNoReport is why Report waits: an instance that should have a report
// has none yet.
var errNoReport = errors.New("no participants report yet")

// Report gathers the participants reports of every instance of meeting
// id: the rows of those admitted, and of those left in the waiting room.
// An instance with a single participant has no report (Zoom reports only
// instances with two or more) and is passed over. It returns a *Later, due
// at retry, while an instance that should have a report has none yet. It
// needs Att.
func (c Caps) Report(ctx context.Context, id int64, retry time.Time, log *slog.Logger) (ps, waiting []Participant, err error) {
	ins, err := c.Instances(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	for _, in := range ins {
		past, ok, err := c.Att.PastInstance(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, &Later{At: retry, Why: "the meeting has not taken place, or has not ended"}
		}
		if past.Participants > 0 && past.Participants < 2 {
			log.Info("no participants report: Zoom reports only meetings with two or more participants",
				"meeting_id", id, "instance", in, "participants", past.Participants)
			continue
		}
		rows, err := c.Att.Participants(ctx, in)
		if errors.Is(err, ErrNotFound) {
			return nil, nil, &Later{At: retry, Why: errNoReport.Error()}
		}
		if err != nil {
			return nil, nil, err
		}
		for _, p := range rows {
			if p.Waiting {
				waiting = append(waiting, p)
			} else {
				ps = append(ps, p)
			}
		}
	}
	return ps, waiting, nil
}

// StartSignature signs the start link of booking id whose meeting has
// that marker: 128 bits of HMAC-SHA256 over both, so that a link names one
// booking and dies with its meeting.
func StartSignature(key []byte, id int64, marker string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("roomgate start link\x00" + strconv.FormatInt(id, 10) + "\x00" + marker))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// ErrFixedUnknown is Started's error when the room's fixed meeting is not
// one the provider knows: whether it is in use cannot be told.
var ErrFixedUnknown = errors.New("the room's fixed meeting is unknown to the provider")

// Started asks whether meeting id runs or ran, or whether the room's fixed
// meeting (its number, 0 when none) runs: the member may have used it,
// having got the room's details before the meeting's. The fixed meeting
// is read by its number (Zoom's GET /meetings/{id}, its status): the list
// of live meetings shows scheduled meetings only, which a fixed room (a
// personal meeting ID, a recurring meeting) may not be. It needs Watch.
func (c Caps) Started(ctx context.Context, id, fixed int64) (bool, error) {
	info, err := c.Watch.Meeting(ctx, id)
	switch {
	case err == nil && info.Status == "started":
		return true, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return false, err
	}
	if _, ran, err := c.Watch.PastMeeting(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	} else if ran {
		return true, nil
	}
	if fixed == 0 {
		return false, nil
	}
	info, err = c.Watch.Meeting(ctx, fixed)
	if errors.Is(err, ErrNotFound) {
		return false, fmt.Errorf("meeting %d: %w", fixed, ErrFixedUnknown)
	}
	if err != nil {
		return false, err
	}
	return info.Status == "started", nil
}
