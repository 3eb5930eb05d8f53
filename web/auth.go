package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// contentSecurityPolicy allows nothing but a page's inline stylesheet, by
// its hash: no script at all, no style attribute, no frames, forms only to
// this site.
func contentSecurityPolicy(css string) string {
	sum := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

// requestToken returns the token a request carries: ?token=… or an
// Authorization: Bearer header. fromQuery tells which, so that links in
// the page carry it on.
func requestToken(r *http.Request) (tok string, fromQuery bool) {
	if t := r.URL.Query().Get("token"); t != "" {
		return t, true
	}
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(cred), false
	}
	return "", false
}

// tokenEqual compares a presented token with the expected one in constant
// time; hashing first hides the expected token's length too.
func tokenEqual(got, want string) bool {
	if want == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// access is what a request may see, once its token is checked.
type access struct {
	operator bool
	// token is the token when it came in the URL, so that links carry it
	// on; "" when it came in a header.
	token string
}

// handlerFunc is a page handler given the request's access.
type handlerFunc func(w http.ResponseWriter, r *http.Request, a access)

// member lets in requests with the member or the operator token.
func (s *Server) member(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, inURL := requestToken(r)
		op := tokenEqual(tok, s.opt.OperatorToken)
		if !op && !tokenEqual(tok, s.opt.Token) {
			unauthorized(w)
			return
		}
		h(w, r, accessFor(tok, inURL, op))
	})
}

// operator lets in requests with the operator token; without one
// configured, the operator pages do not exist.
func (s *Server) operator(h http.HandlerFunc) http.Handler {
	return s.operatorAccess(func(w http.ResponseWriter, r *http.Request, _ access) { h(w, r) })
}

func (s *Server) operatorAccess(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opt.OperatorToken == "" {
			http.NotFound(w, r)
			return
		}
		tok, inURL := requestToken(r)
		if !tokenEqual(tok, s.opt.OperatorToken) {
			unauthorized(w)
			return
		}
		h(w, r, accessFor(tok, inURL, true))
	})
}

func accessFor(tok string, inURL, op bool) access {
	a := access{operator: op}
	if inURL {
		a.token = tok
	}
	return a
}

// unauthorized answers 401 with a Bearer challenge (RFC 6750 §3).
func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="roomgate"`)
	http.Error(w, "401 unauthorized: add ?token=… to the address, or send Authorization: Bearer", http.StatusUnauthorized)
}

// link returns a URL path with the query parameters and the token, if it
// came in the URL.
func (a access) link(path string, q url.Values) string {
	if a.token != "" {
		q = cloneValues(q)
		q.Set("token", a.token)
	}
	s := q.Encode()
	if s == "" {
		return path
	}
	return path + "?" + s
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}
