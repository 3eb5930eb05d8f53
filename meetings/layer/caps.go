package layer

import (
	"fmt"

	"codeberg.org/opteos/roomgate/meetings"
)

// capable checks that the provider can do what the options switch on:
// find a meeting whose creation was not recorded, and watch the live
// meetings, always; the rest with its feature.
func (z Options) capable() error {
	c := meetings.Discover(z.API)
	for _, need := range []struct {
		on   bool
		has  bool
		what string
	}{
		{true, c.Find != nil, "find a meeting by its marker (meetings.Finder)"},
		{true, c.Watch != nil, "watch live meetings (meetings.Watcher)"},
		{z.StartLinks, c.Start != nil, "give start links (meetings.Starter)"},
		{z.Recordings, c.Rec != nil, "copy recordings (meetings.Recorder)"},
		{z.Attendance, c.Att != nil, "report attendance (meetings.Attendance)"},
	} {
		if need.on && !need.has {
			return fmt.Errorf("layer: the meeting provider cannot %s", need.what)
		}
	}
	return nil
}
