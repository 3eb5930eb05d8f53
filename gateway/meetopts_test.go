package gateway_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestParseMeetingOptions: the options line in French and English, with
// its spellings, and what is refused.
func TestParseMeetingOptions(t *testing.T) {
	all := gateway.MeetingOptions{Muted: true, VideoOff: true, SignIn: true, CloudRecording: true}
	tests := []struct {
		name, desc string
		want       gateway.MeetingOptions
		unknown    []string
	}{
		{"none", "Ordre du jour\n1. budget", gateway.MeetingOptions{}, nil},
		{"english", "roomgate: muted, video off, sign-in required, cloud recording", all, nil},
		{"french", "Roomgate : micro coupé, vidéo coupée, connexion obligatoire, enregistrement cloud", all, nil},
		{"french without accents, semicolons", "ROOMGATE: micros coupes; video coupee", gateway.MeetingOptions{Muted: true, VideoOff: true}, nil},
		{"narrow no-break space before the colon", "roomgate\u202f: enregistrement dans le cloud", gateway.MeetingOptions{CloudRecording: true}, nil},
		{"among other lines", "Hello\n  roomgate: Mute on entry  \nBye", gateway.MeetingOptions{Muted: true}, nil},
		{"two lines", "roomgate: muted\nroomgate: camera off", gateway.MeetingOptions{Muted: true, VideoOff: true}, nil},
		{"an unknown word voids its line", "roomgate: muted, enregistrement clou", gateway.MeetingOptions{}, []string{"enregistrement clou"}},
		{"only that line", "roomgate: muted\nroomgate: zoom-bombing off", gateway.MeetingOptions{Muted: true}, []string{"zoom-bombing off"}},
		{"no colon: not an options line", "roomgate muted", gateway.MeetingOptions{}, nil},
		{"another word first", "see roomgate: muted", gateway.MeetingOptions{}, nil},
		{"roomgate in a word", "roomgateway: muted", gateway.MeetingOptions{}, nil},
		{"empty items", "roomgate: , muted,,", gateway.MeetingOptions{Muted: true}, nil},
		{"a line too long", "roomgate: muted" + strings.Repeat(",muted", 60), gateway.MeetingOptions{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unknown := gateway.ParseMeetingOptions(tt.desc)
			if got != tt.want || !slices.Equal(unknown, tt.unknown) {
				t.Errorf("= %+v, %q; want %+v, %q", got, unknown, tt.want, tt.unknown)
			}
		})
	}
}

// TestMeetingOptionsKey: the stored form reads back.
func TestMeetingOptionsKey(t *testing.T) {
	for _, o := range []gateway.MeetingOptions{{}, {Muted: true}, {VideoOff: true, CloudRecording: true},
		{Muted: true, VideoOff: true, SignIn: true, CloudRecording: true}} {
		if got := gateway.StoredOptions(o.Key()); got != o {
			t.Errorf("%+v stored as %q reads %+v", o, o.Key(), got)
		}
	}
	if k := (gateway.MeetingOptions{SignIn: true, Muted: true}).Key(); k != "muted,sign-in" {
		t.Errorf("key %q", k)
	}
}

// FuzzParseMeetingOptions: whatever a description holds, the parser
// neither panics nor returns more than it was given; what it calls
// unknown is printable, bounded text of the input; and the stored form
// of what it found reads back.
//
//	go test -run '^$' -fuzz FuzzParseMeetingOptions -fuzztime 1m ./gateway
func FuzzParseMeetingOptions(f *testing.F) {
	for _, s := range []string{"roomgate: muted, video off", "Roomgate : micro coupé\nroomgate: x", "roomgate:", "roomgate\u00a0:;;,", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, desc string) {
		o, unknown := gateway.ParseMeetingOptions(desc)
		if gateway.StoredOptions(o.Key()) != o {
			t.Fatalf("options %+v do not read back", o)
		}
		if o.Any() && !strings.Contains(strings.ToLower(desc), "roomgate") {
			t.Fatalf("options %+v without an options line in %q", o, desc)
		}
		for _, u := range unknown {
			if len(u) > 300 || !utf8.ValidString(u) || strings.ContainsAny(u, "\r\n\x00") {
				t.Fatalf("unknown item %q", u)
			}
		}
	})
}
