package meetings

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

// reports is an Attendance (and, with instances, a Recorder's Instances)
// over fixed answers.
type reports struct {
	instances []Past
	past      map[string]Past
	rows      map[string][]Participant
}

func (r reports) Instances(context.Context, int64) ([]Past, error) { return r.instances, nil }
func (r reports) Recordings(context.Context, string) ([]File, error) {
	return nil, nil
}
func (r reports) Download(context.Context, File, int64, string) (Copy, error) { return Copy{}, nil }
func (r reports) TrashRecordings(context.Context, string) error               { return nil }

func (r reports) PastInstance(_ context.Context, in string) (Past, bool, error) {
	p, ok := r.past[in]
	return p, ok, nil
}

func (r reports) Participants(_ context.Context, in string) ([]Participant, error) {
	rows, ok := r.rows[in]
	if !ok {
		return nil, ErrNotFound
	}
	return rows, nil
}

func TestCapsReport(t *testing.T) {
	retry := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	anne, bob := Participant{Name: "Anne"}, Participant{Name: "Bob", Waiting: true}
	for _, c := range []struct {
		name          string
		caps          Caps
		admitted, wtg int
		later         bool
	}{
		{"two instances, one alone", Caps{Rec: reports{}, Att: reports{
			instances: []Past{{UUID: "u1"}, {UUID: "u2"}, {UUID: "u1"}},
			past:      map[string]Past{"u1": {Participants: 2}, "u2": {Participants: 1}},
			rows:      map[string][]Participant{"u1": {anne, bob}}}}, 1, 1, false},
		{"no Recorder: the meeting's number", Caps{Att: reports{
			past: map[string]Past{"42": {Participants: 3}}, rows: map[string][]Participant{"42": {anne, anne}}}}, 2, 0, false},
		{"not ended", Caps{Att: reports{}}, 0, 0, true},
		{"no report yet", Caps{Att: reports{past: map[string]Past{"42": {Participants: 2}}}}, 0, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r, ok := c.caps.Att.(reports); ok && c.caps.Rec != nil {
				c.caps.Rec = r
			}
			ps, waiting, err := c.caps.Report(context.Background(), 42, retry, log)
			var later *Later
			if c.later != errors.As(err, &later) || (c.later && !later.At.Equal(retry)) || (!c.later && err != nil) {
				t.Fatalf("err = %v, want later %v", err, c.later)
			}
			if len(ps) != c.admitted || len(waiting) != c.wtg {
				t.Errorf("admitted %d, waiting %d; want %d, %d", len(ps), len(waiting), c.admitted, c.wtg)
			}
		})
	}
}

// live is a Watcher over fixed answers: status by meeting, meetings that
// took place.
type live struct {
	status map[int64]string
	ran    map[int64]bool
	err    error
}

func (w live) Meeting(_ context.Context, id int64) (Info, error) {
	if w.err != nil {
		return Info{}, w.err
	}
	s, ok := w.status[id]
	if !ok {
		return Info{}, ErrNotFound
	}
	return Info{ID: id, Status: s}, nil
}
func (w live) LiveMeetings(context.Context) ([]Info, error) { return nil, nil }
func (w live) EndMeeting(context.Context, int64) error      { return nil }
func (w live) PastMeeting(_ context.Context, id int64) (Past, bool, error) {
	return Past{}, w.ran[id], nil
}

func TestCapsStarted(t *testing.T) {
	const own, fixed = 81234567890, 5551234567
	for _, c := range []struct {
		name    string
		w       live
		fixed   int64
		want    bool
		wantErr error
	}{
		{"own meeting runs", live{status: map[int64]string{own: "started"}}, fixed, true, nil},
		{"own meeting ran", live{status: map[int64]string{own: "waiting"}, ran: map[int64]bool{own: true}}, fixed, true, nil},
		{"fixed meeting runs", live{status: map[int64]string{own: "waiting", fixed: "started"}}, fixed, true, nil},
		{"nothing runs", live{status: map[int64]string{own: "waiting", fixed: "waiting"}}, fixed, false, nil},
		{"no fixed meeting", live{status: map[int64]string{own: "waiting"}}, 0, false, nil},
		{"fixed meeting unknown", live{status: map[int64]string{own: "waiting"}}, fixed, false, ErrFixedUnknown},
		{"provider down", live{err: errors.New("503")}, fixed, false, errors.New("503")},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Caps{Watch: c.w}.Started(context.Background(), own, c.fixed)
			if got != c.want || (err == nil) != (c.wantErr == nil) ||
				(c.wantErr == ErrFixedUnknown && !errors.Is(err, ErrFixedUnknown)) {
				t.Errorf("Started = %v, %v; want %v, %v", got, err, c.want, c.wantErr)
			}
		})
	}
}
