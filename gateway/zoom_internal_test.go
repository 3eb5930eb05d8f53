package gateway

import (
	"testing"
	"time"
)

func TestFormatMeetingID(t *testing.T) {
	tests := []struct {
		id   int64
		want string
	}{
		{81234567890, "812 3456 7890"},
		{1234567890, "12 3456 7890"},
		{123456789, "123456789"},
	}
	for _, tt := range tests {
		if got := FormatMeetingID(tt.id); got != tt.want {
			t.Errorf("FormatMeetingID(%d) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {48_200_000, "48.2 MB"}, {3_100_000_000, "3.1 GB"}}
	for _, tt := range tests {
		if got := humanSize(tt.n); got != tt.want {
			t.Errorf("humanSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestCSVCell: what a spreadsheet would run as a formula is quoted.
func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Anne Martin", "Anne Martin"}, {"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"}, {"+33 1 23", "'+33 1 23"},
		{"-2+3", "'-2+3"}, {"@SUM(A1)", "'@SUM(A1)"}, {"", ""}, {"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := csvCell(tt.in); got != tt.want {
			t.Errorf("csvCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRecordingName: a copy's name is a plain file name whatever Zoom
// sends.
func TestRecordingName(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	g := &Gateway{opt: Options{Location: paris}}
	b := &Booking{Start: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	tests := []struct {
		f    ZoomFile
		want string
	}{
		{ZoomFile{ID: "a1b2c3d4e5f6", Type: "MP4", Extension: "MP4", RecordingType: "shared_screen_with_speaker_view"},
			"2026-12-01_1000_shared_screen_with_speaker_view_a1b2c3d4.mp4"},
		{ZoomFile{ID: "../../etc", Type: "TRANSCRIPT", Extension: "VTT"}, "2026-12-01_1000_TRANSCRIPT_.._.._et.vtt"},
		{ZoomFile{Type: "CHAT", Extension: ""}, "2026-12-01_1000_CHAT_" + zoomFileKey(ZoomFile{Type: "CHAT"})[4:12] + ".bin"},
		{ZoomFile{ID: "x", RecordingType: "a/b\\c d", Extension: "m4a"}, "2026-12-01_1000_a_b_c_d_x.m4a"},
		{ZoomFile{Type: "CC", Extension: "VTT", Instance: "u1", URLHash: "aa", Start: b.Start.Add(time.Hour)},
			"2026-12-01_1100_CC_" + zoomFileKey(ZoomFile{Type: "CC", Instance: "u1", URLHash: "aa"})[4:12] + ".vtt"},
		{ZoomFile{ID: "p1", Type: "M4A", Participant: true, Name: "Anne Martin.m4a"}, "2026-12-01_1000_participant_Anne_Martin_p1.m4a"},
	}
	for _, tt := range tests {
		if got := g.recordingName(b, tt.f, zoomFileKey(tt.f)); got != tt.want {
			t.Errorf("recordingName(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

// TestZoomFileKey: files without ID never share a key, whatever their
// instance, type or address; a file with an ID is keyed by it.
func TestZoomFileKey(t *testing.T) {
	files := []ZoomFile{{Type: "CC", Instance: "u1", URLHash: "a"}, {Type: "TIMELINE", Instance: "u1", URLHash: "a"},
		{Type: "CC", Instance: "u2", URLHash: "a"}, {Type: "CC", Instance: "u1", URLHash: "b"}, {ID: "f1"}}
	seen := map[string]bool{}
	for _, f := range files {
		k := zoomFileKey(f)
		if seen[k] || k == "" {
			t.Fatalf("key %q twice", k)
		}
		seen[k] = true
	}
	if again := files[0]; zoomFileKey(ZoomFile{ID: "f1", Type: "MP4"}) != "f1" || zoomFileKey(again) != zoomFileKey(files[0]) {
		t.Fatal("keys are not stable")
	}
}

// TestStartSignature: a link names one booking and one meeting.
func TestStartSignature(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	base := startSignature(key, 42, "rg-1")
	if len(base) != 22 || base != startSignature(key, 42, "rg-1") {
		t.Fatalf("signature %q not stable or not 128 bits", base)
	}
	for name, other := range map[string]string{
		"another booking":            startSignature(key, 43, "rg-1"),
		"another meeting":            startSignature(key, 42, "rg-2"),
		"another key":                startSignature([]byte("fedcba9876543210fedcba9876543210"), 42, "rg-1"),
		"id and marker run together": startSignature(key, 4, "2\x00rg-1"),
	} {
		if other == base {
			t.Errorf("%s: same signature", name)
		}
	}
}

// TestZoomNeedsSync: which saves of a booking call for Zoom.
func TestZoomNeedsSync(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	g := &Gateway{opt: Options{Now: func() time.Time { return now }}}
	s, e := now.Add(2*time.Hour), now.Add(3*time.Hour)
	acc := &Booking{Summary: "Point", Start: s, End: e, Status: StatusAccepted}
	synced := &ZoomMeeting{State: ZoomCreated, Topic: "Point", Start: s, End: e}
	moved := *acc
	moved.Start = s.Add(time.Hour)
	renamed := *acc
	renamed.Summary = "Point mensuel"
	cancelled := *acc
	cancelled.Status = StatusCancelled
	past := *acc
	past.Start, past.End = now.Add(-2*time.Hour), now.Add(-time.Hour)
	tests := []struct {
		name string
		b    *Booking
		m    *ZoomMeeting
		want bool
	}{
		{"accepted, no meeting", acc, nil, true},
		{"accepted, in sync", acc, synced, false},
		{"moved", &moved, synced, true},
		{"renamed", &renamed, synced, true},
		{"cancelled with a meeting", &cancelled, synced, true},
		{"cancelled, meeting deleted", &cancelled, &ZoomMeeting{State: ZoomDeleted}, false},
		{"declined, never a meeting", &cancelled, nil, false},
		{"over, no meeting", &past, nil, false},
		{"creation in doubt", acc, &ZoomMeeting{State: ZoomCreating}, true},
	}
	for _, tt := range tests {
		if got := g.zoomNeedsSync(tt.b, tt.m); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
