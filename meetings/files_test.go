package meetings

import (
	"testing"
	"time"
)

// TestFileName: a copy's name is a plain file name whatever Zoom
// sends.
func TestFileName(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		f    File
		want string
	}{
		{File{ID: "a1b2c3d4e5f6", Type: "MP4", Extension: "MP4", RecordingType: "shared_screen_with_speaker_view"},
			"2026-12-01_1000_shared_screen_with_speaker_view_a1b2c3d4.mp4"},
		{File{ID: "../../etc", Type: "TRANSCRIPT", Extension: "VTT"}, "2026-12-01_1000_TRANSCRIPT_.._.._et.vtt"},
		{File{Type: "CHAT", Extension: ""}, "2026-12-01_1000_CHAT_" + FileKey(File{Type: "CHAT"})[4:12] + ".bin"},
		{File{ID: "x", RecordingType: "a/b\\c d", Extension: "m4a"}, "2026-12-01_1000_a_b_c_d_x.m4a"},
		{File{Type: "CC", Extension: "VTT", Instance: "u1", URLHash: "aa", Start: start.Add(time.Hour)},
			"2026-12-01_1100_CC_" + FileKey(File{Type: "CC", Instance: "u1", URLHash: "aa"})[4:12] + ".vtt"},
		{File{ID: "p1", Type: "M4A", Participant: true, Name: "Anne Martin.m4a"}, "2026-12-01_1000_participant_Anne_Martin_p1.m4a"},
	}
	for _, tt := range tests {
		if got := FileName(tt.f, FileKey(tt.f), start, paris); got != tt.want {
			t.Errorf("FileName(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

// TestFileKey: files without ID never share a key, whatever their
// instance, type or address; a file with an ID is keyed by it.
func TestFileKey(t *testing.T) {
	files := []File{{Type: "CC", Instance: "u1", URLHash: "a"}, {Type: "TIMELINE", Instance: "u1", URLHash: "a"},
		{Type: "CC", Instance: "u2", URLHash: "a"}, {Type: "CC", Instance: "u1", URLHash: "b"}, {ID: "f1"}}
	seen := map[string]bool{}
	for _, f := range files {
		k := FileKey(f)
		if seen[k] || k == "" {
			t.Fatalf("key %q twice", k)
		}
		seen[k] = true
	}
	if again := files[0]; FileKey(File{ID: "f1", Type: "MP4"}) != "f1" || FileKey(again) != FileKey(files[0]) {
		t.Fatal("keys are not stable")
	}
}

// TestStartSignature: a link names one booking and one meeting.
func TestStartSignature(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	base := StartSignature(key, 42, "rg-1")
	if len(base) != 22 || base != StartSignature(key, 42, "rg-1") {
		t.Fatalf("signature %q not stable or not 128 bits", base)
	}
	for name, other := range map[string]string{
		"another booking":            StartSignature(key, 43, "rg-1"),
		"another meeting":            StartSignature(key, 42, "rg-2"),
		"another key":                StartSignature([]byte("fedcba9876543210fedcba9876543210"), 42, "rg-1"),
		"id and marker run together": StartSignature(key, 4, "2\x00rg-1"),
	} {
		if other == base {
			t.Errorf("%s: same signature", name)
		}
	}
}
