// Package mattermost connects roomgate to a Mattermost server with plain
// net/http: a bot's REST calls (Client: the channel header, posts,
// ephemeral answers) and the handlers Mattermost calls (CommandHandler for
// the /zoom custom slash command, ActionHandler for message buttons).
//
// It follows Mattermost's REST API v4 reference
// (mattermost/mattermost-api-reference, v4/source/channels.yaml,
// posts.yaml, commands.yaml, bots.yaml) and its developer documentation
// (integrate/slash-commands/custom, integrate/plugins/interactive-messages).
// mmtest holds an in-process fake of the server.
package mattermost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/chat/internal/rest"
)

// Options configure a Client. BaseURL, ChannelID and Token are required.
type Options struct {
	// BaseURL is the server's address, e.g. https://chat.coop.example.
	BaseURL string
	// ChannelID is the #zoom channel's ID.
	ChannelID string
	// Token is the bot account's access token, sent as "Authorization:
	// Bearer TOKEN" (developer docs, integrate/admin-guide/
	// admin-bot-accounts: bots are created by a system admin, POST /bots
	// needing create_bot in bots.yaml, and act through their token).
	Token string
	// ActionURL is where Mattermost sends button clicks (ActionHandler's
	// public address); buttons are left out when it is "".
	ActionURL string
	// HTTPClient makes the calls; nil means one with a 10 s timeout.
	// Every call is also bounded by its context.
	HTTPClient *http.Client
}

// Client is a bot on one channel. It implements chat.Server.
type Client struct {
	base  *url.URL
	opt   Options
	httpc *http.Client
}

var _ chat.Server = (*Client)(nil)

// maxResponse bounds what is read of an answer.
const maxResponse = 1 << 20

// maxMessage is Mattermost's longest post, in runes (posts of servers
// 5.0 and later; integrate/slash-commands "Tips and best practices").
const maxMessage = 16383

// New checks opt and makes a Client.
func New(opt Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(opt.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("mattermost: base URL %q is not an http(s) address", opt.BaseURL)
	}
	if opt.ChannelID == "" || opt.Token == "" {
		return nil, errors.New("mattermost: channel ID and token are required")
	}
	c := &Client{base: u, opt: opt, httpc: opt.HTTPClient}
	if c.httpc == nil {
		c.httpc = &http.Client{Timeout: 10 * time.Second}
	}
	return c, nil
}

// APIError is an error answer of the server: its status and the AppError
// body ({"id", "message", "status_code", …}; definitions.yaml AppError).
type APIError struct {
	Status  int
	ID      string
	Message string
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("mattermost: HTTP %d %s: %s", e.Status, e.ID, e.Message)
}

// channel is the part of a Channel (definitions.yaml) roomgate reads.
type channel struct {
	ID     string `json:"id"`
	Header string `json:"header"`
}

// Header reads the channel's header: GET /api/v4/channels/{channel_id}
// (channels.yaml, "Get a channel"; needs read_channel).
func (c *Client) Header(ctx context.Context) (string, error) {
	var ch channel
	if err := c.call(ctx, http.MethodGet, c.api("channels", c.opt.ChannelID), nil, &ch); err != nil {
		return "", err
	}
	return ch.Header, nil
}

// SetHeader patches the header: PUT /api/v4/channels/{channel_id}/patch
// {"header": …} (channels.yaml, "Patch a channel"; the bot needs the
// permission to manage the channel's properties). Texts over
// chat.MaxHeader runes are refused here, as the server would.
func (c *Client) SetHeader(ctx context.Context, text string) error {
	if utf8.RuneCountInString(text) > chat.MaxHeader {
		return fmt.Errorf("mattermost: header of %d characters, at most %d", utf8.RuneCountInString(text), chat.MaxHeader)
	}
	body := map[string]string{"header": text}
	return c.call(ctx, http.MethodPut, c.api("channels", c.opt.ChannelID, "patch"), body, nil)
}

// post is a Post to create (posts.yaml, "Create a post").
type post struct {
	ChannelID string         `json:"channel_id"`
	Message   string         `json:"message"`
	Props     map[string]any `json:"props,omitempty"`
}

// Post posts in the channel: POST /api/v4/posts (posts.yaml), buttons as
// props.attachments[].actions (interactive messages).
func (c *Client) Post(ctx context.Context, m chat.Message) error {
	p := post{ChannelID: c.opt.ChannelID, Message: trimMessage(m.Text)}
	if att := c.attachments(m.Buttons); att != nil {
		p.Props = map[string]any{"attachments": att}
	}
	return c.call(ctx, http.MethodPost, c.api("posts"), p, nil)
}

// Answer answers one user. With the response URL of a slash command it
// POSTs there (custom slash commands, "Delayed and multiple responses":
// ephemeral, up to five times within 30 minutes); the URL must be on the
// server's own host. Without one it creates an ephemeral post: POST
// /api/v4/posts/ephemeral, which needs create_post_ephemeral, "currently
// only given to system admin" (posts.yaml).
func (c *Client) Answer(ctx context.Context, to chat.Reply, m chat.Message) error {
	if to.ResponseURL != "" {
		u, err := url.Parse(to.ResponseURL)
		if err != nil || u.Scheme != c.base.Scheme || u.Host != c.base.Host || !strings.HasPrefix(u.Path, "/hooks/commands/") {
			return fmt.Errorf("mattermost: response URL not on %s", c.base.Host)
		}
		return c.call(ctx, http.MethodPost, u.String(), c.Response(m), nil)
	}
	body := map[string]any{"user_id": to.UserID, "post": post{ChannelID: to.ChannelID, Message: trimMessage(m.Text)}}
	return c.call(ctx, http.MethodPost, c.api("posts", "ephemeral"), body, nil)
}

// api builds an API URL from escaped path segments.
func (c *Client) api(segs ...string) string {
	u := *c.base
	parts := []string{strings.TrimRight(u.Path, "/"), "api", "v4"}
	for _, s := range segs {
		parts = append(parts, url.PathEscape(s))
	}
	u.Path, u.RawPath = "", ""
	return u.String() + strings.Join(parts, "/")
}

// call sends a JSON request with the bot's token and decodes a 2xx
// answer into out (when not nil); other answers become *APIError.
func (c *Client) call(ctx context.Context, method, u string, in, out any) error {
	status, b, err := rest.Do(ctx, rest.Call{Client: c.httpc, Name: "mattermost", Method: method, URL: u,
		Header: map[string]string{"Authorization": "Bearer " + c.opt.Token, "Accept": "application/json"},
		In:     in, Out: out, Limit: maxResponse, Show: redact})
	if err != nil || status/100 == 2 {
		return err
	}
	e := &APIError{Status: status}
	_ = json.Unmarshal(b, e)
	return e
}

// UnmarshalJSON reads an AppError body.
func (e *APIError) UnmarshalJSON(b []byte) error {
	var v struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	e.ID, e.Message = v.ID, v.Message
	return nil
}

// redact drops a URL's path beyond its first segments: a response URL's
// path is a secret.
func redact(u *url.URL) string {
	if strings.HasPrefix(u.Path, "/hooks/") {
		return u.Scheme + "://" + u.Host + "/hooks/…"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// trimMessage bounds a post to the server's limit.
func trimMessage(s string) string {
	if utf8.RuneCountInString(s) <= maxMessage {
		return s
	}
	r := []rune(s)
	return string(r[:maxMessage-1]) + "…"
}

// attachment and action follow message attachments and interactive
// message buttons: actions[].integration{url, context}.
type attachment struct {
	Text    string   `json:"text,omitempty"`
	Actions []action `json:"actions"`
}

type action struct {
	ID          string      `json:"id"`
	Type        string      `json:"type"`
	Name        string      `json:"name"`
	Style       string      `json:"style,omitempty"`
	Integration integration `json:"integration"`
}

type integration struct {
	URL     string            `json:"url"`
	Context map[string]string `json:"context"`
}

// ContextKey is the key of the signed token in a button's context.
const ContextKey = "roomgate"

// attachments turns buttons into one attachment of actions; nil when
// there are none or no ActionURL.
func (c *Client) attachments(buttons []chat.Button) []attachment {
	if len(buttons) == 0 || c.opt.ActionURL == "" {
		return nil
	}
	a := attachment{}
	for i, b := range buttons {
		if b.Context == "" {
			continue
		}
		a.Actions = append(a.Actions, action{ID: "roomgate" + strconv.Itoa(i), Type: "button", Name: b.Label, Style: "primary",
			Integration: integration{URL: c.opt.ActionURL, Context: map[string]string{ContextKey: b.Context}}})
	}
	if len(a.Actions) == 0 {
		return nil
	}
	return []attachment{a}
}
