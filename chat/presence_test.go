package chat

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestPresenceText(t *testing.T) {
	now := testNow(t) // Tuesday 1 December 2026, 10:00
	loc := now.Location()
	h := func(day, hh, mm int) time.Time { return time.Date(2026, 12, day, hh, mm, 0, 0, loc) }
	const agenda = "https://salles.coop.example/agenda"
	tests := []struct {
		name   string
		st     RoomState
		fr, en string
	}{
		{"free all day", RoomState{}, "Libre", "Free"},
		{"free until", RoomState{FreeUntil: h(1, 14, 0), Next: Slot{h(1, 14, 0), h(1, 15, 0)}, AgendaURL: agenda},
			"Libre jusqu'à 14:00 · prochaine réservation aujourd'hui 14:00–15:00 · [Agenda](" + agenda + ")",
			"Free until 14:00 · next booking today 14:00–15:00 · [Agenda](" + agenda + ")"},
		{"busy", RoomState{BusyUntil: h(1, 11, 0), Next: Slot{h(2, 9, 0), h(2, 10, 30)}},
			"En cours jusqu'à 11:00 · prochaine réservation demain 09:00–10:30",
			"In use until 11:00 · next booking tomorrow 09:00–10:30"},
		{"free until another day", RoomState{FreeUntil: h(7, 9, 0), Next: Slot{h(7, 9, 0), h(7, 10, 0)}},
			"Libre jusqu'à lun. 7 déc. 09:00 · prochaine réservation lun. 7 déc. 09:00–10:00",
			"Free until Mon 7 Dec 09:00 · next booking Mon 7 Dec 09:00–10:00"},
	}
	for _, tt := range tests {
		for lang, want := range map[string]string{French: tt.fr, English: tt.en} {
			st := tt.st
			st.Now, st.Location, st.Lang = now.UTC(), loc, lang
			got, err := PresenceText(st)
			if err != nil || plain(got) != want {
				t.Errorf("%s/%s:\n got  %q, %v\n want %q", tt.name, lang, got, err, want)
			}
		}
	}
}

// TestPresenceNoSecrets: an agenda link with a password is refused, and
// the header stays within Mattermost's 1,024 characters.
func TestPresenceNoSecrets(t *testing.T) {
	now := testNow(t)
	for _, u := range []string{"https://us02web.zoom.us/j/812?pwd=Xy7", "https://a.example/agenda#passcode=1",
		"javascript:alert(1)", "https://user:pw@a.example/", "https://a.example/(x)"} {
		if _, err := PresenceText(RoomState{Now: now, Location: now.Location(), AgendaURL: u}); err == nil {
			t.Errorf("agenda URL %q accepted", u)
		}
	}
	long := "https://a.example/" + strings.Repeat("a", 1100)
	got, err := PresenceText(RoomState{Now: now, Location: now.Location(), AgendaURL: long, FreeUntil: now.Add(time.Hour)})
	if err != nil || utf8.RuneCountInString(got) > MaxHeader || strings.Contains(got, "aaaa") {
		t.Errorf("a long agenda URL: %d characters, %v", utf8.RuneCountInString(got), err)
	}
}

// headerServer is a Server that records header writes.
type headerServer struct {
	header  string
	readErr error
	sets    []string
}

func (h *headerServer) Header(context.Context) (string, error) { return h.header, h.readErr }
func (h *headerServer) SetHeader(_ context.Context, s string) error {
	h.sets = append(h.sets, s)
	h.header = s
	return nil
}
func (h *headerServer) Post(context.Context, Message) error          { return nil }
func (h *headerServer) Answer(context.Context, Reply, Message) error { return nil }

// TestPresenceKeeper: the header is written only when its text changes,
// also across a restart; a server that cannot read it gets it once.
func TestPresenceKeeper(t *testing.T) {
	now := testNow(t)
	st := RoomState{Now: now, Location: now.Location(), Lang: French, FreeUntil: now.Add(4 * time.Hour)}
	srv := &headerServer{header: "Lien : https://zoom.us/j/1 · clé d'animateur 482913"}
	p := NewPresence(srv, quiet)
	for i, want := range []bool{true, false, false} {
		wrote, err := p.Update(t.Context(), st)
		if err != nil || wrote != want {
			t.Fatalf("update %d: wrote %v, %v; want %v", i, wrote, err, want)
		}
	}
	if strings.Contains(srv.header, "482913") || len(srv.sets) != 1 {
		t.Errorf("after 3 updates: header %q, %d writes", srv.header, len(srv.sets))
	}
	restarted := NewPresence(srv, quiet)
	if wrote, err := restarted.Update(t.Context(), st); wrote || err != nil {
		t.Errorf("after a restart, the same text: wrote %v, %v", wrote, err)
	}
	st.BusyUntil = now.Add(time.Hour)
	if wrote, _ := restarted.Update(t.Context(), st); !wrote {
		t.Error("a new text was not written")
	}
	blind := &headerServer{readErr: ErrUnsupported}
	p = NewPresence(blind, quiet)
	for range 3 {
		if _, err := p.Update(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	}
	if len(blind.sets) != 1 {
		t.Errorf("a server without reads got %d writes, want 1", len(blind.sets))
	}
	failing := &headerServer{readErr: errors.New("connection refused")}
	if _, err := NewPresence(failing, quiet).Update(t.Context(), st); err == nil || len(failing.sets) != 0 {
		t.Errorf("a server that fails to read: %v, %d writes", err, len(failing.sets))
	}
}

func TestMorningPost(t *testing.T) {
	now := testNow(t)
	loc := now.Location()
	h := func(hh, mm int) time.Time { return time.Date(2026, 12, 1, hh, mm, 0, 0, loc) }
	d := Day{Date: now, Location: loc, Lang: French,
		Bookings: []Booking{{ID: 1, Slot: Slot{h(9, 0), h(10, 0)}, Title: "Conseil [urgent](https://evil.example)"}, {ID: 2, Slot: Slot{h(14, 0), h(15, 30)}}},
		Free:     []Slot{{h(8, 0), h(9, 0)}, {h(10, 0), h(14, 0)}, {h(15, 30), h(20, 0)}}}
	want := "**Salle Zoom, mardi 1er décembre**\nRéservé :\n- 09:00–10:00 — Conseil \\[urgent\\]\\(https://evil.example\\)\n- 14:00–15:30\n" +
		"Libre :\n- 08:00–09:00\n- 10:00–14:00\n- 15:30–20:00"
	if got := plain(MorningPost(d).Text); got != want {
		t.Errorf("fr:\n got  %q\n want %q", got, want)
	}
	d.Lang, d.Bookings, d.Free = English, nil, nil
	if got, want := MorningPost(d).Text, "**Zoom room, Tuesday 1 December**\nNo bookings today.\nNo free slot."; got != want {
		t.Errorf("en:\n got  %q\n want %q", got, want)
	}
}

func TestAnnounce(t *testing.T) {
	now := testNow(t)
	loc := now.Location()
	b := Booking{Slot: Slot{time.Date(2026, 12, 2, 14, 0, 0, 0, loc), time.Date(2026, 12, 2, 15, 0, 0, 0, loc)}}
	tests := []struct{ kind, lang, want string }{
		{EventBooked, French, "Nouvelle réservation : demain 14:00–15:00"},
		{EventCancelled, English, "Booking cancelled: tomorrow 14:00–15:00"},
		{EventReleased, French, "Salle libérée : demain 14:00–15:00"},
		{EventFreed, English, "Slot freed for the waiting list: tomorrow 14:00–15:00"},
	}
	for _, tt := range tests {
		m, ok := Announce(Event{Kind: tt.kind, Booking: b, Now: now, Location: loc, Lang: tt.lang})
		if !ok || plain(m.Text) != tt.want {
			t.Errorf("%s/%s: %q, %v; want %q", tt.kind, tt.lang, m.Text, ok, tt.want)
		}
	}
	if _, ok := Announce(Event{Kind: "moved"}); ok {
		t.Error("an unknown event was announced")
	}
}

var quiet = slog.New(slog.DiscardHandler)

func TestNextMorning(t *testing.T) {
	loc := paris(t)
	at := 7*time.Hour + 30*time.Minute
	tests := []struct{ now, want time.Time }{
		{time.Date(2026, 12, 1, 6, 0, 0, 0, loc), time.Date(2026, 12, 1, 7, 30, 0, 0, loc)},
		{time.Date(2026, 12, 1, 7, 30, 0, 0, loc), time.Date(2026, 12, 2, 7, 30, 0, 0, loc)},
		// The night clocks go back (25 October 2026): still 07:30 local.
		{time.Date(2026, 10, 24, 23, 0, 0, 0, loc), time.Date(2026, 10, 25, 7, 30, 0, 0, loc)},
	}
	for _, tt := range tests {
		if got := NextMorning(tt.now.UTC(), loc, at); !got.Equal(tt.want) {
			t.Errorf("NextMorning(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}

// plain reads the no-break spaces of French typography as spaces.
func plain(s string) string { return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s) }

// TestFrenchSpaces: French answers keep « : » with its word.
func TestFrenchSpaces(t *testing.T) {
	got := tr(French, "slots.head", "demain")
	if got != "Créneaux libres demain\u00a0:" {
		t.Errorf("%q", got)
	}
	if got := tr(English, "slots.head", "tomorrow"); got != "Free slots tomorrow:" {
		t.Errorf("%q", got)
	}
}
