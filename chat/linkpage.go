package chat

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"
)

// LinkPage is the web page a link mail points to. GET shows what will be
// linked and a button; only the POST that button sends links the account
// (mail scanners that open links must not spend them). It is bilingual:
// the token carries no language. Mount it at the LinkPageURL's path.
type LinkPage struct {
	Signer *Signer
	Links  Links
	Server string // as in BotOptions.Server: a token of another server is refused
	Now    func() time.Time
	Log    *slog.Logger
}

var linkTmpl = template.Must(template.New("link").Parse(`<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>roomgate</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:2em auto;padding:0 1em;line-height:1.5}
button{font-size:1.1em;padding:.5em 1.5em}p.en{color:#444}</style></head><body>
{{if eq .State "ask"}}<h1>Lier votre compte · Link your account</h1>
<p>Lier le compte de discussion « {{.Claim.User}} » à l'adresse <strong>{{.Claim.Address}}</strong> pour réserver la salle Zoom par commande ?</p>
<p class="en" lang="en">Link the chat account “{{.Claim.User}}” to the address <strong>{{.Claim.Address}}</strong> to book the Zoom room by command?</p>
<form method="post"><input type="hidden" name="t" value="{{.Token}}"><button type="submit">Lier · Link</button></form>
{{else if eq .State "done"}}<h1>C'est fait · Done</h1>
<p>Votre compte est lié à {{.Claim.Address}} : les commandes <code>/zoom</code> réservent en votre nom.</p>
<p class="en" lang="en">Your account is linked to {{.Claim.Address}}: <code>/zoom</code> commands book in your name.</p>
{{else if eq .State "expired"}}<h1>Lien expiré · Link expired</h1>
<p>Redemandez-en un avec <code>/zoom lier votre.adresse</code>.</p><p class="en" lang="en">Ask for a new one with <code>/zoom link your.address</code>.</p>
{{else if eq .State "used"}}<h1>Lien déjà utilisé · Link already used</h1>
<p>Ce lien a déjà servi.</p><p class="en" lang="en">This link was used before.</p>
{{else if eq .State "error"}}<h1>Erreur · Error</h1><p>Réessayez dans un moment.</p><p class="en" lang="en">Try again in a moment.</p>
{{else}}<h1>Lien non valable · Invalid link</h1><p>Ce lien n'est pas valable.</p><p class="en" lang="en">This link is not valid.</p>{{end}}
</body></html>
`))

type linkView struct {
	State string // ask, done, expired, used, invalid, error
	Claim LinkClaim
	Token string
}

func (p *LinkPage) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

func (p *LinkPage) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

// ServeHTTP implements http.Handler.
func (p *LinkPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	token := r.URL.Query().Get("t")
	if r.Method == http.MethodPost {
		token = r.PostFormValue("t")
	}
	v := p.view(r, token)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(linkStatus(v.State))
	_ = linkTmpl.Execute(w, v)
}

// linkStatus is the HTTP status of a page state.
func linkStatus(state string) int {
	switch state {
	case "ask", "done":
		return http.StatusOK
	case "expired":
		return http.StatusGone
	case "used":
		return http.StatusConflict
	case "error":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

func (p *LinkPage) view(r *http.Request, token string) linkView {
	c, err := p.Signer.ReadLink(token, p.now())
	switch {
	case errors.Is(err, ErrTokenExpired):
		return linkView{State: "expired"}
	case err != nil || c.Server != p.Server:
		return linkView{State: "invalid"}
	case r.Method == http.MethodGet:
		return linkView{State: "ask", Claim: c, Token: token}
	}
	err = p.Links.Link(r.Context(), c, p.now())
	switch {
	case errors.Is(err, ErrUsed):
		return linkView{State: "used"}
	case err != nil:
		p.log().Error("chat link not recorded", "chat_user", c.User, "err", err)
		return linkView{State: "error"}
	}
	p.log().Info("chat account linked", "chat_user", c.User, "address", c.Address)
	return linkView{State: "done", Claim: c}
}
