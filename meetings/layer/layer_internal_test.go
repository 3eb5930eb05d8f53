package layer

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
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

// TestZoomNeedsSync: which saves of a booking call for Zoom.
func TestZoomNeedsSync(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	l := &Layer{now: func() time.Time { return now }}
	s, e := now.Add(2*time.Hour), now.Add(3*time.Hour)
	acc := &gateway.Booking{Summary: "Point", Start: s, End: e, Status: gateway.StatusAccepted}
	synced := &meetings.Meeting{State: meetings.MeetingCreated, Topic: "Point", Start: s, End: e}
	moved := *acc
	moved.Start = s.Add(time.Hour)
	renamed := *acc
	renamed.Summary = "Point mensuel"
	cancelled := *acc
	cancelled.Status = gateway.StatusCancelled
	past := *acc
	onTool := *acc
	onTool.Provider = "jitsi"
	past.Start, past.End = now.Add(-2*time.Hour), now.Add(-time.Hour)
	tests := []struct {
		name string
		b    *gateway.Booking
		m    *meetings.Meeting
		want bool
	}{
		{"accepted, no meeting", acc, nil, true},
		{"accepted, in sync", acc, synced, false},
		{"moved", &moved, synced, true},
		{"renamed", &renamed, synced, true},
		{"cancelled with a meeting", &cancelled, synced, true},
		{"cancelled, meeting deleted", &cancelled, &meetings.Meeting{State: meetings.MeetingDeleted}, false},
		{"declined, never a meeting", &cancelled, nil, false},
		{"over, no meeting", &past, nil, false},
		{"creation in doubt", acc, &meetings.Meeting{State: meetings.MeetingCreating}, true},
		{"held on a free tool", &onTool, nil, false},
		{"moved to a free tool from Zoom", &onTool, synced, true},
		{"on a free tool, Zoom's meeting deleted", &onTool, &meetings.Meeting{State: meetings.MeetingDeleted}, false},
	}
	for _, tt := range tests {
		if got := l.zoomNeedsSync(tt.b, tt.m); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
