package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// BotOptions configure a Bot. Booker, Links, Signer and Server are
// required; LinkMailer and LinkPageURL are needed for `/zoom lier`.
type BotOptions struct {
	// Server names the chat server in link and button tokens, so that an
	// account of one server is never taken for one of another:
	// "mattermost https://chat.coop.example".
	Server string
	// ServerName is the chat as members know it, in link mails.
	ServerName string
	Booker     Booker
	Links      Links
	Mailer     LinkMailer
	Signer     *Signer
	// LinkPageURL is roomgate's public page that confirms a link
	// (LinkPage), e.g. https://salles.coop.example/chat/link.
	LinkPageURL string
	Location    *time.Location
	Lang        string // the language of an empty command and of buttons
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ButtonTTL is how long a button stays valid (default 1 hour);
	// LinkTTL how long a mailed link does (default DefaultLinkTTL).
	ButtonTTL, LinkTTL time.Duration
	Log                *slog.Logger
}

// Request is a member's command as a chat server delivered it.
type Request struct {
	UserID   string
	UserName string
	Text     string // the command's text after /zoom or the trigger word
}

// Bot answers members' commands and button clicks. It is safe for
// concurrent use.
type Bot struct {
	opt BotOptions

	mu        sync.Mutex
	linkAsked map[string]time.Time // user ID → last link mail, against mail floods
}

// maxButtons bounds the buttons of one answer (Rocket.Chat's attachments
// take five actions).
const maxButtons = 5

// linkEvery is the least time between two link mails for one chat user.
const linkEvery = 10 * time.Minute

// NewBot checks opt and makes a Bot.
func NewBot(opt BotOptions) (*Bot, error) {
	if opt.Booker == nil || opt.Links == nil || opt.Signer == nil || opt.Server == "" {
		return nil, errors.New("chat bot: Booker, Links, Signer and Server are required")
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if !known(opt.Lang) {
		opt.Lang = French
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.ButtonTTL <= 0 {
		opt.ButtonTTL = time.Hour
	}
	if opt.LinkTTL <= 0 {
		opt.LinkTTL = DefaultLinkTTL
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Bot{opt: opt, linkAsked: make(map[string]time.Time)}, nil
}

func (b *Bot) now() time.Time { return b.opt.Now().In(b.opt.Location) }

// Command answers a command. The answer is for the user alone where the
// server allows it. A failure of roomgate's side is logged and answered
// with a short apology; nothing inside leaks to the chat.
func (b *Bot) Command(ctx context.Context, r Request) Message {
	cmd, err := Parse(r.Text, b.now(), b.opt.Lang)
	var perr *ParseError
	if errors.As(err, &perr) {
		return Message{Text: perr.Text()}
	}
	switch cmd.Verb {
	case VerbFree:
		return b.free(ctx, r, cmd)
	case VerbBook:
		return b.member(ctx, r, cmd, b.book)
	case VerbMine:
		return b.member(ctx, r, cmd, b.mine)
	case VerbCancel:
		return b.member(ctx, r, cmd, b.cancel)
	case VerbLink:
		return b.link(ctx, r, cmd)
	}
	return Message{Text: tr(cmd.Lang, "help")}
}

// failed logs an error of roomgate's side and apologizes.
func (b *Bot) failed(what string, r Request, lang string, err error) Message {
	b.opt.Log.Error("chat command failed", "command", what, "chat_user", r.UserID, "err", err)
	return Message{Text: tr(lang, "unavailable")}
}

func (b *Bot) free(ctx context.Context, r Request, cmd Command) Message {
	from, to := cmd.Day, cmd.Day.AddDate(0, 0, 1)
	if now := b.now(); now.After(from) {
		from = now
	}
	slots, err := b.opt.Booker.FreeSlots(ctx, from, to)
	if err != nil {
		return b.failed("free", r, cmd.Lang, err)
	}
	dayText := day(cmd.Lang, cmd.Day, b.now())
	if len(slots) == 0 {
		return Message{Text: tr(cmd.Lang, "slots.none", dayText)}
	}
	lines := []string{tr(cmd.Lang, "slots.head", dayText)}
	var buttons []Button
	for i, s := range slots {
		if i == maxListed {
			lines = append(lines, "- …")
			break
		}
		lines = append(lines, "- "+hours(inZone(s, b.opt.Location)))
		if len(buttons) < maxButtons {
			if bt, err := b.button(r, cmd, firstHour(s)); err == nil {
				buttons = append(buttons, bt)
			}
		}
	}
	return Message{Text: strings.Join(lines, "\n"), Buttons: buttons}
}

// firstHour is the slot's first hour, or the whole slot when shorter.
func firstHour(s Slot) Slot {
	if end := s.Start.Add(time.Hour); end.Before(s.End) {
		s.End = end
	}
	return s
}

// button offers to book s, for this user only.
func (b *Bot) button(r Request, cmd Command, s Slot) (Button, error) {
	s = inZone(s, b.opt.Location)
	tok, err := b.opt.Signer.ActionToken(ActionClaim{Action: ActionBook, Slot: s, Server: b.opt.Server,
		User: r.UserID, Nonce: NewNonce(), Expires: b.opt.Now().Add(b.opt.ButtonTTL)})
	if err != nil {
		return Button{}, err
	}
	verb := map[string]string{French: "réserver", English: "book"}[cmd.Lang]
	date := s.Start.Format("02/01")
	return Button{Label: tr(cmd.Lang, "slots.book", when(cmd.Lang, s, b.now())), Context: tok,
		Command: fmt.Sprintf("%s %s %s-%s", verb, date, clock(s.Start), clock(s.End))}, nil
}

// member runs fn with the member address linked to the user, or answers
// how to link one.
func (b *Bot) member(ctx context.Context, r Request, cmd Command,
	fn func(context.Context, Request, Command, string) Message) Message {
	addr, err := b.opt.Links.LinkedAddress(ctx, b.opt.Server, r.UserID)
	if err != nil {
		return b.failed("linked address", r, cmd.Lang, err)
	}
	if addr == "" {
		return Message{Text: tr(cmd.Lang, "unlinked")}
	}
	return fn(ctx, r, cmd, addr)
}

func (b *Bot) via(r Request) string {
	return fmt.Sprintf("chat %s user %s", b.opt.Server, r.UserID)
}

func (b *Bot) book(ctx context.Context, r Request, cmd Command, addr string) Message {
	title := cmd.Title
	out, err := b.opt.Booker.Book(ctx, BookRequest{Member: addr, Slot: cmd.Slot, Title: title, Lang: cmd.Lang, Via: b.via(r)})
	if errors.Is(err, ErrNotMember) {
		return Message{Text: tr(cmd.Lang, "notmember")}
	}
	if err != nil {
		return b.failed("book", r, cmd.Lang, err)
	}
	return Message{Text: b.outcome(cmd.Lang, cmd.Slot, out)}
}

// outcome says what became of a request.
func (b *Bot) outcome(lang string, asked Slot, out Outcome) string {
	s := when(lang, inZone(asked, b.opt.Location), b.now())
	switch out.Status {
	case Accepted:
		return tr(lang, "booked", s)
	case Waiting:
		return tr(lang, "waiting", s)
	case Pending:
		return tr(lang, "pending", s)
	}
	return tr(lang, "declined", s, oneLine(out.Reason, 300))
}

func (b *Bot) mine(ctx context.Context, r Request, cmd Command, addr string) Message {
	list, err := b.opt.Booker.Bookings(ctx, addr, b.now())
	if errors.Is(err, ErrNotMember) {
		return Message{Text: tr(cmd.Lang, "notmember")}
	}
	if err != nil {
		return b.failed("mine", r, cmd.Lang, err)
	}
	if len(list) == 0 {
		return Message{Text: tr(cmd.Lang, "mine.none")}
	}
	lines := []string{tr(cmd.Lang, "mine.head")}
	for i, bk := range list {
		if i == maxListed {
			lines = append(lines, "- …")
			break
		}
		lines = append(lines, tr(cmd.Lang, "mine.item", bk.ID, when(cmd.Lang, inZone(bk.Slot, b.opt.Location), b.now()), titled(bk.Title)))
	}
	return Message{Text: strings.Join(lines, "\n")}
}

func (b *Bot) cancel(ctx context.Context, r Request, cmd Command, addr string) Message {
	err := b.opt.Booker.Cancel(ctx, addr, cmd.ID, b.via(r))
	switch {
	case err == nil:
		return Message{Text: tr(cmd.Lang, "cancelled", cmd.ID)}
	case errors.Is(err, ErrNoBooking):
		return Message{Text: tr(cmd.Lang, "nosuch", cmd.ID)}
	case errors.Is(err, ErrNotMember):
		return Message{Text: tr(cmd.Lang, "notmember")}
	}
	return b.failed("cancel", r, cmd.Lang, err)
}
