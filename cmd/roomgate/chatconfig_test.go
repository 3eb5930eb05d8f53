package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/chat/mattermost/mmtest"
)

// TestChatKeysDocumented: the example configuration names every key of
// [chat].
func TestChatKeysDocumented(t *testing.T) {
	b, err := os.ReadFile("../../roomgate.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(chat.Config{})
	for i := range typ.NumField() {
		if key := typ.Field(i).Tag.Get("toml"); !strings.Contains(string(b), "# "+key+" = ") {
			t.Errorf("roomgate.example.toml does not show chat key %s", key)
		}
	}
}

// TestChatConfig: a [chat] section is checked with the rest: a misspelt
// key gets its "did you mean", a missing secret file names its key, and
// the chat needs the web server.
func TestChatConfig(t *testing.T) {
	for _, tc := range []struct {
		name, add, want string
	}{
		{"misspelt", "[chat]\nkind = \"mattermost\"\nchanel_id = \"x\"\n", "chat.chanel_id (did you mean chat.channel_id?)"},
		{"no secret", "[chat]\nkind = \"mattermost\"\nbase_url = \"https://chat.coop.example\"\nchannel_id = \"abc\"\n" +
			"token_file = \"/nonexistent/t\"\ncommand_token_file = \"/nonexistent/c\"\nlink_key_file = \"/nonexistent/k\"\n", "chat.token_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, "\n[[rooms]]", "\n"+tc.add+"\n[[rooms]]") // the section, not a comment naming it
			_, err := LoadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadConfig: %v, want %q", err, tc.want)
			}
		})
	}
	cfg := &Config{Chat: &chat.Config{Kind: "mattermost"}}
	var errs []string
	cfg.validateChat(func(f string, a ...any) { errs = append(errs, f) })
	if !strings.Contains(strings.Join(errs, "\n"), "http.listen and http.public_url are required") {
		t.Errorf("without the web server: %q", errs)
	}
}

// TestCheckChat: `roomgate check` reads the channel header with the bot's
// token: a good token passes, a wrong one fails naming the header.
func TestCheckChat(t *testing.T) {
	mm := mmtest.New(chatBotToken, chatChannel)
	t.Cleanup(mm.Close)
	cfg := &Config{HTTP: HTTPConfig{PublicURL: "https://salles.coop.example"},
		Chat: &chat.Config{Kind: chat.KindMattermost, BaseURL: mm.URL, ChannelID: chatChannel, MorningPost: "07:30"}}
	cfg.chatSecrets.Token = chatBotToken
	got, err := cfg.checkChat(t.Context())
	if want := "mattermost " + mm.URL + ", channel " + chatChannel + ", morning post 07:30, announce []"; err != nil || got != want {
		t.Errorf("checkChat = %q, %v; want %q", got, err, want)
	}
	cfg.chatSecrets.Token = "wrong-token-0123456789"
	if _, err := cfg.checkChat(t.Context()); err == nil || !strings.Contains(err.Error(), "read the channel header") {
		t.Errorf("a wrong token: %v", err)
	}
}

// TestRoomStateOf: the header's state from the bookings around now.
func TestRoomStateOf(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 12, 8, h, m, 0, 0, time.UTC) }
	slot := func(h1, m1, h2, m2 int) chat.Booking {
		return chat.Booking{Slot: chat.Slot{Start: at(h1, m1), End: at(h2, m2)}}
	}
	for _, tc := range []struct {
		name                 string
		bs                   []chat.Booking
		busy, freeUntil, nxt time.Time
	}{
		{"empty", nil, time.Time{}, time.Time{}, time.Time{}},
		{"free then booked", []chat.Booking{slot(8, 0, 9, 0), slot(14, 0, 15, 0), slot(16, 0, 17, 0)}, time.Time{}, at(14, 0), at(14, 0)},
		{"busy, back to back", []chat.Booking{slot(11, 0, 12, 30), slot(12, 30, 13, 0), slot(15, 0, 16, 0)}, at(13, 0), time.Time{}, at(15, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := roomStateOf(tc.bs, at(12, 0), time.UTC, "fr")
			if !st.BusyUntil.Equal(tc.busy) || !st.FreeUntil.Equal(tc.freeUntil) || !st.Next.Start.Equal(tc.nxt) {
				t.Errorf("busy until %v, free until %v, next %v; want %v, %v, %v", st.BusyUntil, st.FreeUntil, st.Next.Start, tc.busy, tc.freeUntil, tc.nxt)
			}
		})
	}
}
