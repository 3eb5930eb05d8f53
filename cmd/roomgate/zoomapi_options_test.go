package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// withDescription adds a DESCRIPTION to an invitation's calendar parts.
func withDescription(inv sampleInvite, desc string) string {
	summary := "SUMMARY:" + inv.Summary + "\r\n"
	return strings.ReplaceAll(string(inv.mail()), summary, summary+"DESCRIPTION:"+desc+"\r\n")
}

// TestZoomMeetingOptions: the options line of a booking's description
// goes into its meeting's settings, on top of the configured ones, at
// creation and again when it moves; the accept mail says the meeting is
// created with them. A booking without options keeps the defaults.
func TestZoomMeetingOptions(t *testing.T) {
	env := newZoomEnv(t, nil)
	s, e := tomorrowAt(10, 0), tomorrowAt(11, 0)
	inv := request("o-1", "alice@coop.example", 0, s, e)
	env.handleRaw(withDescription(inv, `Ordre du jour\nroomgate : micros coupés\, vidéo coupée\, connexion obligatoire\, enregistrement cloud`))
	env.handle(request("o-2", "bob@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	env.jobs()
	m := env.meeting("o-1")
	want := func(what string, st zoomtest.Settings) {
		t.Helper()
		b := func(v *bool) string {
			if v == nil {
				return "unset"
			}
			return map[bool]string{true: "true", false: "false"}[*v]
		}
		got := []string{b(st.MuteUponEntry), b(st.HostVideo), b(st.ParticipantVideo), b(st.MeetingAuthentication),
			st.AutoRecording, b(st.WaitingRoom)}
		if w := []string{"true", "false", "false", "true", "cloud", "true"}; strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("%s: mute_upon_entry, host_video, participant_video, meeting_authentication, auto_recording, waiting_room = %q, want %q",
				what, got, w)
		}
	}
	want("created", m.Settings)
	if plain := env.meeting("o-2").Settings; plain.MeetingAuthentication != nil || plain.AutoRecording == "cloud" {
		t.Errorf("a booking without options got %+v", plain)
	}
	_, _, text := mailText(t, env.flushN(2)[0])
	wantIn(t, "accept", text, "The meeting is created with them.")
	wantOut(t, "accept", text, "Set them in the meeting once you are host.")

	moved := inv
	moved.Sequence, moved.Start, moved.End, moved.Stamp = 1, tomorrowAt(16, 0), tomorrowAt(17, 0), inv.Stamp.Add(time.Minute)
	env.handleRaw(withDescription(moved, `roomgate: muted\, video off\, sign in required\, cloud recording`))
	env.jobs()
	var patch struct {
		Settings map[string]any `json:"settings"`
	}
	for _, c := range env.zoom.Calls() {
		if c.Method == http.MethodPatch {
			if err := json.Unmarshal(c.Body, &patch); err != nil {
				t.Fatal(err)
			}
		}
	}
	if s := patch.Settings; s["mute_upon_entry"] != true || s["meeting_authentication"] != true || s["auto_recording"] != "cloud" ||
		s["host_video"] != false || s["participant_video"] != false {
		t.Errorf("the update's settings = %v", s)
	}
	want("moved", env.meeting("o-1").Settings)
}

// TestZoomOptionsOnlyChange: a new version of the event that changes only
// the options line (same slot, same title) updates the meeting's
// settings; removing the line turns the options off again.
func TestZoomOptionsOnlyChange(t *testing.T) {
	env := newZoomEnv(t, nil)
	inv := request("oc-1", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0))
	env.handleRaw(withDescription(inv, `Ordre du jour`))
	env.jobs()
	created := env.meeting("oc-1")
	if st := created.Settings; st.MeetingAuthentication != nil && *st.MeetingAuthentication || st.AutoRecording == "cloud" {
		t.Fatalf("created with options none asked: %+v", st)
	}
	patches := func() int { return env.zoom.Count(http.MethodPatch, "/v2/meetings/") }
	before := patches()

	next := inv
	next.Sequence, next.Stamp = 1, inv.Stamp.Add(time.Minute)
	env.handleRaw(withDescription(next, `Ordre du jour\nroomgate: connexion obligatoire\, cloud recording`))
	env.jobs()
	if n := patches() - before; n != 1 {
		t.Fatalf("%d updates after an options-only change, want 1", n)
	}
	st := env.meeting("oc-1").Settings
	if st.MeetingAuthentication == nil || !*st.MeetingAuthentication || st.AutoRecording != "cloud" {
		t.Errorf("after the options were asked: meeting_authentication %v, auto_recording %q", st.MeetingAuthentication, st.AutoRecording)
	}
	if env.meeting("oc-1").ID != created.ID {
		t.Errorf("the meeting was made again instead of updated")
	}

	// The same version again (a resent copy) changes nothing.
	env.handleRaw(withDescription(next, `Ordre du jour\nroomgate: connexion obligatoire\, cloud recording`))
	env.jobs()
	if n := patches() - before; n != 1 {
		t.Errorf("%d updates after a resent copy, want still 1", n)
	}

	last := next
	last.Sequence, last.Stamp = 2, next.Stamp.Add(time.Minute)
	env.handleRaw(withDescription(last, `Ordre du jour`))
	env.jobs()
	if n := patches() - before; n != 2 {
		t.Fatalf("%d updates after the options were removed, want 2", n)
	}
	st = env.meeting("oc-1").Settings
	if st.MeetingAuthentication == nil || *st.MeetingAuthentication || st.AutoRecording != "none" {
		t.Errorf("after the options were removed: meeting_authentication %v, auto_recording %q, want false and none",
			st.MeetingAuthentication, st.AutoRecording)
	}
}
