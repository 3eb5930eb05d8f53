package rocketchat

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

// Commander answers commands; *chat.Bot is one.
type Commander interface {
	Command(ctx context.Context, r chat.Request) chat.Message
}

// payload is what an outgoing integration POSTs for a sent message
// (triggerHandler.ts, IntegrationData, event sendMessage), as JSON.
type payload struct {
	Token       string `json:"token"`
	Bot         bool   `json:"bot"`
	TriggerWord string `json:"trigger_word"`
	ChannelID   string `json:"channel_id"`
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	Text        string `json:"text"`
}

const maxBody = 64 << 10

// DefaultAnswerTime bounds the work behind an answer.
const DefaultAnswerTime = 5 * time.Second

// OutgoingHandler serves the outgoing integration's URL. Rocket.Chat
// POSTs JSON whose token field is the integration's token (checked in
// constant time); a message from a bot (roomgate's own answers among
// them) is ignored. The answer {"text", "attachments"} with status 200
// and Content-Type application/json is posted in the room by the
// integration's "Post as" user: in the room, for everyone there.
type OutgoingHandler struct {
	Token  string
	Client *Client
	Bot    Commander
	Log    *slog.Logger
	// AnswerTime bounds the command's work (DefaultAnswerTime when 0).
	AnswerTime time.Duration
}

// ServeHTTP implements http.Handler.
func (h *OutgoingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			h.log().Error("chat handler panic", "panic", fmt.Sprint(v))
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		http.Error(w, "JSON is expected", http.StatusUnsupportedMediaType)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	var p payload
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if len(h.Token) < 16 || !equalSecret(p.Token, h.Token) {
		h.log().Warn("rocketchat integration refused: wrong or missing token", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	h.answer(w, r, p)
}

func (h *OutgoingHandler) answer(w http.ResponseWriter, r *http.Request, p payload) {
	text, ok := h.command(p)
	if p.Bot || !ok {
		writeJSON(w, struct{}{}) // nothing to post
		return
	}
	if !userID(p.UserID) || !utf8.ValidString(p.UserName) || len(p.UserName) > 64 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.answerTime())
	defer cancel()
	m := h.Bot.Command(ctx, chat.Request{UserID: p.UserID, UserName: p.UserName, Text: text})
	writeJSON(w, h.Client.Body(m))
}

// command strips the trigger word from the message's start; ok false
// when the message does not start with it.
func (h *OutgoingHandler) command(p payload) (string, bool) {
	trigger := h.Client.opt.Trigger
	t := strings.TrimSpace(p.Text)
	if len(t) < len(trigger) || !strings.EqualFold(t[:len(trigger)], trigger) {
		return "", false
	}
	rest := t[len(trigger):]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\n' {
		return "", false // "zoomer" is not "zoom"
	}
	if len(rest) > chat.MaxCommand {
		rest = rest[:chat.MaxCommand+1] // Parse refuses it, saying why
	}
	return rest, true
}

func (h *OutgoingHandler) answerTime() time.Duration {
	if h.AnswerTime <= 0 {
		return DefaultAnswerTime
	}
	return h.AnswerTime
}

func (h *OutgoingHandler) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}

// userID reports a Rocket.Chat ID: letters and digits (Meteor's 17).
func userID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func equalSecret(a, b string) bool {
	x, y := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
