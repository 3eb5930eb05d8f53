// Package chat is roomgate's front end in the cooperative's chat: the
// channel header that tells whether the room is free (Presence), the
// morning agenda and the posts about bookings (Agenda, Announce), the
// members' commands (Parse, Bot), the link between a chat account and a
// member's address (Links, link tokens mailed to the address), and the
// signed buttons that book a free slot.
//
// It is provider-neutral: a chat server is reached through the small
// Server interface, which chat/mattermost and chat/rocketchat implement
// with plain net/http, and the bookings are decided through Booker, which
// roomgate implements over the same decisions, policies, quotas, waiting
// list and audit as a mail. The package imports nothing of roomgate's.
//
// Every text a member reads exists in French and English (see words.go).
package chat

import (
	"context"
	"errors"
)

// Server is one channel of a chat server, as roomgate uses it. Calls must
// honour their context: a server that is down must cost the caller no more
// than the context allows.
type Server interface {
	// Header returns the channel's current header (Mattermost) or topic
	// (Rocket.Chat). It returns ErrUnsupported when the server cannot
	// tell.
	Header(ctx context.Context) (string, error)
	// SetHeader replaces the channel's header or topic.
	SetHeader(ctx context.Context, text string) error
	// Post posts a message, with optional buttons, in the channel.
	Post(ctx context.Context, m Message) error
	// Answer sends a message to one user: ephemeral where the server
	// allows it, a plain post in the user's channel elsewhere.
	Answer(ctx context.Context, to Reply, m Message) error
}

// Message is a post: Markdown text and optional buttons.
type Message struct {
	Text    string
	Buttons []Button
}

// Button offers an action under a message. A server uses either form:
// Mattermost calls roomgate back with Context (a token signed by roomgate,
// since Mattermost does not sign its callbacks); Rocket.Chat posts Command
// in the user's name, which reaches roomgate through the outgoing
// integration like a typed command.
type Button struct {
	Label   string
	Command string // the command's text, without the trigger ("réserver 12/12 14h-15h")
	Context string // a signed action token (Signer.ActionToken)
}

// Reply says where an answer goes: the user and the channel of the
// command, and the response URL a Mattermost slash command gave, if any.
type Reply struct {
	ChannelID   string
	UserID      string
	ResponseURL string
}

// Errors of servers.
var (
	// ErrUnsupported: the server cannot do this (read a header, say).
	ErrUnsupported = errors.New("not supported by this chat server")
)

// MaxHeader is the longest header written, in characters (runes):
// Mattermost refuses more than 1,024 (model.ChannelHeaderMaxRunes in
// mattermost/server/public/model/channel.go, answered 400
// model.channel.is_valid.header.app_error).
const MaxHeader = 1024
