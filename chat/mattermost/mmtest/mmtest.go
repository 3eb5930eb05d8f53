// Package mmtest is an in-process fake of the parts of a Mattermost
// server that roomgate uses, for tests: the REST API v4 calls of a bot,
// and Mattermost's side of a custom slash command and of message buttons
// (it POSTs to roomgate's handlers as the server would).
//
// It follows the API reference (mattermost/mattermost-api-reference
// v4/source/channels.yaml, posts.yaml, definitions.yaml) and the
// developer documentation on custom slash commands and interactive
// messages. Where it differs from a real server:
//   - one team, one bot token, no sessions, users or roles: a request with
//     another token is 401; permissions are two switches (Member: the bot
//     is in the channel, else 403 on it; Ephemeral: the bot may create
//     ephemeral posts, else 403, as for any non-admin);
//   - AppError bodies carry id, message, detailed_error, request_id and
//     status_code, with the ids of the real server for the cases modelled
//     (session expired, invalid body, channel header too long, not found,
//     permissions); other validations of the real server are not made;
//   - a channel patch updates the header only (name, display_name and
//     purpose are ignored) and posts no "header changed" system message;
//   - posts are kept in order but get no create_at, and are not returned
//     by any GET; attachments are stored as sent, not normalised;
//   - response URLs (/hooks/commands/ID) accept any number of answers
//     (the real server takes five within 30 minutes);
//   - Down makes every API call hang until the client gives up, instead
//     of a refused connection or a 502 from a proxy.
package mmtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"unicode/utf8"
)

// HeaderMax is the server's limit on a channel header, in runes
// (model.ChannelHeaderMaxRunes).
const HeaderMax = 1024

// PostMax is the server's limit on a post's message, in runes.
const PostMax = 16383

// Post is a post the fake received (a post, an ephemeral post, or an
// answer to a response URL).
type Post struct {
	ChannelID string
	UserID    string // for ephemeral posts
	Message   string
	Props     map[string]any
	Raw       json.RawMessage
}

// Server is the fake. Its fields may be changed between requests under
// Lock.
type Server struct {
	*httptest.Server
	// BotToken is the bot's personal access token.
	BotToken string

	mu        sync.Mutex
	headers   map[string]string // channel ID → header
	member    bool
	ephemeral bool
	down      bool
	stop      chan struct{}
	posts     []Post
	ephem     []Post
	answers   []Post
	calls     int
}

// New starts a fake with one channel, an empty header, the bot a member
// of it, ephemeral posts forbidden.
func New(botToken, channelID string) *Server {
	s := &Server{BotToken: botToken, headers: map[string]string{channelID: ""}, member: true, stop: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/channels/{id}", s.api(s.getChannel))
	mux.HandleFunc("PUT /api/v4/channels/{id}/patch", s.api(s.patchChannel))
	mux.HandleFunc("POST /api/v4/posts", s.api(s.createPost))
	mux.HandleFunc("POST /api/v4/posts/ephemeral", s.api(s.createEphemeral))
	mux.HandleFunc("POST /hooks/commands/{id}", s.responseURL)
	s.Server = httptest.NewServer(mux)
	return s
}

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	s.Server.Close()
}

// SetDown makes the API hang (true) or answer again (false).
func (s *Server) SetDown(down bool) { s.mu.Lock(); s.down = down; s.mu.Unlock() }

// SetMember says whether the bot is a member of the channels.
func (s *Server) SetMember(m bool) { s.mu.Lock(); s.member = m; s.mu.Unlock() }

// SetEphemeral gives the bot create_post_ephemeral (a system admin's).
func (s *Server) SetEphemeral(e bool) { s.mu.Lock(); s.ephemeral = e; s.mu.Unlock() }

// SetHeader sets a channel's header as a person would.
func (s *Server) SetHeader(channelID, h string) { s.mu.Lock(); s.headers[channelID] = h; s.mu.Unlock() }

// Header returns a channel's header.
func (s *Server) Header(channelID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.headers[channelID]
}

// Posts returns a copy of the posts created.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Ephemeral returns a copy of the ephemeral posts created.
func (s *Server) Ephemeral() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.ephem...)
}

// Answers returns a copy of the answers POSTed to response URLs.
func (s *Server) Answers() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.answers...)
}

// Calls counts the authenticated API calls answered.
func (s *Server) Calls() int { s.mu.Lock(); defer s.mu.Unlock(); return s.calls }

// ResponseURL is a response URL on this server, as a slash command gives.
func (s *Server) ResponseURL() string { return s.URL + "/hooks/commands/" + newID() }

// appError writes an AppError (definitions.yaml) with the real server's id.
func appError(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "message": msg, "detailed_error": "",
		"request_id": newID(), "status_code": status})
}

// api checks the bot's token ("Authorization: Bearer"), hangs when down,
// then runs h.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.down
		s.mu.Unlock()
		if down {
			select {
			case <-r.Context().Done():
			case <-s.stop:
			}
			return
		}
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || tok != s.BotToken {
			appError(w, http.StatusUnauthorized, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
			return
		}
		s.mu.Lock()
		s.calls++
		s.mu.Unlock()
		h(w, r)
	}
}

// channelFor checks the path's channel: 404 unknown, 403 not a member.
func (s *Server) channelFor(w http.ResponseWriter, id string) bool {
	s.mu.Lock()
	_, ok := s.headers[id]
	member := s.member
	s.mu.Unlock()
	if !ok {
		appError(w, http.StatusNotFound, "app.channel.get.existing.app_error", "Unable to find the existing channel.")
		return false
	}
	if !member {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return false
	}
	return true
}

func (s *Server) writeChannel(w http.ResponseWriter, status int, id string) {
	s.mu.Lock()
	h := s.headers[id]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "team_id": "team", "type": "O", "display_name": "Zoom",
		"name": "zoom", "header": h, "purpose": ""})
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	if id := r.PathValue("id"); s.channelFor(w, id) {
		s.writeChannel(w, http.StatusOK, id)
	}
}

func (s *Server) patchChannel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !s.channelFor(w, id) {
		return
	}
	var p struct {
		Header *string `json:"header"`
	}
	if json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p) != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing channel in request body.")
		return
	}
	if p.Header != nil {
		if utf8.RuneCountInString(*p.Header) > HeaderMax {
			appError(w, http.StatusBadRequest, "model.channel.is_valid.header.app_error", "Invalid header.")
			return
		}
		s.SetHeader(id, *p.Header)
	}
	s.writeChannel(w, http.StatusOK, id)
}

// readPost decodes a post body and checks channel and message.
func (s *Server) readPost(w http.ResponseWriter, raw []byte, into *Post) bool {
	var p struct {
		ChannelID *string        `json:"channel_id"`
		Message   *string        `json:"message"`
		Props     map[string]any `json:"props"`
	}
	if json.Unmarshal(raw, &p) != nil || p.ChannelID == nil || p.Message == nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
		return false
	}
	if utf8.RuneCountInString(*p.Message) > PostMax {
		appError(w, http.StatusBadRequest, "model.post.is_valid.message_length.app_error", "Invalid message length.")
		return false
	}
	if !s.channelFor(w, *p.ChannelID) {
		return false
	}
	*into = Post{ChannelID: *p.ChannelID, Message: *p.Message, Props: p.Props}
	return true
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var p Post
	if !s.readPost(w, raw, &p) {
		return
	}
	p.Raw = raw
	s.mu.Lock()
	s.posts = append(s.posts, p)
	s.mu.Unlock()
	writeCreated(w, p)
}

func (s *Server) createEphemeral(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	allowed := s.ephemeral
	s.mu.Unlock()
	if !allowed {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var e struct {
		UserID string          `json:"user_id"`
		Post   json.RawMessage `json:"post"`
	}
	var p Post
	if json.Unmarshal(raw, &e) != nil || e.UserID == "" || !s.readPost(w, e.Post, &p) {
		if e.UserID == "" {
			appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing user_id in request body.")
		}
		return
	}
	p.UserID, p.Raw = e.UserID, raw
	s.mu.Lock()
	s.ephem = append(s.ephem, p)
	s.mu.Unlock()
	writeCreated(w, p)
}

func writeCreated(w http.ResponseWriter, p Post) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": newID(), "channel_id": p.ChannelID, "message": p.Message, "props": p.Props})
}

// responseURL takes a delayed answer to a slash command (JSON or text).
func (s *Server) responseURL(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var a struct {
		Text string `json:"text"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && json.Unmarshal(raw, &a) != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.answers = append(s.answers, Post{Message: a.Text, Raw: raw})
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// newID is a 26-character id like model.NewId's.
func newID() string {
	var b [13]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%.26s", hex.EncodeToString(b[:]))
}
