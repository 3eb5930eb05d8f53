// Package rocketchat connects roomgate to a Rocket.Chat server with plain
// net/http: a bot's REST calls (Client: the room's topic, posts) and the
// handler of an outgoing integration with a trigger word
// (OutgoingHandler), Rocket.Chat's way to a command without an
// Apps-Engine app.
//
// It follows Rocket.Chat's REST API documentation (developer.rocket.chat:
// "Post Message" /api/v1/chat.postMessage, "Set Channel Topic"
// /api/v1/channels.setTopic, "Set Group Topic" /api/v1/groups.setTopic,
// channels.info and groups.info, the X-Auth-Token and X-User-Id headers)
// and the outgoing integrations of the server
// (apps/meteor/app/integrations/server/lib/triggerHandler.ts). rctest
// holds an in-process fake of the server.
package rocketchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/chat/internal/rest"
)

// Options configure a Client. BaseURL, RoomID, UserID and Token are
// required.
type Options struct {
	BaseURL string
	// RoomID is the room's ID (not its name).
	RoomID string
	// Private says the room is a private group: the groups.* endpoints
	// serve it instead of channels.*.
	Private bool
	// UserID and Token are the bot's user ID and personal access token,
	// sent as X-User-Id and X-Auth-Token.
	UserID, Token string
	// Trigger is the outgoing integration's trigger word: buttons post
	// "Trigger command" in the user's name.
	Trigger string
	// HTTPClient makes the calls; nil means one with a 10 s timeout.
	HTTPClient *http.Client
}

// Client is a bot in one room. It implements chat.Server.
type Client struct {
	base  *url.URL
	opt   Options
	httpc *http.Client
}

var _ chat.Server = (*Client)(nil)

const maxResponse = 1 << 20

// New checks opt and makes a Client.
func New(opt Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(opt.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("rocketchat: base URL %q is not an http(s) address", opt.BaseURL)
	}
	if opt.RoomID == "" || opt.UserID == "" || opt.Token == "" {
		return nil, errors.New("rocketchat: room ID, user ID and token are required")
	}
	if opt.Trigger == "" {
		opt.Trigger = "zoom"
	}
	c := &Client{base: u, opt: opt, httpc: opt.HTTPClient}
	if c.httpc == nil {
		c.httpc = &http.Client{Timeout: 10 * time.Second}
	}
	return c, nil
}

// APIError is an error answer: {"success": false, "error", "errorType"}
// (400) or {"status": "error", "message"} (401).
type APIError struct {
	Status  int
	Type    string
	Message string
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("rocketchat: HTTP %d %s: %s", e.Status, e.Type, e.Message)
}

func (c *Client) kind() string {
	if c.opt.Private {
		return "groups"
	}
	return "channels"
}

// Header reads the room's topic: GET /api/v1/channels.info?roomId=…
// (groups.info for a private group).
func (c *Client) Header(ctx context.Context) (string, error) {
	var out map[string]json.RawMessage
	u := c.api(c.kind()+".info") + "?roomId=" + url.QueryEscape(c.opt.RoomID)
	if err := c.call(ctx, http.MethodGet, u, nil, &out); err != nil {
		return "", err
	}
	var room struct {
		Topic string `json:"topic"`
	}
	key := map[string]string{"channels": "channel", "groups": "group"}[c.kind()]
	if err := json.Unmarshal(out[key], &room); err != nil {
		return "", fmt.Errorf("rocketchat: %s.info: no %s in the answer", c.kind(), key)
	}
	return room.Topic, nil
}

// SetHeader sets the room's topic: POST /api/v1/channels.setTopic
// {"roomId", "topic"} (groups.setTopic for a private group; permission
// edit-room).
func (c *Client) SetHeader(ctx context.Context, text string) error {
	body := map[string]string{"roomId": c.opt.RoomID, "topic": text}
	return c.call(ctx, http.MethodPost, c.api(c.kind()+".setTopic"), body, nil)
}

// SetAnnouncement sets the room's announcement (channels.setAnnouncement,
// groups.setAnnouncement), shown as a banner above the messages.
func (c *Client) SetAnnouncement(ctx context.Context, text string) error {
	body := map[string]string{"roomId": c.opt.RoomID, "announcement": text}
	return c.call(ctx, http.MethodPost, c.api(c.kind()+".setAnnouncement"), body, nil)
}

// Post posts in the room: POST /api/v1/chat.postMessage.
func (c *Client) Post(ctx context.Context, m chat.Message) error {
	return c.post(ctx, c.opt.RoomID, m)
}

// Answer posts in the user's room: Rocket.Chat's REST API has no
// ephemeral message, so the answer is a plain post there.
func (c *Client) Answer(ctx context.Context, to chat.Reply, m chat.Message) error {
	room := to.ChannelID
	if room == "" {
		room = c.opt.RoomID
	}
	return c.post(ctx, room, m)
}

// Message is a message body, as chat.postMessage and an outgoing
// integration's answer take it.
type Message struct {
	RoomID      string       `json:"roomId,omitempty"`
	Text        string       `json:"text"`
	Attachments []attachment `json:"attachments,omitempty"`
}

// attachment and action follow the message attachments' actions of type
// button: a click posts msg in the user's name (msg_in_chat_window).
type attachment struct {
	Actions []action `json:"actions"`
}

type action struct {
	Type            string `json:"type"`
	Text            string `json:"text"`
	Msg             string `json:"msg"`
	MsgInChatWindow bool   `json:"msg_in_chat_window"`
	ProcessingType  string `json:"msg_processing_type"`
}

// Body is the message for m: buttons post the trigger word and their
// command, which comes back through the outgoing integration.
func (c *Client) Body(m chat.Message) Message {
	out := Message{Text: m.Text}
	var acts []action
	for _, b := range m.Buttons {
		if b.Command != "" {
			acts = append(acts, action{Type: "button", Text: b.Label, Msg: c.opt.Trigger + " " + b.Command,
				MsgInChatWindow: true, ProcessingType: "sendMessage"})
		}
	}
	if len(acts) > 0 {
		out.Attachments = []attachment{{Actions: acts}}
	}
	return out
}

func (c *Client) post(ctx context.Context, room string, m chat.Message) error {
	body := c.Body(m)
	body.RoomID = room
	return c.call(ctx, http.MethodPost, c.api("chat.postMessage"), body, nil)
}

func (c *Client) api(method string) string {
	return c.base.String() + "/api/v1/" + method
}

// call sends a request with the bot's headers and decodes a 2xx answer.
func (c *Client) call(ctx context.Context, method, u string, in, out any) error {
	status, b, err := rest.Do(ctx, rest.Call{Client: c.httpc, Name: "rocketchat", Method: method, URL: u,
		Header: map[string]string{"X-Auth-Token": c.opt.Token, "X-User-Id": c.opt.UserID},
		In:     in, Out: out, Limit: maxResponse})
	if err != nil || status/100 == 2 {
		return err
	}
	var e struct {
		Error, ErrorType, Message string
	}
	_ = json.Unmarshal(b, &e)
	return &APIError{Status: status, Type: e.ErrorType, Message: e.Error + e.Message}
}
