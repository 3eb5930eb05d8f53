package main

import (
	"context"
	"fmt"
	"io"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings/jitsi"
	"codeberg.org/opteos/roomgate/meetings/room"
)

// VideoConfig is the [video] section: the free tools offered when Zoom
// has no free host (docs/video-tools.md). Only a self-hosted Jitsi Meet
// with token authentication is offered today: its links are signed here,
// with no server call, so a decision can open its room at once.
// BigBlueButton and Galène (packages meetings/bbb and meetings/galene)
// need their server to hold the meeting near its start, which the meeting
// layer's jobs do not do yet; their sections are refused until then.
type VideoConfig struct {
	Jitsi *jitsi.Config `toml:"jitsi"`
	// BBB and Galene are read only to refuse them with a clear reason.
	BBB    map[string]any `toml:"bbb"`
	Galene map[string]any `toml:"galene"`

	// tools are the providers built by prepare, in offering order.
	tools []gateway.FreeTool
}

// prepare reads the tools' secrets, checks their keys and builds them.
func (v *VideoConfig) prepare(c *Config, bad func(string, ...any)) {
	v.tools = nil
	if v.BBB != nil {
		bad("video.bbb: BigBlueButton is not offered yet: its meetings must be created near their start, which roomgate does not do yet (docs/video-tools.md)")
	}
	if v.Galene != nil {
		bad("video.galene: Galène is not offered yet: its groups must be created near their start, which roomgate does not do yet (docs/video-tools.md)")
	}
	if v.Jitsi != nil {
		if err := v.Jitsi.ReadSecrets(readSecretFile); err != nil {
			bad("%v", err)
			return
		}
		p, err := jitsi.New(*v.Jitsi)
		if err != nil {
			bad("%v", err)
			return
		}
		v.tools = append(v.tools, freeTool{name: jitsi.ProviderName, open: p.Open})
	}
	if len(v.tools) == 0 {
		for i, r := range c.Rooms {
			if r.Tools == gateway.AnyTool {
				c.warnings = append(c.warnings, fmt.Sprintf("rooms[%d].tools = %q: no free tool is configured ([video.jitsi]), so this address books Zoom only", i, r.Tools))
			}
		}
	}
}

// printTools writes the free tools for `roomgate check`, never a secret.
func printTools(w io.Writer, c *Config) {
	if c.Video.Jitsi == nil {
		fmt.Fprintf(w, "%-11s none: a slot Zoom cannot take is declined\n", "free tools")
		return
	}
	fmt.Fprintf(w, "%-11s jitsi %s (app_id %s, guests %s)\n", "free tools", c.Video.Jitsi.BaseURL, c.Video.Jitsi.AppID, c.Video.Jitsi.Guests)
}

// freeTool adapts a provider of meetings/room to gateway.FreeTool.
type freeTool struct {
	name string
	open func(context.Context, room.Spec) (room.Room, error)
}

// Name is the tool's name in bookings and mails.
func (t freeTool) Name() string { return t.name }

// Open opens the room of one booking.
func (t freeTool) Open(ctx context.Context, s gateway.ToolSpec) (gateway.ToolRoom, error) {
	r, err := t.open(ctx, room.Spec{Key: s.Key, Title: s.Title, Start: s.Start, End: s.End,
		Host: room.Person{Name: s.HostName, Email: s.HostEmail}, Lang: s.Lang})
	if err != nil {
		return gateway.ToolRoom{}, err
	}
	return gateway.ToolRoom{ID: r.ID, JoinURL: r.JoinURL, HostURL: r.HostURL, Passcode: r.Passcode,
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil}, nil
}
