package chat_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/chat/chattest"
)

// TestScreens writes, when ROOMGATE_CHAT_SCREENS names a directory, the
// pages docs/img/chat-*.png are taken from (docs/chat.md): the channel
// header, the morning post and a command's answer with its buttons, in
// French and English, from the package's own functions.
func TestScreens(t *testing.T) {
	dir := os.Getenv("ROOMGATE_CHAT_SCREENS")
	if dir == "" {
		t.Skip("set ROOMGATE_CHAT_SCREENS=dir to write the chat's preview pages")
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 8, 7, 30, 0, 0, paris)
	day := func(h, m int) time.Time { return time.Date(2026, 12, 8, h, m, 0, 0, paris) }
	links := chattest.NewLinks()
	links.Set("mattermost https://chat.coop.example", "u1", "anne@coop.example")
	signer, err := chat.NewSigner([]byte("0123456789abcdef0123456789abcdef0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{chat.French, chat.English} {
		titles := map[string][2]string{chat.French: {"Conseil d'administration", "Atelier compta"},
			chat.English: {"Board meeting", "Accounts workshop"}}[lang]
		bk := &chattest.Booker{Members: []string{"@coop.example"}, DayStart: 8 * time.Hour, DayEnd: 20 * time.Hour,
			MaxDuration: 8 * time.Hour, Now: func() time.Time { return now }}
		bk.Add("anne@coop.example", chat.Slot{Start: day(10, 0), End: day(11, 30)}, titles[0])
		bk.Add("paul@coop.example", chat.Slot{Start: day(14, 0), End: day(15, 0)}, titles[1])
		bot, err := chat.NewBot(chat.BotOptions{Server: "mattermost https://chat.coop.example", Booker: bk, Links: links,
			Signer: signer, Location: paris, Lang: lang, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		header, err := chat.PresenceText(chat.RoomState{Now: now, FreeUntil: day(10, 0), Next: chat.Slot{Start: day(10, 0), End: day(11, 30)},
			Location: paris, AgendaURL: "https://salles.coop.example/", Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		free, _ := bk.FreeSlots(context.Background(), day(0, 0), day(23, 59))
		var booked []chat.Booking
		for _, h := range bk.Held() {
			booked = append(booked, h.Booking)
		}
		morning := chat.MorningPost(chat.Day{Date: now, Bookings: booked, Free: free, Location: paris, Lang: lang})
		cmd := map[string]string{chat.French: "libre aujourd'hui", chat.English: "free today"}[lang]
		answer := bot.Command(context.Background(), chat.Request{UserID: "u1", UserName: "anne", Text: cmd})
		book := map[string]string{chat.French: "réserver aujourd'hui 16h-17h Point équipe", chat.English: "book today 16:00-17:00 Team call"}[lang]
		answered := bot.Command(context.Background(), chat.Request{UserID: "u1", UserName: "anne", Text: book})
		page := chat.PreviewHTML(lang, "zoom", header, []chat.Message{morning, answer, answered})
		if err := os.WriteFile(filepath.Join(dir, "chat-"+lang+".html"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
