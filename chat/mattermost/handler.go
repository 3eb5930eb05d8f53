package mattermost

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"codeberg.org/opteos/roomgate/chat"
)

// CommandResponse is a slash command's answer (custom slash commands,
// "Parameters"; definitions.yaml CommandResponse). ResponseType is
// "ephemeral" (the default: only the user sees it) or "in_channel".
type CommandResponse struct {
	ResponseType     string       `json:"response_type"`
	Text             string       `json:"text"`
	Attachments      []attachment `json:"attachments,omitempty"`
	SkipSlackParsing bool         `json:"skip_slack_parsing"`
}

// Response is the ephemeral command answer for m, buttons included when
// the client has an ActionURL.
func (c *Client) Response(m chat.Message) CommandResponse {
	return CommandResponse{ResponseType: "ephemeral", Text: trimMessage(m.Text), Attachments: c.attachments(m.Buttons),
		SkipSlackParsing: true}
}

// Commander answers commands and button clicks; *chat.Bot is one.
type Commander interface {
	Command(ctx context.Context, r chat.Request) chat.Message
	Action(ctx context.Context, user, token string) string
}

// Limits of the handlers.
const (
	maxCommandBody = 64 << 10
	maxActionBody  = 16 << 10
	// DefaultAnswerTime bounds the work behind an answer: Mattermost
	// expects one within three seconds (custom slash commands, "Delayed
	// and multiple responses").
	DefaultAnswerTime = 2500 * time.Millisecond
)

// CommandHandler serves the custom slash command's request URL (method
// POST). Mattermost POSTs a form (token, team_id, team_domain,
// channel_id, channel_name, user_id, user_name, command, text,
// response_url, trigger_id) with "Authorization: Token TOKEN"; the token
// is checked in constant time, from the header or the form, and a token
// given in both must match in both.
type CommandHandler struct {
	Token  string // the slash command's token
	Client *Client
	Bot    Commander
	Log    *slog.Logger
	// AnswerTime bounds the command's work (DefaultAnswerTime when 0).
	AnswerTime time.Duration
}

// ServeHTTP implements http.Handler.
func (h *CommandHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer recoverTo(w, h.log())
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		http.Error(w, "a form is expected", http.StatusUnsupportedMediaType)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCommandBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if !h.authentic(r) {
		h.log().Warn("mattermost command refused: wrong or missing token", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	req, ok := commandRequest(r)
	if !ok {
		http.Error(w, "bad command", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), answerTime(h.AnswerTime))
	defer cancel()
	writeJSON(w, h.Client.Response(h.Bot.Command(ctx, req)))
}

// authentic checks the token of the header and of the form: at least one
// given, and every one given right.
func (h *CommandHandler) authentic(r *http.Request) bool {
	if len(h.Token) < 16 {
		return false // unconfigured: refuse everything
	}
	var given []string
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, tok, ok := strings.Cut(a, " ")
		if !ok || !strings.EqualFold(scheme, "Token") {
			return false
		}
		given = append(given, tok)
	}
	if vs, ok := r.PostForm["token"]; ok {
		if len(vs) != 1 {
			return false
		}
		given = append(given, vs[0])
	}
	for _, g := range given {
		if !equalSecret(g, h.Token) {
			return false
		}
	}
	return len(given) > 0
}

// equalSecret compares in constant time, whatever the lengths.
func equalSecret(a, b string) bool {
	x, y := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}

// commandRequest reads the form's user and text.
func commandRequest(r *http.Request) (chat.Request, bool) {
	req := chat.Request{UserID: r.PostForm.Get("user_id"), UserName: r.PostForm.Get("user_name"), Text: r.PostForm.Get("text")}
	if !chatID(req.UserID) || !utf8.ValidString(req.UserName) || len(req.UserName) > 64 || len(req.Text) > chat.MaxCommand {
		return chat.Request{}, false
	}
	return req, true
}

// chatID reports a Mattermost ID: 26 lower-case letters and digits
// (model.NewId), accepted here as 1 to 64 of [a-z0-9].
func chatID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ActionHandler serves the buttons' integration URL. Mattermost POSTs
// JSON {user_id, post_id, channel_id, team_id, context} and does not sign
// it (interactive messages, "Context"): the context carries roomgate's
// own signed token, which names the user it was offered to and is spent
// once. The answer is {"ephemeral_text": …}.
type ActionHandler struct {
	Bot        Commander
	Log        *slog.Logger
	AnswerTime time.Duration
}

// actionRequest is a button click.
type actionRequest struct {
	UserID  string            `json:"user_id"`
	Context map[string]string `json:"context"`
}

// ActionResponse is the answer to a click.
type ActionResponse struct {
	EphemeralText    string `json:"ephemeral_text"`
	SkipSlackParsing bool   `json:"skip_slack_parsing"`
}

// ServeHTTP implements http.Handler.
func (h *ActionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer recoverTo(w, h.log())
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxActionBody)
	var a actionRequest
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&a); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	token := a.Context[ContextKey]
	if !chatID(a.UserID) || token == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), answerTime(h.AnswerTime))
	defer cancel()
	writeJSON(w, ActionResponse{EphemeralText: h.Bot.Action(ctx, a.UserID, token), SkipSlackParsing: true})
}

func (h *CommandHandler) log() *slog.Logger { return orDefault(h.Log) }
func (h *ActionHandler) log() *slog.Logger  { return orDefault(h.Log) }

func orDefault(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

func answerTime(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultAnswerTime
	}
	return d
}

// writeJSON answers 200 with v, as application/json.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// recoverTo turns a panic into a 500 and a logged error: bad input never
// stops the daemon.
func recoverTo(w http.ResponseWriter, log *slog.Logger) {
	if r := recover(); r != nil {
		log.Error("chat handler panic", "panic", fmt.Sprint(r))
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}
