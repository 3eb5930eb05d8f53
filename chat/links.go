package chat

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Links stores which member address each chat account proved, and the
// nonces of the tokens already spent. roomgate's db.Store implements it
// (migration 0011).
type Links interface {
	// LinkedAddress returns the address linked to the chat account
	// (server, user), or "" when there is none.
	LinkedAddress(ctx context.Context, server, user string) (string, error)
	// Link spends c.Nonce and links (c.Server, c.User) to c.Address at
	// at, replacing an earlier link, in one transaction. It returns
	// ErrUsed when the nonce was already spent.
	Link(ctx context.Context, c LinkClaim, at time.Time) error
	// UseNonce spends a nonce, kept until expires; it returns ErrUsed
	// when it was already spent.
	UseNonce(ctx context.Context, nonce string, expires time.Time) error
}

// LinkMailer sends the mail that carries a link token to a member
// address. roomgate implements it by queueing the mail in its outbox.
type LinkMailer interface {
	MailLink(ctx context.Context, m LinkMail) error
}

// LinkMail is the mail that proves a member address: a plain-text mail,
// in the member's language.
type LinkMail struct {
	To      string
	Lang    string
	Subject string
	Text    string
	URL     string // the confirmation page, also in Text
}

// DefaultLinkTTL is how long a link stays valid.
const DefaultLinkTTL = 24 * time.Hour

func init() {
	for k, v := range map[string][2]string{
		"mail.subject": {"Lier votre compte de discussion à la salle Zoom", "Link your chat account to the Zoom room"},
		"mail.body": {"Bonjour,\n\n" +
			"Quelqu'un, sans doute vous, a demandé dans la discussion de la coopérative (%s, compte « %s ») " +
			"à lier ce compte à votre adresse %s, pour réserver la salle Zoom par commande.\n\n" +
			"Pour confirmer, ouvrez ce lien et appuyez sur « Lier » avant %s :\n\n%s\n\n" +
			"Le lien ne sert qu'une fois. Si vous n'avez rien demandé, ignorez ce message : rien ne sera lié.\n\n" +
			"— Le service des salles Zoom de la coopérative\n",
			"Hello,\n\n" +
				"Someone, probably you, asked in the cooperative's chat (%s, account “%s”) " +
				"to link that account to your address %s, to book the Zoom room by command.\n\n" +
				"To confirm, open this link and press “Link” before %s:\n\n%s\n\n" +
				"The link works once. If you asked for nothing, ignore this mail: nothing will be linked.\n\n" +
				"— The cooperative's Zoom room service\n"},
	} {
		texts[k] = v
	}
}

// ComposeLinkMail writes the mail for a link claim. pageURL is the
// confirmation page (LinkPage); userName the chat user's name, as the
// server gave it; serverName the chat as members know it.
func ComposeLinkMail(c LinkClaim, token, pageURL, userName, serverName, lang string, loc *time.Location) LinkMail {
	if loc == nil {
		loc = time.UTC
	}
	u := strings.TrimRight(pageURL, "/") + "?t=" + url.QueryEscape(token)
	exp := c.Expires.In(loc)
	expires := fmt.Sprintf("%s %s (%s)", longDay(lang, exp), clock(exp), loc.String())
	return LinkMail{To: c.Address, Lang: lang, URL: u, Subject: tr(lang, "mail.subject"),
		Text: tr(lang, "mail.body", plainLine(serverName, 64), plainLine(userName, 64), c.Address, expires, u)}
}
