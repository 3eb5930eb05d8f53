package mmtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// TokenIn says where Mattermost's side puts a slash command's token.
type TokenIn int

// Where a command's token goes.
const (
	TokenBoth   TokenIn = iota // form field and Authorization header, as Mattermost does
	TokenForm                  // form field only (older servers)
	TokenHeader                // header only
	TokenNone                  // none
)

// Command is a slash command as a user types it.
type Command struct {
	Token     string
	In        TokenIn
	UserID    string
	UserName  string
	ChannelID string
	Text      string
}

// Answer is what roomgate answered, decoded.
type Answer struct {
	Status       int
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
	Attachments  []struct {
		Actions []struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			Integration struct {
				URL     string            `json:"url"`
				Context map[string]string `json:"context"`
			} `json:"integration"`
		} `json:"actions"`
	} `json:"attachments"`
	EphemeralText string `json:"ephemeral_text"`
}

// RunCommand POSTs the command to roomgate's request URL as Mattermost
// does (a form, "Authorization: Token TOKEN"; custom slash commands).
func (s *Server) RunCommand(requestURL string, c Command) (Answer, error) {
	form := url.Values{"channel_id": {c.ChannelID}, "channel_name": {"zoom"}, "command": {"/zoom"},
		"response_url": {s.ResponseURL()}, "team_domain": {"coop"}, "team_id": {"team"}, "text": {c.Text},
		"trigger_id": {newID()}, "user_id": {c.UserID}, "user_name": {c.UserName}}
	if c.In == TokenBoth || c.In == TokenForm {
		form.Set("token", c.Token)
	}
	req, err := http.NewRequest(http.MethodPost, requestURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.In == TokenBoth || c.In == TokenHeader {
		req.Header.Set("Authorization", "Token "+c.Token)
	}
	return do(req)
}

// Click POSTs a button click to its integration URL as Mattermost does
// (interactive messages: user_id, post_id, channel_id, team_id, context).
func (s *Server) Click(integrationURL, userID string, context map[string]string) (Answer, error) {
	b, err := json.Marshal(map[string]any{"user_id": userID, "post_id": newID(), "channel_id": "channel",
		"team_id": "team", "context": context})
	if err != nil {
		return Answer{}, err
	}
	req, err := http.NewRequest(http.MethodPost, integrationURL, bytes.NewReader(b))
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(req)
}

func do(req *http.Request) (Answer, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Status: resp.StatusCode}
	if resp.StatusCode == http.StatusOK {
		err = json.Unmarshal(b, &a)
	}
	return a, err
}
