package zoomtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Scopes, as a route accepts them: the classic name of Zoom's references
// ("Scopes: meeting:write:admin meeting:write") and the granular one of
// newer apps. Granular names other than meeting:write:meeting:admin (on
// https://developers.zoom.us/docs/isv/workflows/create-meeting/) are not
// verified.
var (
	scopeUserRead       = []string{"user:read:admin", "user:read:user:admin"}
	scopeMeetingRead    = []string{"meeting:read:admin", "meeting:read:meeting:admin"}
	scopeMeetingWrite   = []string{"meeting:write:admin", "meeting:write:meeting:admin"}
	scopeRecordingRead  = []string{"recording:read:admin", "cloud_recording:read:list_recording_files:admin"}
	scopeRecordingWrite = []string{"recording:write:admin", "cloud_recording:delete:recording_file:admin"}
	scopeReportRead     = []string{"report:read:admin", "report:read:list_meeting_participants:admin"}
)

// AllScopes are the classic admin scopes roomgate needs.
var AllScopes = []string{"user:read:admin", "meeting:read:admin", "meeting:write:admin",
	"recording:read:admin", "recording:write:admin", "report:read:admin"}

// token is POST /oauth/token with grant_type=account_credentials
// (https://developers.zoom.us/docs/rooms/oauth/): HTTP Basic
// client_id:client_secret, grant_type and account_id in the query or an
// x-www-form-urlencoded body. The answer is {"access_token", "token_type":
// "bearer", "expires_in", "scope"}. Refusal bodies follow RFC 6749 §5.2
// ({"error"}) with Zoom's "reason" as Zoom clients read it; their exact
// text is not verified.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.opt.ClientID || secret != s.opt.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
		return
	}
	_ = r.ParseForm() // merges the query and the form body
	if r.Form.Get("grant_type") != "account_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"reason": "unsupported grant type", "error": "unsupported_grant_type"})
		return
	}
	if r.Form.Get("account_id") != s.opt.AccountID {
		writeJSON(w, http.StatusBadRequest, map[string]string{"reason": "Invalid account_id", "error": "invalid_request"})
		return
	}
	s.mu.Lock()
	tok := "fake-at-" + randomHex(16)
	scopes := append([]string(nil), s.opt.Scopes...)
	s.tokens[tok] = issued{expires: s.now().Add(s.opt.TokenTTL), scopes: scopes}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer",
		"expires_in": int(s.opt.TokenTTL.Seconds()), "scope": strings.Join(scopes, " ")})
}

// authorize lets through a request whose bearer token is valid and holds
// one of scopes. Zoom refuses a token in the query since 14 Feb 2023 (code
// 124, https://developers.zoom.us/blog/access-token-change-faq/), an
// invalid or expired one with 401 code 124, a missing scope with code 4711
// "Invalid access token, does not contain scopes:[…]" (4700 on the errors
// page; 4711 and HTTP 400 as Zoom answers in the field).
func (s *Server) authorize(scopes []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("access_token") {
			zoomError(w, http.StatusUnauthorized, 124, "Invalid access token, this access token is not supported as query parameter string.")
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		is, known := s.tokens[tok]
		s.mu.Unlock()
		if !ok || !known || !s.now().Before(is.expires) {
			zoomError(w, http.StatusUnauthorized, 124, "Invalid access token.")
			return
		}
		if !slices.ContainsFunc(scopes, func(sc string) bool { return slices.Contains(is.scopes, sc) }) {
			zoomError(w, http.StatusBadRequest, 4711,
				fmt.Sprintf("Invalid access token, does not contain scopes:[%s].", strings.Join(scopes, ", ")))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
