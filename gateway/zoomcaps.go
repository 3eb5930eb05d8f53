package gateway

import (
	"fmt"

	"codeberg.org/opteos/roomgate/meetings"
)

// zoomCaps is what the provider can do beyond creating meetings,
// discovered from the capability interfaces it implements (nil when it
// cannot), as go-imap's client discovers a server's extensions.
type zoomCaps struct {
	find  meetings.Finder
	watch meetings.Watcher
	start meetings.Starter
	rec   meetings.Recorder
	att   meetings.Attendance
}

// discover reads the capabilities of p.
func discover(p meetings.Creator) zoomCaps {
	var c zoomCaps
	c.find, _ = p.(meetings.Finder)
	c.watch, _ = p.(meetings.Watcher)
	c.start, _ = p.(meetings.Starter)
	c.rec, _ = p.(meetings.Recorder)
	c.att, _ = p.(meetings.Attendance)
	return c
}

// capable checks that the provider can do what the options switch on:
// find a meeting whose creation was not recorded, and watch the live
// meetings, always; the rest with its feature.
func (z ZoomOptions) capable() error {
	c := discover(z.API)
	for _, need := range []struct {
		on   bool
		has  bool
		what string
	}{
		{true, c.find != nil, "find a meeting by its marker (meetings.Finder)"},
		{true, c.watch != nil, "watch live meetings (meetings.Watcher)"},
		{z.StartLinks, c.start != nil, "give start links (meetings.Starter)"},
		{z.Recordings, c.rec != nil, "copy recordings (meetings.Recorder)"},
		{z.Attendance, c.att != nil, "report attendance (meetings.Attendance)"},
	} {
		if need.on && !need.has {
			return fmt.Errorf("gateway: the meeting provider cannot %s", need.what)
		}
	}
	return nil
}
