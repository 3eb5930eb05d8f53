package chat_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/chat/chattest"
)

const server = "mattermost https://chat.coop.example"

// rig is a Bot over the fakes, on a clock the test moves.
type rig struct {
	bot    *chat.Bot
	booker *chattest.Booker
	links  *chattest.Links
	mailer *chattest.Mailer
	signer *chat.Signer
	now    time.Time
	log    *bytes.Buffer
}

func newRig(t *testing.T) *rig {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{now: time.Date(2026, 12, 1, 10, 0, 0, 0, loc), links: chattest.NewLinks(), mailer: &chattest.Mailer{}, log: &bytes.Buffer{}}
	r.booker = &chattest.Booker{Members: []string{"@coop.example"}, DayStart: 8 * time.Hour, DayEnd: 20 * time.Hour,
		MaxDuration: 8 * time.Hour, Now: func() time.Time { return r.now }}
	r.signer, err = chat.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	r.bot, err = chat.NewBot(chat.BotOptions{Server: server, ServerName: "Mattermost", Booker: r.booker, Links: r.links,
		Mailer: r.mailer, Signer: r.signer, LinkPageURL: "https://salles.coop.example/chat/link", Location: loc, Lang: chat.French,
		Now: func() time.Time { return r.now }, Log: slog.New(slog.NewTextHandler(r.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) cmd(t *testing.T, user, text string) chat.Message {
	t.Helper()
	return r.bot.Command(t.Context(), chat.Request{UserID: user, UserName: "anne", Text: text})
}

func wantText(t *testing.T, what string, m chat.Message, want string) {
	t.Helper()
	if plain(m.Text) != want {
		t.Errorf("%s:\n got  %q\n want %q", what, m.Text, want)
	}
}

// TestUnlinkedUser: the free slots are for everyone; booking, listing
// and cancelling answer how to link, and book nothing.
func TestUnlinkedUser(t *testing.T) {
	r := newRig(t)
	unlinked := "Votre compte de discussion n'est lié à aucune adresse de membre. Tapez `/zoom lier votre.adresse@exemple.org` : un lien vous sera envoyé par courriel, ouvrez-le pour confirmer."
	for _, c := range []string{"réserver demain 14h-15h Réunion", "mes réservations", "annuler 1"} {
		wantText(t, c, r.cmd(t, "u1", c), unlinked)
	}
	if m := r.cmd(t, "u1", "libre demain"); !strings.HasPrefix(plain(m.Text), "Créneaux libres demain :") || len(m.Buttons) != 1 {
		t.Errorf("libre: %q, %d buttons", m.Text, len(m.Buttons))
	}
	if len(r.booker.Held()) != 0 {
		t.Errorf("an unlinked user booked: %+v", r.booker.Held())
	}
}

// TestLinkFlow: /zoom lier mails a single-use link to a member's address
// only; GET shows it, POST links; the link works once, and not once
// expired.
func TestLinkFlow(t *testing.T) {
	r := newRig(t)
	sent := "Si anne@coop.example est l'adresse d'un membre, un lien de confirmation vient de lui être envoyé ; il vaut 24 h."
	wantText(t, "lier", r.cmd(t, "u1", "lier anne@coop.example"), sent)
	wantText(t, "again", r.cmd(t, "u1", "lier anne@coop.example"), "Un lien a déjà été demandé il y a peu ; réessayez plus tard.")
	wantText(t, "outsider", r.cmd(t, "u2", "link eve@evil.example"),
		"If eve@evil.example is a member's address, a confirmation link was just mailed to it; it is valid for 24 hours.")
	mails := r.mailer.Sent()
	if len(mails) != 1 || mails[0].To != "anne@coop.example" || mails[0].Lang != chat.French ||
		!strings.Contains(mails[0].Text, mails[0].URL) || !strings.Contains(mails[0].Text, "mercredi 2 décembre 10:00 (Europe/Paris)") {
		t.Fatalf("link mails: %+v", mails)
	}
	page := &chat.LinkPage{Signer: r.signer, Links: r.links, Server: server, Now: func() time.Time { return r.now }, Log: slog.New(slog.DiscardHandler)}
	u, _ := url.Parse(mails[0].URL)
	token := u.Query().Get("t")
	if code, body := visit(page, http.MethodGet, token); code != 200 || !strings.Contains(body, "anne@coop.example") {
		t.Fatalf("GET: %d\n%s", code, body)
	}
	if addr, _ := r.links.LinkedAddress(t.Context(), server, "u1"); addr != "" {
		t.Fatal("a GET linked the account (mail scanners open links)")
	}
	if code, _ := visit(page, http.MethodPost, token); code != 200 {
		t.Fatalf("POST: %d", code)
	}
	if addr, _ := r.links.LinkedAddress(t.Context(), server, "u1"); addr != "anne@coop.example" {
		t.Fatalf("linked address %q", addr)
	}
	if code, _ := visit(page, http.MethodPost, token); code != http.StatusConflict {
		t.Errorf("the link used twice: %d, want 409", code)
	}
	r.now = r.now.Add(11 * time.Minute)
	r.cmd(t, "u3", "lier bob@coop.example")
	u, _ = url.Parse(r.mailer.Sent()[1].URL)
	r.now = r.now.Add(25 * time.Hour)
	page.Now = func() time.Time { return r.now }
	if code, _ := visit(page, http.MethodPost, u.Query().Get("t")); code != http.StatusGone {
		t.Errorf("an expired link: %d, want 410", code)
	}
	if code, _ := visit(page, http.MethodPost, token[:len(token)-2]+"xx"); code != http.StatusBadRequest {
		t.Errorf("an altered link: %d, want 400", code)
	}
}

func visit(h http.Handler, method, token string) (int, string) {
	var req *http.Request
	if method == http.MethodGet {
		req = httptest.NewRequest(method, "/chat/link?t="+url.QueryEscape(token), nil)
	} else {
		req = httptest.NewRequest(method, "/chat/link", strings.NewReader(url.Values{"t": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

// TestBookByCommand: a linked member books, lists and cancels; a taken
// slot waits; each member sees only their own bookings.
func TestBookByCommand(t *testing.T) {
	r := newRig(t)
	r.links.Set(server, "u1", "anne@coop.example")
	r.links.Set(server, "u2", "bob@coop.example")
	wantText(t, "book", r.cmd(t, "u1", "réserver demain 14h-15h Point mensuel"),
		"Réservé : demain 14:00–15:00. L'invitation arrive dans votre agenda.")
	wantText(t, "clash", r.cmd(t, "u2", "book tomorrow 14:30-15:30"),
		"This slot is taken: your request for tomorrow 14:30–15:30 is on the waiting list.")
	wantText(t, "past", r.cmd(t, "u1", "réserver 8h-9h"), "Pas de réservation pour aujourd'hui 08:00–09:00 : ce créneau est déjà passé")
	wantText(t, "mine", r.cmd(t, "u1", "mes réservations"),
		"Vos réservations (`/zoom annuler N` pour en annuler une) :\n- **1** : demain 14:00–15:00 — Point mensuel")
	wantText(t, "mine en", r.cmd(t, "u1", "mine"),
		"Your bookings (`/zoom cancel N` to cancel one):\n- **1**: tomorrow 14:00–15:00 — Point mensuel")
	wantText(t, "not hers", r.cmd(t, "u2", "cancel 1"), "You have no booking 1.")
	wantText(t, "cancel", r.cmd(t, "u1", "annuler 1"), "Réservation n° 1 annulée.")
	reqs := r.booker.Requests
	if len(reqs) != 3 || reqs[0].Member != "anne@coop.example" || reqs[0].Via != "chat "+server+" user u1" || reqs[0].Title != "Point mensuel" {
		t.Errorf("requests: %+v", reqs)
	}
}

// TestOutsiderLink: an account linked to an address that may not book
// (a member who left, or a link made before the policy changed) books
// nothing: the Booker refuses non-members.
func TestOutsiderLink(t *testing.T) {
	r := newRig(t)
	r.links.Set(server, "u9", "eve@evil.example")
	want := "L'adresse liée à votre compte ne peut pas réserver la salle. Liez l'adresse de membre avec `/zoom lier adresse@exemple.org`."
	wantText(t, "book", r.cmd(t, "u9", "réserver demain 14h-15h"), want)
	wantText(t, "mine", r.cmd(t, "u9", "mes réservations"), want)
	wantText(t, "cancel", r.cmd(t, "u9", "annuler 1"), want)
	if len(r.booker.Held()) != 0 {
		t.Error("an outsider booked")
	}
}

// TestBackendDown: a failing database is an apology, logged, with no
// detail in the chat.
func TestBackendDown(t *testing.T) {
	r := newRig(t)
	r.links.Err = chattest.ErrDown
	m := r.cmd(t, "u1", "mes réservations")
	wantText(t, "down", m, "Le service des réservations ne répond pas pour l'instant ; réessayez dans un moment.")
	if !strings.Contains(r.log.String(), "database unavailable") {
		t.Errorf("not logged: %s", r.log)
	}
}

// TestButtons: a button books once, for the user it was offered to; a
// replayed, altered, foreign or expired one books nothing.
func TestButtons(t *testing.T) {
	r := newRig(t)
	r.links.Set(server, "u1", "anne@coop.example")
	r.links.Set(server, "u2", "bob@coop.example")
	m := r.cmd(t, "u1", "libre demain")
	if len(m.Buttons) != 1 || m.Buttons[0].Label != "Réserver demain 08:00–09:00" || m.Buttons[0].Command != "réserver 02/12 08:00-09:00" {
		t.Fatalf("buttons: %+v", m.Buttons)
	}
	tok := m.Buttons[0].Context
	if got := plain(r.bot.Action(t.Context(), "u2", tok)); got != "Ce bouton a été proposé à quelqu'un d'autre." {
		t.Errorf("another user's click: %q", got)
	}
	altered := []byte(tok)
	altered[5] ^= 1
	if got := plain(r.bot.Action(t.Context(), "u1", string(altered))); got != "Ce bouton n'est pas valable." {
		t.Errorf("an altered button: %q", got)
	}
	if got := plain(r.bot.Action(t.Context(), "u1", tok)); got != "Réservé : demain 08:00–09:00. L'invitation arrive dans votre agenda." {
		t.Errorf("the click: %q", got)
	}
	if got := plain(r.bot.Action(t.Context(), "u1", tok)); got != "Ce bouton a déjà servi." {
		t.Errorf("a replayed click: %q", got)
	}
	late := r.cmd(t, "u1", "libre demain").Buttons[0].Context
	r.now = r.now.Add(2 * time.Hour)
	if got := plain(r.bot.Action(t.Context(), "u1", late)); got != "Ce bouton a expiré : redemandez les créneaux libres." {
		t.Errorf("an expired button: %q", got)
	}
	if n := len(r.booker.Held()); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
}

func TestHelp(t *testing.T) {
	r := newRig(t)
	fr, en := plain(r.cmd(t, "u1", "").Text), r.cmd(t, "u1", "help").Text
	if !strings.HasPrefix(fr, "Commandes de la salle Zoom :") || !strings.HasPrefix(en, "Zoom room commands:") {
		t.Errorf("help:\n%s\n%s", fr, en)
	}
}

// plain reads the no-break spaces of French typography as spaces.
func plain(s string) string { return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s) }
