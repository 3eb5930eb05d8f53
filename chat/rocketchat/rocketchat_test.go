package rocketchat_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/chat/chattest"
	"codeberg.org/opteos/roomgate/chat/rocketchat"
	"codeberg.org/opteos/roomgate/chat/rocketchat/rctest"
)

const (
	botID    = "rbAXPnMktTFbNpwtJ"
	botToken = "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"
	hookTok  = "integration-token-0123456789"
	room     = "WDuJLFkjwk6L7LdFC"
	group    = "ByehQjC44FwMeiLbX"
	server   = "rocketchat test"
)

var quiet = slog.New(slog.DiscardHandler)

type env struct {
	rc       *rctest.Server
	client   *rocketchat.Client
	links    *chattest.Links
	booker   *chattest.Booker
	hook     string
	roomgate *httptest.Server
}

func newEnv(t *testing.T, private bool) *env {
	t.Helper()
	e := &env{rc: rctest.New(botID, botToken, room, group), links: chattest.NewLinks()}
	t.Cleanup(e.rc.Close)
	loc, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
	e.booker = &chattest.Booker{Members: []string{"@coop.example"}, DayStart: 8 * time.Hour, DayEnd: 20 * time.Hour,
		Now: func() time.Time { return now }}
	id := room
	if private {
		id = group
	}
	var err error
	e.client, err = rocketchat.New(rocketchat.Options{BaseURL: e.rc.URL, RoomID: id, Private: private, UserID: botID, Token: botToken})
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := chat.NewSigner([]byte(strings.Repeat("s", 32)))
	bot, err := chat.NewBot(chat.BotOptions{Server: server, Booker: e.booker, Links: e.links, Signer: signer, Location: loc,
		Lang: chat.French, Now: func() time.Time { return now }, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	e.roomgate = httptest.NewServer(&rocketchat.OutgoingHandler{Token: hookTok, Client: e.client, Bot: bot, Log: quiet})
	t.Cleanup(e.roomgate.Close)
	e.hook = e.roomgate.URL
	return e
}

// TestClient: topic, announcement and posts, in a channel and in a
// private group, with the bot's headers.
func TestClient(t *testing.T) {
	for _, private := range []bool{false, true} {
		e := newEnv(t, private)
		id := map[bool]string{false: room, true: group}[private]
		ctx := t.Context()
		e.rc.SetTopic(id, "Zoom : https://zoom.us/j/1 · clé 482913")
		if h, err := e.client.Header(ctx); err != nil || !strings.Contains(h, "482913") {
			t.Fatalf("private %v: Header = %q, %v", private, h, err)
		}
		if err := e.client.SetHeader(ctx, "Libre"); err != nil || e.rc.Topic(id) != "Libre" {
			t.Errorf("private %v: SetHeader: %v, topic %q", private, err, e.rc.Topic(id))
		}
		if err := e.client.SetAnnouncement(ctx, "Salle libre"); err != nil || e.rc.Announcement(id) != "Salle libre" {
			t.Errorf("private %v: SetAnnouncement: %v", private, err)
		}
		err := e.client.Post(ctx, chat.Message{Text: "Bonjour", Buttons: []chat.Button{{Label: "Réserver", Command: "réserver 02/12 08:00-09:00"}}})
		posts := e.rc.Posts()
		if err != nil || len(posts) != 1 || posts[0].RoomID != id || posts[0].Attachments[0]["actions"].([]any)[0].(map[string]any)["msg"] != "zoom réserver 02/12 08:00-09:00" {
			t.Errorf("private %v: Post: %v, %+v", private, err, posts)
		}
	}
	e := newEnv(t, false)
	wrongKind, _ := rocketchat.New(rocketchat.Options{BaseURL: e.rc.URL, RoomID: group, UserID: botID, Token: botToken})
	var apiErr *rocketchat.APIError
	if err := wrongKind.SetHeader(t.Context(), "x"); !errors.As(err, &apiErr) || apiErr.Status != 400 {
		t.Errorf("a group through channels.*: %v", err)
	}
	forged, _ := rocketchat.New(rocketchat.Options{BaseURL: e.rc.URL, RoomID: room, UserID: botID, Token: "forged"})
	if err := forged.Post(t.Context(), chat.Message{Text: "x"}); !errors.As(err, &apiErr) || apiErr.Status != 401 ||
		apiErr.Message != "You must be logged in to do this." {
		t.Errorf("a forged token: %v", err)
	}
}

// TestOutgoing: the integration's token is checked; the trigger word is
// stripped; bots are ignored; the answer is posted in the room.
func TestOutgoing(t *testing.T) {
	e := newEnv(t, false)
	e.links.Set(server, "user1", "anne@coop.example")
	send := func(tok, text string, bot bool) (int, *rctest.Post) {
		code, p, err := e.rc.Send(rctest.Message{URL: e.hook, Token: tok, TriggerWord: "zoom", RoomID: room, UserID: "user1",
			UserName: "anne", Text: text, Bot: bot})
		if err != nil {
			t.Fatal(err)
		}
		return code, p
	}
	if code, p := send("forged-token-0123456789", "zoom aide", false); code != 401 || p != nil {
		t.Errorf("forged token: %d, %+v", code, p)
	}
	if code, p := send("", "zoom aide", false); code != 401 || p != nil {
		t.Errorf("no token: %d, %+v", code, p)
	}
	code, p := send(hookTok, "zoom réserver demain 14h-15h Réunion", false)
	if code != 200 || p == nil || plain(p.Text) != "Réservé : demain 14:00–15:00. L'invitation arrive dans votre agenda." {
		t.Errorf("command: %d, %+v", code, p)
	}
	if _, p := send(hookTok, "zoom Réservé : demain", true); p != nil {
		t.Errorf("a bot's message was answered: %+v", p)
	}
	if _, p := send(hookTok, "zoomer libre", false); p != nil {
		t.Errorf("another word was answered: %+v", p)
	}
	_, p = send(hookTok, "zoom libre demain", false)
	if p == nil || len(p.Attachments) != 1 {
		t.Fatalf("libre: %+v", p)
	}
	msg := p.Attachments[0]["actions"].([]any)[0].(map[string]any)["msg"].(string)
	if _, p = send(hookTok, msg, false); p == nil || !strings.HasPrefix(plain(p.Text), "Réservé : demain 08:00–09:00.") {
		t.Errorf("the button's message %q: %+v", msg, p)
	}
}

// TestOutgoingBodies: methods, types and sizes.
func TestOutgoingBodies(t *testing.T) {
	e := newEnv(t, false)
	for _, tc := range []struct {
		method, ctype, body string
		want                int
	}{
		{"GET", "", "", 405},
		{"POST", "application/x-www-form-urlencoded", "token=" + hookTok, 415},
		{"POST", "application/json", `{"token":"` + hookTok + `","text":"` + strings.Repeat("a", 70<<10) + `"}`, 413},
		{"POST", "application/json", `{"token":`, 400},
	} {
		req, _ := http.NewRequest(tc.method, e.hook, strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.ctype, resp.StatusCode, tc.want)
		}
	}
}

// TestServerDown: a hanging server costs a call no more than its
// context.
func TestServerDown(t *testing.T) {
	e := newEnv(t, false)
	e.rc.SetDown(true)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := e.client.SetHeader(ctx, "Libre"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SetHeader on a hanging server: %v", err)
	}
}

// plain reads the no-break spaces of French typography as spaces.
func plain(s string) string { return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s) }
