package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// link mails a link token to the address when it is a member's. The
// answer is the same either way: the chat learns nothing of who is a
// member.
func (b *Bot) link(ctx context.Context, r Request, cmd Command) Message {
	ttl := durationText(cmd.Lang, b.opt.LinkTTL)
	if b.opt.Mailer == nil || b.opt.LinkPageURL == "" {
		return b.failed("link", r, cmd.Lang, errors.New("no link mailer or link page configured"))
	}
	if !b.mayAskLink(r.UserID) {
		return Message{Text: tr(cmd.Lang, "link.busy")}
	}
	ok, err := b.opt.Booker.IsMember(ctx, cmd.Address)
	if err != nil {
		return b.failed("link", r, cmd.Lang, err)
	}
	if !ok {
		b.opt.Log.Info("chat link asked for an address that may not book: no mail", "chat_user", r.UserID)
		return Message{Text: tr(cmd.Lang, "link.sent", cmd.Address, ttl)}
	}
	c := LinkClaim{Server: b.opt.Server, User: r.UserID, Address: cmd.Address, Nonce: NewNonce(),
		Expires: b.opt.Now().Add(b.opt.LinkTTL)}
	tok, err := b.opt.Signer.LinkToken(c)
	if err != nil {
		return b.failed("link", r, cmd.Lang, err)
	}
	m := ComposeLinkMail(c, tok, b.opt.LinkPageURL, r.UserName, b.opt.ServerName, cmd.Lang, b.opt.Location)
	if err := b.opt.Mailer.MailLink(ctx, m); err != nil {
		return b.failed("link mail", r, cmd.Lang, err)
	}
	b.opt.Log.Info("chat link mailed", "chat_user", r.UserID, "to", c.Address)
	return Message{Text: tr(cmd.Lang, "link.sent", cmd.Address, ttl)}
}

// mayAskLink allows one link mail per user every linkEvery.
func (b *Bot) mayAskLink(user string) bool {
	now := b.opt.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if last, ok := b.linkAsked[user]; ok && now.Sub(last) < linkEvery {
		return false
	}
	if len(b.linkAsked) > 10000 { // bounded: forget them all rather than grow
		clear(b.linkAsked)
	}
	b.linkAsked[user] = now
	return true
}

// durationText is "24 h" / "24 hours" for whole hours, else minutes.
func durationText(lang string, d time.Duration) string {
	if d%time.Hour == 0 {
		if lang == English {
			return fmt.Sprintf("%d hours", d/time.Hour)
		}
		return fmt.Sprintf("%d h", d/time.Hour)
	}
	if lang == English {
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return fmt.Sprintf("%d min", d/time.Minute)
}

// Action answers a button click: user is the chat user who clicked, as
// the chat server says; token the button's signed context. The answer is
// a text for that user alone. An altered token, one offered to another
// user or another server, an expired one or one used before books
// nothing.
func (b *Bot) Action(ctx context.Context, user, token string) string {
	lang := b.opt.Lang
	c, err := b.opt.Signer.ReadAction(token, b.opt.Now())
	switch {
	case errors.Is(err, ErrTokenExpired):
		return tr(lang, "action.expired")
	case err != nil || c.Action != ActionBook:
		b.opt.Log.Warn("chat button refused: invalid token", "chat_user", user)
		return tr(lang, "action.invalid")
	case c.Server != b.opt.Server || c.User != user:
		b.opt.Log.Warn("chat button refused: offered to another user", "chat_user", user)
		return tr(lang, "action.notyours")
	}
	r := Request{UserID: user}
	addr, err := b.opt.Links.LinkedAddress(ctx, b.opt.Server, user)
	if err != nil {
		return b.failed("linked address", r, lang, err).Text
	}
	if addr == "" {
		return tr(lang, "unlinked")
	}
	if err := b.opt.Links.UseNonce(ctx, c.Nonce, c.Expires); errors.Is(err, ErrUsed) {
		b.opt.Log.Warn("chat button refused: used before", "chat_user", user)
		return tr(lang, "action.used")
	} else if err != nil {
		return b.failed("button nonce", r, lang, err).Text
	}
	return b.book(ctx, r, Command{Verb: VerbBook, Lang: lang, Slot: c.Slot}, addr).Text
}
