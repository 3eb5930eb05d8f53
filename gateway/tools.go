package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// FreeTool is a video tool beside Zoom (a self-hosted Jitsi Meet,
// BigBlueButton, Galène…) that takes a meeting when Zoom has no free host
// for its slot. gateway does no I/O: Open is called inside the decision's
// transaction, so it must be pure (Jitsi: a signed link, no server call)
// or fast and bounded by ctx; a provider that needs a slow server call
// (BigBlueButton's create, Galène's group) returns links that work
// without it: roomgate's doors (meetings/door), signed links to its web
// server that make the call when clicked.
type FreeTool interface {
	// Name names the tool in bookings (Booking.Provider) and in mails:
	// short, lower case, never "" (which is Zoom).
	Name() string
	// Open returns the room of one booking: the same spec gives the same
	// room (its ID comes from spec.Key), so deciding again changes no link.
	Open(ctx context.Context, spec ToolSpec) (ToolRoom, error)
}

// ToolSpec is what a free tool needs to open a room for one booking (as
// meetings/room.Spec: the meeting layer adapts one to the other).
type ToolSpec struct {
	// Key is stable for the booking: organizer, UID and date, hashed.
	Key        string
	Title      string
	Start, End time.Time
	// HostName and HostEmail are the booker, the room's moderator.
	HostName, HostEmail string
	Lang                string
}

// ToolRoom is a free tool's room as mails and the agenda show it (as
// meetings/room.Room). It is stored with its booking.
type ToolRoom struct {
	ID string `json:"id,omitempty"`
	// JoinURL is the guests' link; HostURL the booker's, as moderator.
	JoinURL  string `json:"join_url,omitempty"`
	HostURL  string `json:"host_url,omitempty"`
	Passcode string `json:"passcode,omitempty"`
	// ValidFrom and ValidUntil bound the links' validity.
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
}

// ToolView is what a mail shows of a free tool's room.
type ToolView struct {
	Name             string // the tool's name as mails show it (toolTitle)
	JoinURL, HostURL string
	Passcode         string
}

// AnyTool is the value of Room.Tools for an address that means "any
// tool": a booking is accepted on Zoom when a host is free, else on the
// first free tool.
const AnyTool = "any"

// toolKey is the stable key of a booking's room: the same meeting and
// date give the same key, and nothing of it can be read back.
func toolKey(organizer, uid, rid string) string {
	h := sha256.Sum256([]byte(organizer + "\x00" + uid + "\x00" + rid))
	return hex.EncodeToString(h[:12])
}

// offerTool opens a room for [s, e) on the first configured free tool
// that opens one (Options.FreeTools, in the configuration's order), and
// turns a verdict for a slot Zoom cannot take into one held there:
// declined on Zoom with the room offered, or, for an address meaning any
// tool, accepted on it. A tool that fails is logged and the next one
// tried; v is left as it is when no tool is configured or none opens a
// room (a decline is better than none).
func (g *Gateway) offerTool(ctx context.Context, inv *invitation, rid, title string, s, e time.Time, v verdict) verdict {
	if len(g.opt.FreeTools) == 0 || v.reason != ReasonConflict || v.other != "" {
		return v
	}
	spec := ToolSpec{Key: toolKey(inv.organizer, inv.uid, rid), Title: storedText(title, maxSummaryLen), Start: s.UTC(), End: e.UTC(),
		HostName: inv.organizerName, HostEmail: inv.organizer, Lang: g.opt.Lang}
	for _, t := range g.opt.FreeTools {
		room, err := g.openSafe(ctx, t, spec)
		if err != nil {
			g.log.Warn("a free tool could not open a room", "tool", t.Name(), "uid", inv.uid, "err", err)
			continue
		}
		v.tool, v.toolRoom, v.wait = t.Name(), room, false
		v.text += "; held on " + t.Name()
		if inv.room.Tools == AnyTool {
			v = verdict{accepted: true, tool: t.Name(), toolRoom: room, text: "Zoom is full: accepted on " + t.Name()}
		}
		return v
	}
	return v
}

// ToolDate is a date of a series held on a free tool, as a mail lists it.
type ToolDate struct {
	When Slot
	Tool ToolView
}

// ToolCount is how many dates of a series' mail one free tool holds.
type ToolCount struct {
	Name  string
	Dates int
}

// ToolCounts counts the dates of a series' mail held on each free tool
// (ToolDates), in the order the tools first come.
func (v MailView) ToolCounts() []ToolCount {
	var out []ToolCount
	for _, d := range v.ToolDates {
		i := slices.IndexFunc(out, func(c ToolCount) bool { return c.Name == d.Tool.Name })
		if i < 0 {
			out = append(out, ToolCount{Name: d.Tool.Name})
			i = len(out) - 1
		}
		out[i].Dates++
	}
	return out
}

// ZoomDates is how many dates of a series' mail are booked on Zoom: its
// dates less those declined and those held on a free tool.
func (v MailView) ZoomDates() int { return max(v.Dates-len(v.Declined)-len(v.ToolDates), 0) }

// toolDates lists the dates of a series held on a free tool because Zoom
// was full then (declined on Zoom, the tool's room kept for them), with
// their rooms' links.
func (g *Gateway) toolDates(ds []dated) []ToolDate {
	loc := g.opt.Location
	var out []ToolDate
	for _, d := range ds {
		if d.v.tool == "" || d.v.pending {
			continue
		}
		var mv MailView
		g.toolView(&mv, &Booking{Provider: d.v.tool, ToolRoom: d.v.toolRoom})
		out = append(out, ToolDate{When: Slot{d.start.In(loc), d.end.In(loc)}, Tool: *mv.Tool})
	}
	return out
}

// openSafe calls a tool's Open, turning a panic into an error.
func (g *Gateway) openSafe(ctx context.Context, t FreeTool, spec ToolSpec) (room ToolRoom, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("open: panic: %v", r)
		}
	}()
	room, err = t.Open(ctx, spec)
	if err == nil && room.JoinURL == "" {
		err = fmt.Errorf("open: no join link")
	}
	return room, err
}

// toolView fills a mail's free-tool room from a booking held on one.
func (g *Gateway) toolView(mv *MailView, b *Booking) {
	mv.Tool = &ToolView{Name: toolTitle(b.Provider), JoinURL: b.ToolRoom.JoinURL, HostURL: b.ToolRoom.HostURL, Passcode: b.ToolRoom.Passcode}
	if mv.Tool.HostURL == "" {
		mv.Tool.HostURL = mv.Tool.JoinURL
	}
	mv.Room.JoinURL, mv.Room.MeetingID, mv.Room.Passcode, mv.HostKey = "", "", "", ""
}

// toolTitle is how mails name a tool: the product's name for the tools
// roomgate knows, else the name as configured.
func toolTitle(name string) string {
	switch name {
	case "jitsi":
		return "Jitsi Meet"
	case "bbb":
		return "BigBlueButton"
	case "galene":
		return "Galène"
	}
	return name
}
