package main

import (
	"net"
	"strings"

	"codeberg.org/opteos/roomgate/web"
)

// HTTPConfig is the [http] section: the web agenda, the calendar feeds, the
// operator pages, /healthz and /metrics, served by `roomgate serve`.
type HTTPConfig struct {
	// Listen is host:port; "" turns the web server off.
	Listen            string `toml:"listen"`
	Token             string `toml:"token"`
	TokenFile         string `toml:"token_file"`
	OperatorToken     string `toml:"operator_token"`
	OperatorTokenFile string `toml:"operator_token_file"`
	// Show is what members see of other people's bookings: titles or busy.
	Show string `toml:"show"`
	// PublicURL is the address people reach the server at (behind a
	// reverse proxy, say), for the links roomgate mails: the
	// facilitators' approval links, Zoom API mode's start and recordings
	// links.
	PublicURL string `toml:"public_url"`
}

// minTokenLen is the shortest token accepted: tokens travel in URLs that
// calendar apps poll, so they must not be guessable.
const minTokenLen = 16

func (h *HTTPConfig) setDefaults() {
	if strings.TrimSpace(h.Show) == "" {
		h.Show = web.ShowTitles
	}
}

// validate checks the section; the tokens are only required when the web
// server is on.
func (h *HTTPConfig) validate(bad func(string, ...any)) {
	if h.Show != web.ShowTitles && h.Show != web.ShowBusy {
		bad("http.show: %q is not titles or busy", h.Show)
	}
	if h.Listen == "" {
		return
	}
	if _, _, err := net.SplitHostPort(h.Listen); err != nil {
		bad("http.listen: %q must be host:port", h.Listen)
	}
	if len(h.Token) < minTokenLen {
		bad("http.token: at least %d characters are required with http.listen (token, token_file or ROOMGATE_HTTP_TOKEN)", minTokenLen)
	}
	if h.OperatorToken != "" && len(h.OperatorToken) < minTokenLen {
		bad("http.operator_token: at least %d characters", minTokenLen)
	}
	if h.OperatorToken != "" && h.OperatorToken == h.Token {
		bad("http.operator_token must differ from http.token")
	}
}
