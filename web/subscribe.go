package web

import (
	htmltemplate "html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// subscribeView is what the agenda's "subscribe" section shows: the full
// addresses a calendar app needs, with the members' token.
type subscribeView struct {
	Base string // "https://rooms.coop.example" (with a path prefix, if any)
	Feed string // https://…/agenda.ics?token=…
	// Webcal is webcal://…/agenda.ics?token=…, which opens the calendar
	// app. html/template lets no unknown scheme through: it is marked
	// safe, being made of a validated host and path and an escaped query.
	Webcal   htmltemplate.URL
	FreeBusy string // https://…/freebusy.ics?token=…
	Outlook  string // https://…/freebusy/%NAME%@%SERVER%.vfb?token=…
	query    string // token=…
}

// subscribe builds the subscription addresses as the member reached the
// page: the scheme and host the reverse proxy says (X-Forwarded-Proto,
// X-Forwarded-Host, X-Forwarded-Prefix) or the request's own. They carry
// the members' token, which calendar apps can only send in the URL; the
// operator's token is never put there.
func (s *Server) subscribe(r *http.Request) subscribeView {
	base := baseURL(r)
	q := url.Values{"token": {s.opt.Token}}.Encode()
	v := subscribeView{Base: base, query: q}
	v.Feed = base + "/agenda.ics?" + q
	v.Webcal = htmltemplate.URL("webcal://" + strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://") + "/agenda.ics?" + q)
	v.FreeBusy = base + "/freebusy.ics?" + q
	v.Outlook = base + "/freebusy/%NAME%@%SERVER%.vfb?" + q
	return v
}

// baseURL is the scheme, host and path prefix the request came through.
// Values that do not look like a scheme, a host or a path are ignored.
func baseURL(r *http.Request) string {
	host := r.Host
	if h := firstValue(r.Header.Get("X-Forwarded-Host")); validHost(h) {
		host = h
	}
	if !validHost(host) {
		host = "localhost"
	}
	scheme := "https"
	switch p := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); {
	case p == "http" || p == "https":
		scheme = p
	case r.TLS == nil && isLoopbackHost(host):
		scheme = "http"
	}
	prefix := strings.TrimRight(firstValue(r.Header.Get("X-Forwarded-Prefix")), "/")
	if !validPrefix(prefix) {
		prefix = ""
	}
	return scheme + "://" + host + prefix
}

func firstValue(v string) string {
	v, _, _ = strings.Cut(v, ",")
	return strings.TrimSpace(v)
}

// validHost accepts a host name or address with an optional port.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return false
		}
	}
	return true
}

// validPrefix accepts "" or a plain path such as "/salles".
func validPrefix(p string) bool {
	if p == "" {
		return true
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || len(p) > 200 {
		return false
	}
	for _, c := range p {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/-_.~", c)) {
			return false
		}
	}
	return true
}

func isLoopbackHost(hostport string) bool {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}
