package layer

import (
	"context"
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/meetings"
)

// creatorOnly makes meetings and nothing else, as a signed-link tool would.
type creatorOnly struct{}

func (creatorOnly) CreateMeeting(context.Context, meetings.Spec) (meetings.Info, error) {
	return meetings.Info{}, nil
}
func (creatorOnly) UpdateMeeting(context.Context, int64, meetings.Spec) error { return nil }
func (creatorOnly) DeleteMeeting(context.Context, int64) error                { return nil }

// findWatch adds what Zoom API mode always needs.
type findWatch struct{ creatorOnly }

func (findWatch) FindMeeting(context.Context, string, string) (meetings.Info, bool, error) {
	return meetings.Info{}, false, nil
}
func (findWatch) Meeting(context.Context, int64) (meetings.Info, error) { return meetings.Info{}, nil }
func (findWatch) LiveMeetings(context.Context) ([]meetings.Info, error) { return nil, nil }
func (findWatch) EndMeeting(context.Context, int64) error               { return nil }
func (findWatch) PastMeeting(context.Context, int64) (meetings.Past, bool, error) {
	return meetings.Past{}, false, nil
}

func TestZoomCapabilities(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  Options
		want string // "" when accepted
	}{
		{"creator only", Options{API: creatorOnly{}}, "cannot find a meeting by its marker"},
		{"find and watch", Options{API: findWatch{}}, ""},
		{"start links without Starter", Options{API: findWatch{}, StartLinks: true}, "cannot give start links"},
		{"recordings without Recorder", Options{API: findWatch{}, Recordings: true}, "cannot copy recordings"},
		{"attendance without Attendance", Options{API: findWatch{}, Attendance: true}, "cannot report attendance"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.opt.capable()
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("capable() = %v, want %q", err, c.want)
			}
		})
	}
	caps := meetings.Discover(findWatch{})
	if caps.Find == nil || caps.Watch == nil || caps.Start != nil || caps.Rec != nil || caps.Att != nil {
		t.Errorf("Discover(findWatch) = %+v", caps)
	}
}
