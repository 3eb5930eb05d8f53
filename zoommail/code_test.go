package zoommail

import (
	"testing"
	"time"
)

func TestFindCode(t *testing.T) {
	footer := "\n+1.888.799.9666\n©2026 Zoom Video Communications, Inc.\n55 Almaden Blvd, San Jose, CA 95113\n"
	tests := []struct {
		name, subject, text, html, want string
	}{
		{"text line", "Code for signing in to Zoom", "Enter the code below.\n\n483920\n\nIt expires in 10 minutes." + footer, "", "483920"},
		{"French text", "Code de connexion à Zoom", "Saisissez le code ci-dessous.\n\n  **483920**  \n" + footer, "", "483920"},
		{"html block", "", "", `<style>td{color:#123456;width:600px}</style><p>Enter it:</p><td style="font-size:32px">483920</td><p>` + footer + `</p>`, "483920"},
		{"html with entities", "", "", "<div>&nbsp;483920&nbsp;</div><div>CA&nbsp;95113</div>", "483920"},
		{"subject", "483920 is your Zoom verification code", "", "", "483920"},
		{"text and html agree", "", "\n483920\n", "<b>483920</b>", "483920"},
		{"footer only", "New Zoom Sign-in Detected", "A new sign-in on Dec 1, 2026 at 14:22 from 192.0.2.1." + footer, "", ""},
		{"number in a sentence", "", "Your meeting ID is 483920 today.\n", "", ""},
		{"css and attributes only", "", "", `<head><style>.a{color:#483920}</style></head><td width="600" bgcolor="#123456" data-x="483920"></td>`, ""},
		{"dates and long numbers", "", "20261201\n2026-12-01\n1234567\n12345\n", "", ""},
		{"two different codes", "", "\n111111\n", "<td>222222</td>", ""},
		{"comment", "", "", "<!-- 483920 --><p>no code</p>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findCode(tt.subject, tt.text, tt.html); got != tt.want {
				t.Errorf("findCode = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseRecording(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	text := "Hi,\n\nCloud recording is now available.\n\nTopic: Salle Opteos\nDate: Dec 1, 2026 02:03 PM Paris\n" +
		"Meeting ID: 812 3456 7890\n\nShare recording with viewers:\nhttps://zoom.us/rec/share/abc\nPasscode: x1!\n"
	n := parseRecording("Cloud Recording - Salle Opteos is now available", text, paris)
	want := recordingNotice{topic: "Salle Opteos", meetingID: "81234567890", start: time.Date(2026, 12, 1, 14, 3, 0, 0, paris)}
	if n.topic != want.topic || n.meetingID != want.meetingID || !n.start.Equal(want.start) {
		t.Errorf("parseRecording = %+v, want %+v", *n, want)
	}
	for in, want := range map[string]time.Time{
		"December 1, 2026 14:03 Central European Time": time.Date(2026, 12, 1, 14, 3, 0, 0, paris),
		"Dec 1, 2026, 9:05 am":                         time.Date(2026, 12, 1, 9, 5, 0, 0, paris),
		"tomorrow":                                     {},
	} {
		if got := parseZoomDate(in, paris); !got.Equal(want) {
			t.Errorf("parseZoomDate(%q) = %v, want %v", in, got, want)
		}
	}
	if got := recordingSubject("Meeting assets for Weekly sync are ready!"); got != "Weekly sync" {
		t.Errorf("topic = %q", got)
	}
}

func FuzzFindCode(f *testing.F) {
	f.Add("483920 is your code", "\n483920\n", "<td>483920</td><style>x{}</style>")
	f.Add("", "+1.888.799.9666 95113", "<!-- x --><head>")
	f.Fuzz(func(t *testing.T, subject, text, html string) {
		if c := findCode(subject, text, html); c != "" && len(c) != 6 {
			t.Errorf("code %q is not six digits", c)
		}
	})
}

func FuzzParseRecording(f *testing.F) {
	f.Add("Cloud Recording - X is now available", "Topic: X\nDate: Dec 1, 2026 02:03 PM Paris\nMeeting ID: 812 3456 7890\n")
	f.Fuzz(func(t *testing.T, subject, text string) {
		parseRecording(subject, text, time.UTC)
	})
}
