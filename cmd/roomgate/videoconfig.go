package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings/bbb"
	"codeberg.org/opteos/roomgate/meetings/door"
	"codeberg.org/opteos/roomgate/meetings/galene"
	"codeberg.org/opteos/roomgate/meetings/jitsi"
	"codeberg.org/opteos/roomgate/meetings/room"
	"codeberg.org/opteos/roomgate/web"
)

// VideoConfig is the [video] section: the free tools offered when Zoom
// has no free host (docs/video-tools.md), in the order the file writes
// their sections. A self-hosted Jitsi Meet's links are signed here, with
// no server call. BigBlueButton's and Galène's rooms need a server call:
// their bookings get doors (meetings/door), signed links to roomgate's
// web server that make the call when clicked, so they need [http] listen
// and public_url.
type VideoConfig struct {
	Jitsi  *jitsi.Config  `toml:"jitsi"`
	BBB    *bbb.Config    `toml:"bbb"`
	Galene *galene.Config `toml:"galene"`

	// order is the tools' names in the file's order (videoOrder).
	order []string
	// tools are the providers built by prepare, in offering order; doors
	// those behind doors, by name, with their servers' origins.
	tools   []gateway.FreeTool
	doors   map[string]web.Door
	origins map[string]string
	// probes make one call to each tool's server, for `roomgate check`.
	probes []toolProbe
}

// toolProbe is one tool's check.
type toolProbe struct {
	name  string
	probe func(context.Context) error
}

// videoTools are the [video] sections, in the order used when the file's
// is unknown.
var videoTools = []string{jitsi.ProviderName, bbb.ProviderName, galene.ProviderName}

// videoOrder is the order in which the file writes the [video] sections.
func videoOrder(md toml.MetaData) []string {
	var order []string
	for _, k := range md.Keys() {
		if len(k) == 2 && k[0] == "video" && slices.Contains(videoTools, k[1]) && !slices.Contains(order, k[1]) {
			order = append(order, k[1])
		}
	}
	return order
}

// prepare reads the tools' secrets, checks their keys and builds them.
func (v *VideoConfig) prepare(c *Config, bad func(string, ...any)) {
	v.tools, v.doors, v.origins, v.probes = nil, map[string]web.Door{}, map[string]string{}, nil
	order := v.order
	for _, n := range videoTools {
		if !slices.Contains(order, n) {
			order = append(order, n)
		}
	}
	for _, n := range order {
		switch {
		case n == jitsi.ProviderName && v.Jitsi != nil:
			v.addJitsi(bad)
		case n == bbb.ProviderName && v.BBB != nil:
			v.addBBB(c, bad)
		case n == galene.ProviderName && v.Galene != nil:
			v.addGalene(c, bad)
		}
	}
	if len(v.tools) == 0 {
		for i, r := range c.Rooms {
			if r.Tools == gateway.AnyTool {
				c.warnings = append(c.warnings, fmt.Sprintf("rooms[%d].tools = %q: no free tool is configured ([video.jitsi], [video.bbb] or [video.galene]), so this address books Zoom only", i, r.Tools))
			}
		}
	}
}

func (v *VideoConfig) addJitsi(bad func(string, ...any)) {
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

func (v *VideoConfig) addBBB(c *Config, bad func(string, ...any)) {
	if err := v.BBB.ReadSecrets(readSecretFile); err != nil {
		bad("%v", err)
		return
	}
	p, err := bbb.New(*v.BBB, bbb.Deps{})
	if err != nil {
		bad("%v", err)
		return
	}
	v.BBB.SetDefaults() // for printTools and the door's margin
	v.probes = append(v.probes, toolProbe{bbb.ProviderName, p.Probe})
	v.addDoor(c, bad, "video.bbb", bbb.ProviderName, v.BBB.URL, v.BBB.Secret.Reveal(), v.BBB.Early.Duration, p)
}

func (v *VideoConfig) addGalene(c *Config, bad func(string, ...any)) {
	if err := v.Galene.ReadSecrets(readSecretFile); err != nil {
		bad("%v", err)
		return
	}
	p, err := galene.New(*v.Galene, galene.Deps{})
	if err != nil {
		bad("%v", err)
		return
	}
	v.Galene.SetDefaults()
	v.probes = append(v.probes, toolProbe{galene.ProviderName, p.Probe})
	v.addDoor(c, bad, "video.galene", galene.ProviderName, v.Galene.URL, v.Galene.RoomKey.Reveal(), v.Galene.Early.Duration, p)
}

// addDoor puts a tool whose rooms need a server call behind doors. Their
// signing key is derived from the tool's secret, as start links' is from
// Zoom's client secret: nothing more to configure, and a new secret voids
// the doors mailed before.
func (v *VideoConfig) addDoor(c *Config, bad func(string, ...any), section, name, server, secret string, early time.Duration, p door.Provider) {
	switch {
	case c.HTTP.Listen == "":
		bad("%s: its links lead to roomgate's web server, which needs [http] listen", section)
		return
	case c.HTTP.PublicURL == "":
		bad("%s: its links lead to roomgate's web server, which needs http.public_url (the web server's address as members reach it)", section)
		return
	case !secureURL(c.HTTP.PublicURL):
		bad("%s: http.public_url must be an https:// URL (http only on a loopback address) for its links", section)
		return
	}
	d, err := door.New(door.Config{Name: name, PublicURL: c.HTTP.PublicURL, Key: door.LinkKey(secret), Early: early}, p)
	if err != nil {
		bad("%s: %v", section, err)
		return
	}
	v.tools = append(v.tools, freeTool{name: name, open: d.Open})
	v.doors[name] = d
	v.origins[name] = web.DoorOrigin(server)
}

// doorOptions are the web server's doors; nil when no tool is behind
// them.
func (v *VideoConfig) doorOptions() *web.DoorOptions {
	if len(v.doors) == 0 {
		return nil
	}
	return &web.DoorOptions{Tools: v.doors, Origins: v.origins}
}

// printTools writes the free tools for `roomgate check`, in offering
// order, never a secret.
func printTools(w io.Writer, c *Config) {
	if len(c.Video.tools) == 0 {
		fmt.Fprintf(w, "%-11s none: a slot Zoom cannot take is declined\n", "free tools")
		return
	}
	for i, t := range c.Video.tools {
		label := ""
		if i == 0 {
			label = "free tools"
		}
		switch t.Name() {
		case jitsi.ProviderName:
			fmt.Fprintf(w, "%-11s jitsi %s (app_id %s, guests %s)\n", label, c.Video.Jitsi.BaseURL, c.Video.Jitsi.AppID, c.Video.Jitsi.Guests)
		case bbb.ProviderName:
			fmt.Fprintf(w, "%-11s bbb %s (checksum %s; doors at %s/door/bbb/…)\n", label, c.Video.BBB.URL, c.Video.BBB.Checksum, strings.TrimRight(c.HTTP.PublicURL, "/"))
		case galene.ProviderName:
			fmt.Fprintf(w, "%-11s galene %s (prefix %s; doors at %s/door/galene/…)\n", label, c.Video.Galene.URL, c.Video.Galene.Prefix, strings.TrimRight(c.HTTP.PublicURL, "/"))
		}
	}
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
