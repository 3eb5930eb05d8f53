// Package rctest is an in-process fake of the parts of a Rocket.Chat
// server that roomgate uses: the REST API v1 calls of a bot, and the
// server's side of an outgoing integration (it POSTs to roomgate's
// handler as the server would, and posts the answer).
//
// It follows Rocket.Chat's REST API documentation (developer.rocket.chat:
// Post Message, Set Channel Topic, Set Group Topic, channels.info) and the
// server's triggerHandler.ts for outgoing integrations. Where it differs
// from a real server:
//   - one bot (user ID and token); another pair is 401 {"status":
//     "error", "message": "You must be logged in to do this."}; there are
//     no other users, roles or permissions (edit-room is assumed);
//   - rooms are IDs only: no names, "#name" channels or "@user" targets
//     in chat.postMessage; a public channel asked through groups.* (or a
//     group through channels.*) is 400, as the real server says the room
//     is not of that type;
//   - no limit on a topic's length is enforced (the documentation names
//     none, unlike Mattermost's 1,024 for a header);
//   - posts are kept as sent (text and attachments), without the
//     message object's other fields beyond _id, rid and msg;
//   - Send runs the integration synchronously, once, without its script
//     engine, retries or history, and posts a 2xx JSON answer holding
//     text or attachments, as the default processing does;
//   - Down makes every API call hang until the client gives up.
package rctest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Post is a message the fake received or posted.
type Post struct {
	RoomID      string
	Text        string
	Attachments []map[string]any
	FromBot     bool // posted by the integration's answer
}

// Server is the fake.
type Server struct {
	*httptest.Server
	UserID, Token string

	mu     sync.Mutex
	topics map[string]string // room ID → topic
	ann    map[string]string
	groups map[string]bool // private groups
	down   bool
	stop   chan struct{}
	posts  []Post
}

// New starts a fake with one public channel and one private group.
func New(userID, token, channelID, groupID string) *Server {
	s := &Server{UserID: userID, Token: token, topics: map[string]string{channelID: "", groupID: ""},
		ann: map[string]string{}, groups: map[string]bool{groupID: true}, stop: make(chan struct{})}
	mux := http.NewServeMux()
	for _, kind := range []string{"channels", "groups"} {
		mux.HandleFunc("GET /api/v1/"+kind+".info", s.api(kind, s.info))
		mux.HandleFunc("POST /api/v1/"+kind+".setTopic", s.api(kind, s.setTopic))
		mux.HandleFunc("POST /api/v1/"+kind+".setAnnouncement", s.api(kind, s.setAnnouncement))
	}
	mux.HandleFunc("POST /api/v1/chat.postMessage", s.api("", s.postMessage))
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

// SetDown makes the API hang (true) or answer again.
func (s *Server) SetDown(d bool) { s.mu.Lock(); s.down = d; s.mu.Unlock() }

// Topic returns a room's topic.
func (s *Server) Topic(room string) string { s.mu.Lock(); defer s.mu.Unlock(); return s.topics[room] }

// SetTopic sets a room's topic as a person would.
func (s *Server) SetTopic(room, t string) { s.mu.Lock(); s.topics[room] = t; s.mu.Unlock() }

// Announcement returns a room's announcement.
func (s *Server) Announcement(room string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ann[room]
}

// Posts returns a copy of the messages posted.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

type handler func(w http.ResponseWriter, r *http.Request, kind string)

func (s *Server) api(kind string, h handler) http.HandlerFunc {
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
		if r.Header.Get("X-User-Id") != s.UserID || r.Header.Get("X-Auth-Token") != s.Token || s.Token == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"status": "error", "message": "You must be logged in to do this."})
			return
		}
		h(w, r, kind)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, msg, typ string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "error": msg + " [" + typ + "]", "errorType": typ})
}

// room checks that id is a room of the endpoint's kind.
func (s *Server) room(w http.ResponseWriter, kind, id string) bool {
	s.mu.Lock()
	_, ok := s.topics[id]
	private := s.groups[id]
	s.mu.Unlock()
	if id == "" {
		fail(w, `The parameter "roomId" or "roomName" is required`, "error-roomid-param-not-provided")
		return false
	}
	if !ok || (kind == "groups") != private {
		fail(w, "The required \"roomId\" or \"roomName\" param provided does not match any "+kind[:len(kind)-1], "error-room-not-found")
		return false
	}
	return true
}

func (s *Server) info(w http.ResponseWriter, r *http.Request, kind string) {
	id := r.URL.Query().Get("roomId")
	if !s.room(w, kind, id) {
		return
	}
	key := map[string]string{"channels": "channel", "groups": "group"}[kind]
	t := map[string]string{"channels": "c", "groups": "p"}[kind]
	writeJSON(w, http.StatusOK, map[string]any{key: map[string]any{"_id": id, "t": t, "name": "zoom", "topic": s.Topic(id),
		"announcement": s.Announcement(id)}, "success": true})
}

func readBody(r *http.Request, v any) bool {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v) == nil
}

func (s *Server) setTopic(w http.ResponseWriter, r *http.Request, kind string) {
	var b struct {
		RoomID string  `json:"roomId"`
		Topic  *string `json:"topic"`
	}
	if !readBody(r, &b) || !s.room(w, kind, b.RoomID) {
		return
	}
	if b.Topic == nil {
		fail(w, `The bodyParam "topic" is required`, "error-invalid-params")
		return
	}
	s.SetTopic(b.RoomID, *b.Topic)
	writeJSON(w, http.StatusOK, map[string]any{"topic": *b.Topic, "success": true})
}

func (s *Server) setAnnouncement(w http.ResponseWriter, r *http.Request, kind string) {
	var b struct {
		RoomID       string  `json:"roomId"`
		Announcement *string `json:"announcement"`
	}
	if !readBody(r, &b) || !s.room(w, kind, b.RoomID) {
		return
	}
	if b.Announcement == nil {
		fail(w, `The bodyParam "announcement" is required`, "error-invalid-params")
		return
	}
	s.mu.Lock()
	s.ann[b.RoomID] = *b.Announcement
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"announcement": *b.Announcement, "success": true})
}

type message struct {
	RoomID      string           `json:"roomId"`
	Channel     string           `json:"channel"`
	Text        string           `json:"text"`
	Attachments []map[string]any `json:"attachments"`
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, _ string) {
	var m message
	if !readBody(r, &m) {
		fail(w, "Invalid body", "error-invalid-params")
		return
	}
	room := m.RoomID
	if room == "" {
		room = m.Channel
	}
	s.mu.Lock()
	_, ok := s.topics[room]
	if ok {
		s.posts = append(s.posts, Post{RoomID: room, Text: m.Text, Attachments: m.Attachments})
	}
	s.mu.Unlock()
	if !ok {
		fail(w, "The channel does not exist", "error-channel-not-found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ts": time.Now().UnixMilli(), "channel": room,
		"message": map[string]any{"_id": newID(), "rid": room, "msg": m.Text}, "success": true})
}

// Message is a message a user sends in a room that an outgoing
// integration watches.
type Message struct {
	URL         string // the integration's URL
	Token       string // the integration's token
	TriggerWord string // the word it matched ("" when none)
	RoomID      string
	UserID      string
	UserName    string
	Text        string
	Bot         bool
}

// Send runs the outgoing integration for m as the server does: a JSON
// POST of the sendMessage data; a 2xx application/json answer with text
// or attachments is posted in the room. It returns the answer's status
// and the post made, if any.
func (s *Server) Send(m Message) (int, *Post, error) {
	data := map[string]any{"token": m.Token, "bot": m.Bot, "channel_id": m.RoomID, "channel_name": "zoom",
		"message_id": newID(), "timestamp": time.Now().UTC().Format(time.RFC3339), "user_id": m.UserID,
		"user_name": m.UserName, "text": m.Text, "siteUrl": s.URL}
	if m.TriggerWord != "" {
		data["trigger_word"] = m.TriggerWord
	}
	b, _ := json.Marshal(data)
	resp, err := http.Post(m.URL, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out message
	ct := strings.Split(resp.Header.Get("Content-Type"), ";")[0]
	if resp.StatusCode/100 != 2 || ct != "application/json" || json.Unmarshal(raw, &out) != nil ||
		(out.Text == "" && len(out.Attachments) == 0) {
		return resp.StatusCode, nil, nil
	}
	p := Post{RoomID: m.RoomID, Text: out.Text, Attachments: out.Attachments, FromBot: true}
	s.mu.Lock()
	s.posts = append(s.posts, p)
	s.mu.Unlock()
	return resp.StatusCode, &p, nil
}

func newID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])[:17]
}
