// Package galenetest is a fake of Galène's administrative API for tests,
// written from jech/galene galene-api.md and the behaviour
// webserver/api.go and webserver/api_test.go show: groups at
// /galene-api/v0/.groups/NAME/ (PUT with If-None-Match: * answers 201,
// then 412 once the group exists; DELETE 204), stateful tokens at
// .groups/NAME/.tokens/ (GET lists their names; POST refuses a body
// naming "token" or "group" with 400, else answers 201 with the new
// token's name in Location; GET .tokens/T answers the token without
// "token" and "group"; DELETE 204), JSON bodies only
// (415 otherwise), HTTP Basic for an administrator or a bearer token,
// 401 otherwise.
//
// Where it differs from Galène:
//   - groups and tokens live in memory; a group definition keeps only
//     displayName, not-before and expires (other fields are accepted and
//     dropped);
//   - ETags are a counter, and If-Match is not supported on tokens;
//   - PUT of a token, .keys, .users, passwords and .stats are not
//     served (404);
//   - error bodies are the fake's own text.
package galenetest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configures a Server. Give User and Password, or Token.
type Options struct {
	User, Password string
	Token          string
}

// Group is a group as the fake holds it.
type Group struct {
	DisplayName string     `json:"displayName,omitempty"`
	NotBefore   *time.Time `json:"not-before,omitempty"`
	Expires     *time.Time `json:"expires,omitempty"`
	etag        int
}

// Token is a stateful token (jech/galene token/stateful.go).
type Token struct {
	Token       string     `json:"token,omitempty"`
	Group       string     `json:"group,omitempty"`
	Username    *string    `json:"username,omitempty"`
	Permissions []string   `json:"permissions"`
	Expires     *time.Time `json:"expires"`
	NotBefore   *time.Time `json:"not-before,omitempty"`
	IssuedBy    *string    `json:"issuedBy,omitempty"`
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	o      Options
	mu     sync.Mutex
	groups map[string]*Group
	tokens map[string]*Token
	calls  []string
	fail   map[string][2]int // request → {countdown, status}
}

// New starts a fake server; Close stops it.
func New(o Options) *Server {
	s := &Server{o: o, groups: map[string]*Group{}, tokens: map[string]*Token{}, fail: map[string][2]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Group returns a copy of the group name.
func (s *Server) Group(name string) (Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[name]
	if !ok {
		return Group{}, false
	}
	return *g, true
}

// Tokens returns copies of the group's tokens.
func (s *Server) Tokens(group string) []Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Token
	for _, t := range s.tokens {
		if t.Group == group {
			out = append(out, *t)
		}
	}
	return out
}

// Calls are the requests so far, as "METHOD PATH".
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// FailNth makes the nth next request "METHOD PATH" (1: the next one)
// answer status.
func (s *Server) FailNth(methodPath string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[methodPath] = [2]int{n, status}
}

const prefix = "/galene-api/v0/.groups/"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, r.Method+" "+r.URL.Path)
	if !s.authorised(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="/galene-api/"`)
		http.Error(w, "Haha!", http.StatusUnauthorized)
		return
	}
	if f, ok := s.fail[r.Method+" "+r.URL.Path]; ok {
		if f[0]--; f[0] > 0 {
			s.fail[r.Method+" "+r.URL.Path] = f
		} else {
			delete(s.fail, r.Method+" "+r.URL.Path)
			http.Error(w, "injected failure", f[1])
			return
		}
	}
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	name, sub, _ := strings.Cut(rest, "/")
	switch {
	case name == "" || strings.HasPrefix(name, "."):
		http.NotFound(w, r)
	case sub == "":
		s.group(w, r, name)
	case sub == ".tokens/":
		s.tokenList(w, r, name)
	case strings.HasPrefix(sub, ".tokens/"):
		s.token(w, r, name, strings.TrimPrefix(sub, ".tokens/"))
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) authorised(r *http.Request) bool {
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	if u, p, ok := r.BasicAuth(); ok {
		return s.o.User != "" && eq(u, s.o.User) && eq(p, s.o.Password)
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return s.o.Token != "" && eq(t, s.o.Token)
	}
	return false
}

func (s *Server) group(w http.ResponseWriter, r *http.Request, name string) {
	g, exists := s.groups[name]
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if !exists {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, g.etag))
		sendJSON(w, g)
	case http.MethodPut:
		if r.Header.Get("If-None-Match") == "*" && exists {
			http.Error(w, "precondition failed", http.StatusPreconditionFailed)
			return
		}
		var ng Group
		if !readJSON(w, r, &ng) {
			return
		}
		if exists {
			ng.etag = g.etag + 1
			s.groups[name] = &ng
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.groups[name] = &ng
		w.WriteHeader(http.StatusCreated)
	case http.MethodDelete:
		if !exists {
			http.NotFound(w, r)
			return
		}
		delete(s.groups, name)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "HEAD, GET, PUT, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) tokenList(w http.ResponseWriter, r *http.Request, group string) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		names := []string{}
		for n, t := range s.tokens {
			if t.Group == group {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		sendJSON(w, names)
	case http.MethodPost:
		var t Token
		if !readJSON(w, r, &t) {
			return
		}
		if t.Token != "" || t.Group != "" {
			http.Error(w, "overspecified token", http.StatusBadRequest)
			return
		}
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		t.Token, t.Group = base64.RawURLEncoding.EncodeToString(b), group
		s.tokens[t.Token] = &t
		w.Header().Set("Location", t.Token)
		w.WriteHeader(http.StatusCreated)
	default:
		w.Header().Set("Allow", "HEAD, GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, group, name string) {
	t, ok := s.tokens[name]
	if !ok || t.Group != group {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		c := *t
		c.Token, c.Group = "", ""
		sendJSON(w, c)
	case http.MethodDelete:
		delete(s.tokens, name)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "HEAD, GET, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.EqualFold(ct, "application/json") {
		w.Header().Set("Accept", "application/json")
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
		return false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return false
	}
	return true
}

func sendJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
