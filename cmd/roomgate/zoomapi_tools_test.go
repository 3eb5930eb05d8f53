package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// linkTool is a gateway.FreeTool that opens rooms without any server, as
// the Jitsi provider does. It is no fake of a peer: its links carry no
// signed token.
type linkTool struct{}

func (linkTool) Name() string { return "linktool" }

func (linkTool) Open(_ context.Context, s gateway.ToolSpec) (gateway.ToolRoom, error) {
	u := "https://meet.coop.example/" + s.Key
	return gateway.ToolRoom{ID: s.Key, JoinURL: u, HostURL: u + "?moderator", ValidFrom: s.Start.Add(-time.Hour),
		ValidUntil: s.End.Add(time.Hour)}, nil
}

// TestZoomFreeToolNoMeeting: in Zoom API mode, a booking held on a free
// tool gets no Zoom meeting, and one that moves from Zoom to the tool
// (Zoom full at its new slot) has its Zoom meeting deleted.
func TestZoomFreeToolNoMeeting(t *testing.T) {
	env := newZoomEnvWith(t, zoomtest.Options{}, func(c *Config) {
		c.Rooms = append(c.Rooms, RoomConfig{Name: "Visio", Address: "visio@coop.example", JoinURL: fixedJoin,
			MeetingID: "855 5000 1111", Passcode: "opteos", Tools: gateway.AnyTool})
	}, func(o *gateway.Options) { o.FreeTools = []gateway.FreeTool{linkTool{}} })
	visio := func(inv sampleInvite) sampleInvite { inv.Room = "visio@coop.example"; return inv }
	env.handle(request("t-a", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)))
	bob := visio(request("t-b", "bob@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	env.handle(bob)
	env.jobs()
	if b := env.booking("t-b"); b.Provider != "" || env.meeting("t-b").Deleted {
		t.Fatalf("t-b: on %q, want Zoom with a meeting", b.Provider)
	}
	moved := bob
	moved.Sequence, moved.Start, moved.End, moved.Stamp = 1, tomorrowAt(10, 30), tomorrowAt(11, 30), bob.Stamp.Add(time.Minute)
	env.handle(moved)
	env.handle(visio(request("t-c", "carol@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0))))
	env.jobs()
	for _, uid := range []string{"t-b", "t-c"} {
		if b := env.booking(uid); b.Status != gateway.StatusAccepted || b.Provider != "linktool" {
			t.Errorf("%s: %s on %q, want accepted on linktool", uid, b.Status, b.Provider)
		}
	}
	if n := env.zoom.Count(http.MethodPost, "/v2/users/"); n != 2 {
		t.Errorf("%d meetings created, want 2 (alice's, bob's before his move)", n)
	}
	if n := env.zoom.Count(http.MethodDelete, "/v2/meetings/"); n != 1 {
		t.Errorf("%d meetings deleted, want 1 (bob's, moved to the tool)", n)
	}
	live := 0
	for _, m := range env.zoom.Meetings() {
		if !m.Deleted {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d meetings left on Zoom, want alice's only", live)
	}
	// The tool's accept mails wait for no Zoom meeting: all four leave now.
	sent := env.flushN(4)
	_, _, text := mailText(t, sent[3])
	wantIn(t, "carol's accept", text, "https://meet.coop.example/")
}
