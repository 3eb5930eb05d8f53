package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync/atomic"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/chat/mattermost"
	"codeberg.org/opteos/roomgate/chat/rocketchat"
	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/web"
)

// chatFront is the chat front end of a running daemon (docs/chat.md): the
// bot behind the command, button and link routes, the channel header, the
// morning post and the announcements. Every call to the chat server goes
// through its Sender, so that nothing else ever waits for the chat.
type chatFront struct {
	cfg      *Config
	log      *slog.Logger
	store    *db.Store
	booker   *gateway.ChatBooker
	srv      chat.Server
	bot      *chat.Bot
	sender   *chat.Sender
	presence *chat.Presence
	routes   map[string]http.Handler
	now      func() time.Time
	// changed wakes the header's refresh after a decision; headerQueued
	// keeps at most one header job in the queue.
	changed      chan struct{}
	headerQueued atomic.Bool
	// audit finds the released and freed events (chataudit.go); used by
	// runHeader's goroutine only.
	audit *auditFollower
}

// chatRefresh is how often the header is recomputed without a decision:
// "free until 14:00" turns into "busy" as time passes.
const chatRefresh = time.Minute

// newChatFront builds the chat front end of the app, or nil without
// [chat].
func newChatFront(cfg *Config, a *app, log *slog.Logger) (*chatFront, error) {
	if cfg.Chat == nil {
		return nil, nil
	}
	signer, err := chat.NewSigner(cfg.chatSecrets.LinkKey)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	f := &chatFront{cfg: cfg, log: log.With("component", "chat"), store: a.store, booker: a.gw.ChatBooker(),
		now: time.Now, changed: make(chan struct{}, 1)}
	f.audit = newAuditFollower(f.now())
	timeout, _ := cfg.Chat.TimeoutOr(chat.DefaultTimeout)
	f.sender = chat.NewSender(0, timeout, f.log)
	id := cfg.chatServerID()
	f.bot, err = chat.NewBot(chat.BotOptions{Server: id, ServerName: cfg.Chat.BaseURL, Booker: f.booker, Links: a.store,
		Mailer: f.booker, Signer: signer, LinkPageURL: cfg.chatPublic(chatLinkPage), Location: cfg.location,
		Lang: cfg.Chat.Language, Log: f.log})
	if err != nil {
		return nil, err
	}
	f.routes = map[string]http.Handler{chatLinkPage: &chat.LinkPage{Signer: signer, Links: a.store, Server: id, Log: f.log}}
	if err := f.connect(); err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	f.presence = chat.NewPresence(f.srv, f.log)
	return f, nil
}

// connect makes the chat server's client and the routes it calls.
func (f *chatFront) connect() error {
	c, secrets := f.cfg, f.cfg.chatSecrets
	timeout, _ := c.Chat.TimeoutOr(chat.DefaultTimeout)
	hc := &http.Client{Timeout: timeout}
	if c.Chat.Kind == chat.KindRocketChat {
		rc, err := rocketchat.New(rocketchat.Options{BaseURL: c.Chat.BaseURL, RoomID: c.Chat.ChannelID, Private: c.Chat.Private,
			UserID: c.Chat.BotUserID, Token: secrets.Token, Trigger: c.Chat.TriggerWord(), HTTPClient: hc})
		if err != nil {
			return err
		}
		f.srv = rc
		f.routes[chatRocketChat] = &rocketchat.OutgoingHandler{Token: secrets.CommandToken, Client: rc, Bot: f.bot, Log: f.log}
		return nil
	}
	mm, err := mattermost.New(mattermost.Options{BaseURL: c.Chat.BaseURL, ChannelID: c.Chat.ChannelID, Token: secrets.Token,
		ActionURL: c.chatPublic(chatMattermostAction), HTTPClient: hc})
	if err != nil {
		return err
	}
	f.srv = mm
	f.routes[chatMattermostCommand] = &mattermost.CommandHandler{Token: secrets.CommandToken, Client: mm, Bot: f.bot, Log: f.log}
	f.routes[chatMattermostAction] = &mattermost.ActionHandler{Bot: f.bot, Log: f.log}
	return nil
}

// chatHook carries decisions to the chat front end, which exists only
// once the gateway does. Observe never blocks: a booking by mail does not
// wait for the chat.
type chatHook struct{ front atomic.Pointer[chatFront] }

// observe is the gateway's OnOutcome, for the chat.
func (h *chatHook) observe(out gateway.Outcome) {
	f := h.front.Load()
	if f == nil || out.Start.IsZero() {
		return
	}
	select {
	case f.changed <- struct{}{}:
	default:
	}
	kind := map[gateway.Action]string{gateway.ActionAccepted: chat.EventBooked, gateway.ActionCancelled: chat.EventCancelled}[out.Action]
	if kind == "" || !f.cfg.Chat.Announces(kind) {
		return
	}
	m, ok := chat.Announce(chat.Event{Kind: kind, Booking: chat.Booking{Slot: chat.Slot{Start: out.Start, End: out.End}},
		Now: f.now(), Location: f.cfg.location, Lang: f.cfg.Chat.Language})
	if ok {
		f.sender.Enqueue("announce "+kind, func(ctx context.Context) error { return f.srv.Post(ctx, m) })
	}
}

// handlers are the chat's routes on the web server (none without chat).
func (f *chatFront) handlers() map[string]http.Handler {
	if f == nil {
		return nil
	}
	return f.routes
}

// loops are the chat's background work, run beside the gateway's (none
// without chat).
func (f *chatFront) loops() []loop {
	if f == nil {
		return nil
	}
	return []loop{
		{"chat sender", func(ctx context.Context) error { f.sender.Run(ctx); return nil }},
		{"chat header", f.runHeader},
		{"chat morning post", f.runMorning},
		{"chat retention", f.runRetention},
	}
}

// runHeader queues the header's update, and the announcements found in
// the audit log, at start, after each decision and every chatRefresh.
func (f *chatFront) runHeader(ctx context.Context) error {
	t := time.NewTicker(chatRefresh)
	defer t.Stop()
	for {
		f.queueHeader()
		f.announceAudit(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-f.changed:
		}
	}
}

// queueHeader queues one header job, unless one waits already.
func (f *chatFront) queueHeader() {
	if !f.headerQueued.CompareAndSwap(false, true) {
		return
	}
	f.sender.Enqueue("header", func(ctx context.Context) error {
		f.headerQueued.Store(false)
		st, err := f.roomState(ctx)
		if err != nil {
			return err
		}
		_, err = f.presence.Update(ctx, st)
		return err
	})
}

// roomState reads what the header tells from the bookings.
func (f *chatFront) roomState(ctx context.Context) (chat.RoomState, error) {
	now := f.now()
	bs, err := f.booker.Agenda(ctx, now.Add(-f.cfg.Policy.MaxDuration.Duration), now.AddDate(0, 0, 31))
	if err != nil {
		return chat.RoomState{}, err
	}
	st := roomStateOf(bs, now, f.cfg.location, f.cfg.Chat.Language)
	st.AgendaURL = f.cfg.Chat.AgendaURL
	return st, nil
}

// roomStateOf is the header's state from the bookings around now: busy
// until the end of the meetings under way (back to back ones joined),
// else free until the next one.
func roomStateOf(bs []chat.Booking, now time.Time, loc *time.Location, lang string) chat.RoomState {
	sort.Slice(bs, func(i, j int) bool { return bs[i].Slot.Start.Before(bs[j].Slot.Start) })
	st := chat.RoomState{Now: now, Location: loc, Lang: lang}
	for _, b := range bs {
		s := b.Slot
		switch {
		case !s.End.After(now):
		case !s.Start.After(now) || (!st.BusyUntil.IsZero() && !s.Start.After(st.BusyUntil)):
			if s.End.After(st.BusyUntil) {
				st.BusyUntil = s.End
			}
		case st.Next.Start.IsZero():
			st.Next = s
			if st.BusyUntil.IsZero() {
				st.FreeUntil = s.Start
			}
		}
	}
	return st
}

// runMorning posts the day's agenda at morning_post each day.
func (f *chatFront) runMorning(ctx context.Context) error {
	at, _ := f.cfg.Chat.MorningTime()
	if at < 0 {
		<-ctx.Done()
		return nil
	}
	for {
		next := chat.NextMorning(f.now(), f.cfg.location, at)
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		f.sender.Enqueue("morning post", func(ctx context.Context) error { return f.postMorning(ctx, next) })
	}
}

// postMorning posts the agenda of day's day.
func (f *chatFront) postMorning(ctx context.Context, day time.Time) error {
	d, err := f.day(ctx, day)
	if err != nil {
		return err
	}
	return f.srv.Post(ctx, chat.MorningPost(d))
}

// day gathers the bookings and free slots of day's local day; titles are
// shown as the web agenda shows them ([http] show).
func (f *chatFront) day(ctx context.Context, day time.Time) (chat.Day, error) {
	loc := f.cfg.location
	l := day.In(loc)
	from := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	to := from.AddDate(0, 0, 1)
	bs, err := f.booker.Agenda(ctx, from, to)
	if err != nil {
		return chat.Day{}, err
	}
	free, err := f.booker.FreeSlots(ctx, from, to)
	if err != nil {
		return chat.Day{}, err
	}
	if f.cfg.HTTP.Show != web.ShowTitles {
		for i := range bs {
			bs[i].Title = ""
		}
	}
	return chat.Day{Date: from, Bookings: bs, Free: free, Location: loc, Lang: f.cfg.Chat.Language}, nil
}

// runRetention drops, at start and every retentionEvery, the spent nonces
// of expired tokens and the links of addresses that may no longer book.
func (f *chatFront) runRetention(ctx context.Context) error {
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		if err := f.retain(ctx); err != nil && ctx.Err() == nil {
			f.log.Error("chat retention", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (f *chatFront) retain(ctx context.Context) error {
	if _, err := f.store.PruneChatNonces(ctx, f.now()); err != nil {
		return err
	}
	addrs, err := f.store.ChatLinkedAddresses(ctx)
	if err != nil {
		return err
	}
	for _, addr := range addrs {
		if ok, _ := f.booker.IsMember(ctx, addr); ok {
			continue
		}
		n, err := f.store.Unlink(ctx, addr)
		if err != nil {
			return err
		}
		f.log.Info("chat accounts unlinked: the address may no longer book", "address", addr, "accounts", n)
	}
	return nil
}
