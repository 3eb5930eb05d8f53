package templates

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// zoomNames are the templates of Zoom API mode.
var zoomNames = []string{gateway.TmplZoomAccept, gateway.TmplZoomAccount, gateway.TmplZoomAttendance, gateway.TmplZoomLink, gateway.TmplZoomOverrun,
	gateway.TmplZoomRecordings, gateway.TmplZoomReleased, gateway.TmplZoomReminder, gateway.TmplZoomUnbooked}

// zoomView is fullView with what Zoom API mode fills in: the booking's
// own meeting with a start link, the recordings, the report.
func zoomView(t *testing.T, startLinks bool) gateway.MailView {
	v := fullView(t)
	v.Accepted = true
	loc := paris(t)
	at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, loc) }
	m := gateway.ZoomMeetingView{When: v.When, JoinURL: "https://us02web.zoom.us/j/84412345678?pwd=Qr9",
		MeetingID: "844 1234 5678", Passcode: "Kp7wZr3xQa"}
	if startLinks {
		m.StartLink = "https://salles.coop.example/start/42/Ab3dEf6hIj9kLm2nOp5qRs"
		v.HostKey = ""
	}
	v.Zoom = gateway.ZoomView{Meetings: []gateway.ZoomMeetingView{m}, StartLinks: startLinks, OpensMinutes: 5,
		WaitingRoom: true, ReleaseMinutes: 15, Recordings: true,
		RecordingsURL:   "https://salles.coop.example/recordings/tok",
		RecordingsUntil: time.Date(2026, 12, 31, 11, 0, 0, 0, loc),
		Files:           []gateway.ZoomFileView{{Name: "2026-12-01_1000_shared_screen_abcd1234.mp4", Type: "MP4", Size: "48.2 MB"}},
		Attendance: []gateway.ZoomAttendeeView{{Name: "Anne Martin", Email: "anne@coop.example",
			Time: gateway.Slot{Start: at(9, 57), End: at(11, 0)}, Minutes: 63}, {Name: "Paul", Time: gateway.Slot{Start: at(10, 5), End: at(10, 40)}, Minutes: 35}},
		Next: gateway.Slot{Start: at(11, 30), End: at(12, 30)}, EndsAt: at(11, 30),
		Waiting: []gateway.ZoomAttendeeView{{Name: "Inconnu", Time: gateway.Slot{Start: at(10, 1), End: at(10, 9)}}},
		Live:    gateway.ZoomLiveView{Topic: "Réunion privée", MeetingID: "899 0000 1111", Seen: at(10, 2)},
		Account: gateway.ZoomAccountView{Problem: gateway.ZoomProblemDailyLimit, ResumeAt: at(1, 0)}}
	return v
}

// TestZoomTemplatesRender renders every template of the mode with real
// data, in both languages, with and without start links and for a
// series, and applies the checks every mail passes.
func TestZoomTemplatesRender(t *testing.T) {
	s := load(t)
	french := regexp.MustCompile(` [:;!?»]|« |[0-9] – [0-9]|[0-9]–[0-9]`)
	english := regexp.MustCompile(`\b(the|room|meeting|booked|host|Claim|Waiting|Passcode|Meeting ID|Join|roomgate)\b`)
	for _, lang := range langs {
		for _, name := range zoomNames {
			for _, variant := range []string{"start links", "host key", "series"} {
				t.Run(lang+"/"+name+"/"+variant, func(t *testing.T) {
					v := zoomView(t, variant != "host key")
					if variant == "series" {
						sv := seriesView(t)
						v.Series, v.Dates, v.Recurrence, v.Declined = sv.Series, sv.Dates, sv.Recurrence, sv.Declined
						second := v.Zoom.Meetings[0]
						second.When = gateway.Slot{Start: v.When.Start.AddDate(0, 0, 14), End: v.When.End.AddDate(0, 0, 14)}
						v.Zoom.Meetings = append(v.Zoom.Meetings, second)
					}
					r := render(t, s, lang, name, v)
					checkRendered(t, lang, r)
					if lang == "fr" {
						for what, body := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML} {
							if m := french.FindString(body); m != "" {
								t.Errorf("%s: %q in\n%s", what, m, body)
							}
							if m := english.FindString(strings.ReplaceAll(plainText(words(body)), "roomgate", "")); m != "" && name != gateway.TmplZoomUnbooked {
								t.Errorf("%s: English %q in\n%s", what, m, body)
							}
						}
					}
					if variant == "start links" {
						wantLacks(t, "text", r.Text+r.HTML, "483920")
					}
					if name == gateway.TmplZoomAccount && variant == "series" {
						v.Zoom.Account = gateway.ZoomAccountView{Problem: gateway.ZoomProblemPasscode}
						checkRendered(t, lang, render(t, s, lang, name, v))
					}
				})
			}
		}
	}
}

// TestZoomAcceptText is the accept mail of a single booking with a start
// link, as a member reads it.
func TestZoomAcceptText(t *testing.T) {
	r := render(t, load(t), "en", gateway.TmplZoomAccept, zoomView(t, true))
	want := `Hello Anne Martin,

The room Atelier is booked for your meeting “Point mensuel”:
Tuesday 1 December 2026, 10:00–11:00 (Paris time).

Your meeting has a Zoom link of its own: add it to your invitation for
your participants.

  Link for everyone:  https://us02web.zoom.us/j/84412345678?pwd=Qr9
  Meeting ID:         844 1234 5678
  Passcode:           Kp7wZr3xQa
  Your start link:    https://salles.coop.example/start/42/Ab3dEf6hIj9kLm2nOp5qRs

How to host the meeting
1. Open your start link from 5 minutes before the start until the end:
   it starts the meeting with you as its host. It is yours: do not give
   it to your participants.
2. The waiting room is on: admit your participants as they arrive.
3. To record, choose cloud recording: after the meeting you get a link
   to a copy of it.
4. Start on time: a meeting not started 15 minutes after its start is
   called off and the room freed for others.
5. At the end, "End Meeting for All".

To cancel or move the meeting, cancel or move it in your calendar: the
room and its Zoom meeting will follow.

A question, a problem? The facilitators: animation@coop.example

— The cooperative's Zoom room service
`
	if got := plainText(r.Text); got != want { // no-break spaces aside
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
}
