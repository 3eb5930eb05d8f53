package mattermost_test

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
	"codeberg.org/opteos/roomgate/chat/mattermost"
	"codeberg.org/opteos/roomgate/chat/mattermost/mmtest"
)

const (
	botToken = "bot-token-9f8e7d6c5b4a"
	cmdToken = "command-token-0a1b2c3d4e5f"
	channel  = "zoomchannel0000000000000a"
	server   = "mattermost test"
)

var quiet = slog.New(slog.DiscardHandler)

// env is roomgate's Mattermost side against the fake.
type env struct {
	mm       *mmtest.Server
	client   *mattermost.Client
	bot      *chat.Bot
	links    *chattest.Links
	booker   *chattest.Booker
	roomgate *httptest.Server // serves /command and /action
	now      time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{mm: mmtest.New(botToken, channel), links: chattest.NewLinks()}
	t.Cleanup(e.mm.Close)
	loc, _ := time.LoadLocation("Europe/Paris")
	e.now = time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
	e.booker = &chattest.Booker{Members: []string{"@coop.example"}, DayStart: 8 * time.Hour, DayEnd: 20 * time.Hour,
		Now: func() time.Time { return e.now }}
	mux := http.NewServeMux()
	e.roomgate = httptest.NewServer(mux)
	t.Cleanup(e.roomgate.Close)
	var err error
	e.client, err = mattermost.New(mattermost.Options{BaseURL: e.mm.URL, ChannelID: channel, Token: botToken,
		ActionURL: e.roomgate.URL + "/action"})
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := chat.NewSigner([]byte(strings.Repeat("s", 32)))
	e.bot, err = chat.NewBot(chat.BotOptions{Server: server, Booker: e.booker, Links: e.links, Signer: signer,
		Location: loc, Lang: chat.French, Now: func() time.Time { return e.now }, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/command", &mattermost.CommandHandler{Token: cmdToken, Client: e.client, Bot: e.bot, Log: quiet})
	mux.Handle("/action", &mattermost.ActionHandler{Bot: e.bot, Log: quiet})
	return e
}

// TestClient: the bot's calls as the API reference describes them.
func TestClient(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.mm.SetHeader(channel, "Zoom : https://zoom.us/j/1 · clé d'animateur 482913")
	if h, err := e.client.Header(ctx); err != nil || !strings.Contains(h, "482913") {
		t.Fatalf("Header = %q, %v", h, err)
	}
	if err := e.client.SetHeader(ctx, "Libre"); err != nil || e.mm.Header(channel) != "Libre" {
		t.Fatalf("SetHeader: %v, header %q", err, e.mm.Header(channel))
	}
	if err := e.client.SetHeader(ctx, strings.Repeat("é", 1025)); err == nil {
		t.Error("a header of 1,025 characters was sent")
	}
	if err := e.client.SetHeader(ctx, strings.Repeat("é", 1024)); err != nil {
		t.Errorf("a header of 1,024 characters: %v", err)
	}
	err := e.client.Post(ctx, chat.Message{Text: "Bonjour", Buttons: []chat.Button{{Label: "Réserver", Context: "tok"}}})
	posts := e.mm.Posts()
	if err != nil || len(posts) != 1 || !strings.Contains(string(posts[0].Raw),
		`"integration":{"url":"`+e.roomgate.URL+`/action","context":{"roomgate":"tok"}}`) {
		t.Fatalf("Post: %v, %+v", err, posts)
	}
	forged, _ := mattermost.New(mattermost.Options{BaseURL: e.mm.URL, ChannelID: channel, Token: "wrong"})
	var apiErr *mattermost.APIError
	if err := forged.SetHeader(ctx, "x"); !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.ID != "api.context.session_expired.app_error" {
		t.Errorf("a wrong bot token: %v", err)
	}
	e.mm.SetMember(false)
	if err := e.client.Post(ctx, chat.Message{Text: "x"}); !errors.As(err, &apiErr) || apiErr.Status != 403 {
		t.Errorf("a bot outside the channel: %v", err)
	}
}

// TestFakeHeaderLimit: the fake, like the server, refuses a header over
// 1,024 characters with model.channel.is_valid.header.app_error.
func TestFakeHeaderLimit(t *testing.T) {
	mm := mmtest.New(botToken, channel)
	defer mm.Close()
	req, _ := http.NewRequest(http.MethodPut, mm.URL+"/api/v4/channels/"+channel+"/patch",
		strings.NewReader(`{"header":"`+strings.Repeat("a", 1025)+`"}`))
	req.Header.Set("Authorization", "Bearer "+botToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}

// TestAnswer: a response URL on the server is used, one elsewhere is
// refused; without one, an ephemeral post needs a system admin's right.
func TestAnswer(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	m := chat.Message{Text: "Réservé"}
	if err := e.client.Answer(ctx, chat.Reply{ResponseURL: e.mm.ResponseURL()}, m); err != nil || len(e.mm.Answers()) != 1 {
		t.Fatalf("response URL: %v, %d answers", err, len(e.mm.Answers()))
	}
	if err := e.client.Answer(ctx, chat.Reply{ResponseURL: "http://169.254.169.254/hooks/commands/x"}, m); err == nil {
		t.Error("a response URL on another host was used")
	}
	to := chat.Reply{ChannelID: channel, UserID: "user1"}
	if err := e.client.Answer(ctx, to, m); err == nil {
		t.Error("an ephemeral post without create_post_ephemeral succeeded")
	}
	e.mm.SetEphemeral(true)
	if err := e.client.Answer(ctx, to, m); err != nil || len(e.mm.Ephemeral()) != 1 || e.mm.Ephemeral()[0].UserID != "user1" {
		t.Errorf("ephemeral: %v, %+v", err, e.mm.Ephemeral())
	}
}

// TestCommandTokens: the command's token is checked in the form and in
// the header; a forged, missing or half-right token is refused.
func TestCommandTokens(t *testing.T) {
	e := newEnv(t)
	url := e.roomgate.URL + "/command"
	tests := []struct {
		name   string
		token  string
		in     mmtest.TokenIn
		status int
	}{
		{"both", cmdToken, mmtest.TokenBoth, 200},
		{"form only", cmdToken, mmtest.TokenForm, 200},
		{"header only", cmdToken, mmtest.TokenHeader, 200},
		{"forged", "command-token-0a1b2c3d4e5X", mmtest.TokenBoth, 401},
		{"forged form", "nope", mmtest.TokenForm, 401},
		{"prefix", cmdToken[:10], mmtest.TokenHeader, 401},
		{"none", "", mmtest.TokenNone, 401},
	}
	for _, tt := range tests {
		a, err := e.mm.RunCommand(url, mmtest.Command{Token: tt.token, In: tt.in, UserID: "user1", UserName: "anne", ChannelID: channel, Text: "aide"})
		if err != nil || a.Status != tt.status {
			t.Errorf("%s: status %d, %v; want %d", tt.name, a.Status, err, tt.status)
			continue
		}
		if tt.status == 200 && (a.ResponseType != "ephemeral" || !strings.HasPrefix(a.Text, "Commandes de la salle Zoom")) {
			t.Errorf("%s: answer %+v", tt.name, a)
		}
	}
	// The header right and the form wrong: refused.
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("token=wrong&user_id=user1&text=aide"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Token "+cmdToken)
	if code := status(t, req); code != 401 {
		t.Errorf("header right, form wrong: %d", code)
	}
}

// TestCommandBodies: wrong methods, types and oversized bodies.
func TestCommandBodies(t *testing.T) {
	e := newEnv(t)
	url := e.roomgate.URL + "/command"
	get, _ := http.NewRequest(http.MethodGet, url+"?token="+cmdToken, nil)
	if code := status(t, get); code != 405 {
		t.Errorf("GET: %d", code)
	}
	big, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("token="+cmdToken+"&text="+strings.Repeat("a", 70<<10)))
	big.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code := status(t, big); code != 413 {
		t.Errorf("oversized: %d", code)
	}
	js, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"token":"`+cmdToken+`"}`))
	js.Header.Set("Content-Type", "application/json")
	if code := status(t, js); code != 415 {
		t.Errorf("JSON: %d", code)
	}
	bigClick, _ := http.NewRequest(http.MethodPost, e.roomgate.URL+"/action", strings.NewReader(`{"user_id":"u","context":{"roomgate":"`+strings.Repeat("a", 20<<10)+`"}}`))
	if code := status(t, bigClick); code != 413 {
		t.Errorf("oversized click: %d", code)
	}
}

func status(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestButtonsRoundTrip: /zoom libre offers buttons; Mattermost's click
// books once; a replayed, altered or foreign click books nothing.
func TestButtonsRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.links.Set(server, "user1", "anne@coop.example")
	a, err := e.mm.RunCommand(e.roomgate.URL+"/command", mmtest.Command{Token: cmdToken, UserID: "user1", UserName: "anne",
		ChannelID: channel, Text: "libre demain"})
	if err != nil || len(a.Attachments) != 1 || len(a.Attachments[0].Actions) != 1 {
		t.Fatalf("answer: %+v, %v", a, err)
	}
	act := a.Attachments[0].Actions[0]
	if act.Name != "Réserver demain 08:00–09:00" || act.Integration.URL != e.roomgate.URL+"/action" {
		t.Fatalf("button: %+v", act)
	}
	click := func(user string, ctx map[string]string) string {
		c, err := e.mm.Click(act.Integration.URL, user, ctx)
		if err != nil || c.Status != 200 {
			t.Fatalf("click: %d, %v", c.Status, err)
		}
		return plain(c.EphemeralText)
	}
	if got := click("user2", act.Integration.Context); got != "Ce bouton a été proposé à quelqu'un d'autre." {
		t.Errorf("foreign click: %q", got)
	}
	tok := act.Integration.Context["roomgate"]
	altered := strings.Replace(tok, tok[3:4], string(rune(tok[3]^1)), 1)
	if got := click("user1", map[string]string{"roomgate": altered}); got != "Ce bouton n'est pas valable." {
		t.Errorf("altered click: %q", got)
	}
	if got := click("user1", act.Integration.Context); !strings.HasPrefix(got, "Réservé : demain 08:00–09:00.") {
		t.Errorf("click: %q", got)
	}
	if got := click("user1", act.Integration.Context); got != "Ce bouton a déjà servi." {
		t.Errorf("replayed click: %q", got)
	}
	if n := len(e.booker.Held()); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
}

// TestServerDown: with the server hanging, a post ends at its context's
// deadline, and a Sender keeps the caller from waiting at all.
func TestServerDown(t *testing.T) {
	e := newEnv(t)
	e.mm.SetDown(true)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := e.client.Post(ctx, chat.Message{Text: "x"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Post on a hanging server: %v", err)
	}
	s := chat.NewSender(2, 30*time.Millisecond, quiet)
	p := chat.NewPresence(e.client, quiet)
	for range 10 { // a booking by mail enqueues and goes on
		s.Enqueue("header", func(ctx context.Context) error {
			_, err := p.Update(ctx, chat.RoomState{Now: e.now, Lang: chat.French})
			return err
		})
	}
	if s.Len() != 2 || s.Dropped() != 8 {
		t.Errorf("queue %d, dropped %d", s.Len(), s.Dropped())
	}
}

// plain reads the no-break spaces of French typography as spaces.
func plain(s string) string { return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s) }

// panicky is a Commander that fails the worst way.
type panicky struct{}

func (panicky) Command(context.Context, chat.Request) chat.Message { panic("bad input") }
func (panicky) Action(context.Context, string, string) string      { panic("bad input") }

// TestHandlerPanic: a panic behind a handler is a 500, not a dead daemon.
func TestHandlerPanic(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(&mattermost.CommandHandler{Token: cmdToken, Client: e.client, Bot: panicky{}, Log: quiet})
	defer srv.Close()
	a, err := e.mm.RunCommand(srv.URL, mmtest.Command{Token: cmdToken, UserID: "user1", Text: "aide"})
	if err != nil || a.Status != 500 {
		t.Errorf("command: %d, %v", a.Status, err)
	}
	act := httptest.NewServer(&mattermost.ActionHandler{Bot: panicky{}, Log: quiet})
	defer act.Close()
	if a, err := e.mm.Click(act.URL, "user1", map[string]string{"roomgate": "x"}); err != nil || a.Status != 500 {
		t.Errorf("click: %d, %v", a.Status, err)
	}
}
