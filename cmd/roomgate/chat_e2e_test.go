package main

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/chat/mattermost/mmtest"
	"codeberg.org/opteos/roomgate/chat/rocketchat/rctest"
	"codeberg.org/opteos/roomgate/ical"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

const (
	chatChannel    = "zoomchannel1"
	chatBotToken   = "bot-token-0123456789abcdef"
	chatCmdToken   = "cmd-token-0123456789abcdef"
	chatAliceID    = "aliceuserid1"
	chatAliceEmail = "alice@coop.example"
)

// chatConfig is testConfig with [chat] on the fake Mattermost mm and the
// web server the chat calls.
func chatConfig(t *testing.T, srv *mailtest.IMAPServer, sink *mailtest.SMTPSink, mm *mmtest.Server, timeout string) *Config {
	t.Helper()
	return chatConfigFor(t, srv, sink, &chat.Config{Kind: chat.KindMattermost, BaseURL: mm.URL, Timeout: timeout}, chatBotToken)
}

// chatConfigFor is testConfig with the [chat] section ch, completed with
// the channel, the secret files and the web server the chat calls.
func chatConfigFor(t *testing.T, srv *mailtest.IMAPServer, sink *mailtest.SMTPSink, ch *chat.Config, botToken string) *Config {
	t.Helper()
	cfg := testConfig(t, srv, sink)
	dir := t.TempDir()
	key := make([]byte, 48)
	rand.Read(key)
	write := func(name, v string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg.HTTP = HTTPConfig{Listen: freeAddr(t), Token: testMemberToken, Show: "titles"}
	cfg.HTTP.PublicURL = "http://" + cfg.HTTP.Listen
	ch.ChannelID, ch.Announce, ch.AgendaURL = chatChannel, []string{chat.EventBooked}, "https://coop.example/salle"
	ch.TokenFile, ch.CommandTokenFile = write("token", botToken), write("cmd", chatCmdToken)
	ch.LinkKeyFile = write("key", base64.StdEncoding.EncodeToString(key))
	cfg.Chat = ch
	cfg.setDefaults()
	if err := cfg.readChatSecrets(); err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// slash runs a slash command of Alice's.
func slash(t *testing.T, cfg *Config, mm *mmtest.Server, token, text string) mmtest.Answer {
	t.Helper()
	a, err := mm.RunCommand(cfg.chatPublic(chatMattermostCommand), mmtest.Command{Token: token, In: mmtest.TokenBoth,
		UserID: chatAliceID, UserName: "alice", ChannelID: chatChannel, Text: text})
	if err != nil {
		t.Fatalf("command %q: %v", text, err)
	}
	return a
}

// waitHeader waits until the channel header contains want.
func waitHeader(t *testing.T, mm *mmtest.Server, want string) string {
	t.Helper()
	end := time.Now().Add(20 * time.Second)
	for {
		h := mm.Header(chatChannel)
		if strings.Contains(h, want) {
			return h
		}
		if time.Now().After(end) {
			t.Fatalf("channel header %q, want it to contain %q", h, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var linkURL = regexp.MustCompile(`http://[^\s]+/chat/link\?t=[^\s]+`)

// linkAlice links Alice's chat account the way she would: the command,
// the mail, the page and its button.
func linkAlice(t *testing.T, cfg *Config, mm *mmtest.Server, sink *mailtest.SMTPSink, n int) {
	t.Helper()
	if a := slash(t, cfg, mm, chatCmdToken, "lier "+chatAliceEmail); a.Status != http.StatusOK || a.ResponseType != "ephemeral" {
		t.Fatalf("lier: %+v", a)
	}
	m := sink.Wait(t, n, 20*time.Second)[n-1]
	_, _, text := describeReply(m.Data)
	if text == "" {
		text = string(m.Data)
	}
	u := linkURL.FindString(strings.ReplaceAll(text, "=\r\n", ""))
	if m.To[0] != chatAliceEmail || u == "" {
		t.Fatalf("link mail to %v without a link:\n%s", m.To, m.Data)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(cfg.chatPublic(chatLinkPage), url.Values{"t": {pu.Query().Get("t")}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("link page POST: %d", resp.StatusCode)
	}
}

// TestServeChatBook: a linked member books by slash command; the booking
// is decided as a mail (she then has it), she receives the room's
// REQUEST, and the channel header shows the booking without host key. A
// forged command token is refused.
func TestServeChatBook(t *testing.T) {
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	mm := mmtest.New(chatBotToken, chatChannel)
	t.Cleanup(mm.Close)
	cfg := chatConfig(t, srv, sink, mm, "")
	startDaemon(t, cfg)
	waitHeader(t, mm, "Libre")

	if a := slash(t, cfg, mm, "forged-token-0123456789", "réserver demain 14h-15h Atelier"); a.Status != http.StatusUnauthorized {
		t.Errorf("a forged token: status %d, want 401", a.Status)
	}
	if a := slash(t, cfg, mm, chatCmdToken, "réserver demain 14h-15h Atelier"); !strings.Contains(a.Text, "lier") {
		t.Errorf("unlinked: %q, want how to link", a.Text)
	}
	linkAlice(t, cfg, mm, sink, 1)

	a := slash(t, cfg, mm, chatCmdToken, "réserver demain 14h-15h Atelier")
	if a.Status != http.StatusOK || !strings.Contains(a.Text, "14:00") {
		t.Fatalf("réserver: %+v", a)
	}
	m := sink.Wait(t, 2, 20*time.Second)[1]
	data, err := ical.FindCalendar(m.Data, 0)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ical.Parse(data, ical.ParseOptions{})
	if err != nil || cal.Method != "REQUEST" || m.To[0] != chatAliceEmail {
		t.Fatalf("the member's mail: to %v, %v, calendar %s", m.To, err, data)
	}
	if org, _ := cal.Events[0].Organizer.Mailbox(); org != "zoom@coop.example" || !cal.Events[0].Start.Equal(tomorrowAt(14, 0)) {
		t.Errorf("REQUEST organizer %s, start %v", org, cal.Events[0].Start)
	}
	if !strings.Contains(string(m.Data), "483920") && !strings.Contains(strings.ReplaceAll(string(m.Data), "=\r\n", ""), "483920") {
		t.Errorf("the member's mail lacks the host key")
	}
	mine := slash(t, cfg, mm, chatCmdToken, "mes réservations")
	if !strings.Contains(mine.Text, "14:00") {
		t.Errorf("mes réservations: %q", mine.Text)
	}
	h := waitHeader(t, mm, "14:00")
	if !strings.Contains(h, "(https://coop.example/salle)") {
		t.Errorf("the header %q lacks the agenda's link", h)
	}
	for _, secret := range []string{"483920", "opteos", "pwd="} {
		if strings.Contains(h, secret) {
			t.Errorf("the header %q shows %q", h, secret)
		}
	}
}

// TestServeChatDown: with the chat server down (it holds every call until
// its timeout, two minutes), a booking by mail is answered all the same:
// the reply reaches the member while the chat has not answered once.
func TestServeChatDown(t *testing.T) {
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	mm := mmtest.New(chatBotToken, chatChannel)
	t.Cleanup(mm.Close)
	mm.SetDown(true)
	startDaemon(t, chatConfig(t, srv, sink, mm, "2m"))
	srv.Append(t, "INBOX", request("down-1", "bob@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)).mail())
	checkReply(t, sink.Wait(t, 1, 20*time.Second)[0], "bob@coop.example", "ACCEPTED", true)
	if h, calls := mm.Header(chatChannel), mm.Calls(); h != "" || calls != 0 {
		t.Errorf("the chat answered meanwhile: header %q, %d calls", h, calls)
	}
}

// TestServeChatRocketChat: on Rocket.Chat, "zoom libre demain" through
// the outgoing integration lists tomorrow's free slots in the room, the
// topic says the room is free, and a wrong integration token is refused.
func TestServeChatRocketChat(t *testing.T) {
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	const botID, botToken = "rbAXPnMktTFbNpwtJ", "rc-bot-token-0123456789"
	rc := rctest.New(botID, botToken, chatChannel, "group1")
	t.Cleanup(rc.Close)
	cfg := chatConfigFor(t, srv, sink, &chat.Config{Kind: chat.KindRocketChat, BaseURL: rc.URL, BotUserID: botID}, botToken)
	startDaemon(t, cfg)
	end := time.Now().Add(20 * time.Second)
	for !strings.Contains(rc.Topic(chatChannel), "Libre") {
		if time.Now().After(end) {
			t.Fatalf("topic %q", rc.Topic(chatChannel))
		}
		time.Sleep(50 * time.Millisecond)
	}
	msg := rctest.Message{URL: cfg.chatPublic(chatRocketChat), Token: "forged-token-0123456789", TriggerWord: "zoom",
		RoomID: chatChannel, UserID: "aliceRC", UserName: "alice", Text: "zoom libre demain"}
	if status, post, err := rc.Send(msg); err != nil || post != nil || status == http.StatusOK {
		t.Errorf("a forged token: %d, %+v, %v", status, post, err)
	}
	msg.Token = chatCmdToken
	status, post, err := rc.Send(msg)
	if err != nil || post == nil || !strings.Contains(post.Text, "08:00") {
		t.Fatalf("zoom libre demain: %d, %+v, %v", status, post, err)
	}
}
