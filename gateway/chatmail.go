package gateway

import (
	"context"
	"fmt"

	"codeberg.org/opteos/roomgate/chat"
)

// OutboxChatLink is the outbox kind of the mails that prove a member
// address for a chat account.
const OutboxChatLink = "chat-link"

var _ chat.LinkMailer = (*ChatBooker)(nil)

// MailLink implements chat.LinkMailer: the link mail is queued in the
// outbox, from the room, like every mail roomgate sends, so it leaves once
// and survives a restart. The address is checked again: only a member's
// address is mailed, at most SenderRepliesPerHour mails of any kind an
// hour.
func (c *ChatBooker) MailLink(ctx context.Context, m chat.LinkMail) error {
	g := c.g
	to, err := c.member(m.To)
	if err != nil {
		return err
	}
	room := c.room()
	now := g.opt.Now()
	text := Rendered{Subject: m.Subject, Text: m.Text}
	from := Address{Name: room.Name, Addr: room.Address}
	raw := composeNotice(from, Address{Addr: to}, text, now)
	mail := OutboxMail{MessageKey: "chat-link-" + randomHex(16), From: from.Addr, To: []string{to}, Raw: raw,
		Status: OutboxPending, NextAttempt: now.UTC(), CreatedAt: now.UTC(), Kind: OutboxChatLink}
	err = g.opt.Store.Update(ctx, func(tx Tx) error {
		if why, err := g.replyLimit(ctx, tx, "", to, OutboxChatLink); err != nil || why != "" {
			if why != "" {
				return fmt.Errorf("link mail not sent: %s", why)
			}
			return err
		}
		return tx.Enqueue(ctx, &mail)
	})
	if err != nil {
		return fmt.Errorf("queue link mail: %w", err)
	}
	g.Kick()
	return nil
}
