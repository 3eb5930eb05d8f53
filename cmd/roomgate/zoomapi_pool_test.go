package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// The pool of these tests: two licensed users of the account besides the
// one of [zoom_api].user, each with a host key of their own.
var (
	poolUserA = zoomtest.User{ID: "uAAAAAAAAAAAAAAAAAAAAA", Email: "a@coop.example", FirstName: "Salle", LastName: "A",
		Type: 2, Timezone: "Europe/Paris"}
	poolUserB = zoomtest.User{ID: "uBBBBBBBBBBBBBBBBBBBBB", Email: "b@coop.example", FirstName: "Salle", LastName: "B",
		Type: 2, Timezone: "Europe/Paris"}
)

// newPoolEnv is a Zoom API mode roomgate with the pool of two hosts, the
// host keys in the mails (no start links).
func newPoolEnv(t *testing.T) *zoomEnv {
	t.Helper()
	return newPoolEnvLang(t, "en")
}

// newPoolEnvLang is newPoolEnv writing its mails in lang.
func newPoolEnvLang(t *testing.T, lang string) *zoomEnv {
	t.Helper()
	return newZoomEnvWith(t, zoomtest.Options{Users: []zoomtest.User{zoomtest.DefaultUser, poolUserA, poolUserB}},
		func(c *Config) {
			c.Language = lang
			c.Account = AccountConfig{Hosts: []HostConfig{
				{Name: "salle-a", HostKey: "271828", ZoomUser: poolUserA.Email},
				{Name: "salle-b", HostKey: "314159", ZoomUser: poolUserB.ID}}}
			c.Rooms[0].JoinURL, c.Rooms[0].MeetingID, c.Rooms[0].Passcode = "", "", ""
			c.ZoomAPI.StartLinks = false
		})
}

// TestZoomPoolHosts: two overlapping bookings take the two hosts; each
// meeting is made under its host's Zoom user, each accept mail gives its
// own host's key only, and the watch sees both hosts' live meetings.
func TestZoomPoolHosts(t *testing.T) {
	env := newPoolEnv(t)
	env.handle(request("p-a", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)))
	env.handle(request("p-b", "bob@coop.example", 0, tomorrowAt(10, 30), tomorrowAt(11, 30)))
	env.jobs()
	for _, c := range []struct{ uid, host, user, key, other string }{
		{"p-a", "salle-a", poolUserA.ID, "271828", "314159"},
		{"p-b", "salle-b", poolUserB.ID, "314159", "271828"},
	} {
		if b := env.booking(c.uid); b.Status != gateway.StatusAccepted || b.Host != c.host {
			t.Fatalf("%s: %s on host %q, want accepted on %s", c.uid, b.Status, b.Host, c.host)
		}
		if m := env.meeting(c.uid); m.HostID != c.user {
			t.Errorf("%s: meeting %d made under user %s, want %s", c.uid, m.ID, m.HostID, c.user)
		}
	}
	sent := env.flushN(2)
	for i, c := range []struct{ uid, key, other string }{{"p-a", "271828", "314159"}, {"p-b", "314159", "271828"}} {
		m := env.meeting(c.uid)
		_, _, text := mailText(t, sent[i])
		wantIn(t, c.uid+" accept", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", m.ID), c.key)
		wantOut(t, c.uid+" accept", text, c.other, "483920")
	}
	// Both meetings run: the watch lists every host's live meetings and
	// marks both bookings' meetings started.
	env.clock.Set(tomorrowAt(10, 35))
	env.zoom.StartMeeting(env.meeting("p-a").ID)
	env.zoom.StartMeeting(env.meeting("p-b").ID)
	env.watch()
	for _, uid := range []string{"p-a", "p-b"} {
		_, m, err := env.app.store.ZoomBooking(t.Context(), env.booking(uid).ID)
		if err != nil || m == nil || m.StartedAt.IsZero() {
			t.Errorf("%s: meeting not seen started by the watch: %+v (%v)", uid, m, err)
		}
	}
}

// TestZoomPoolLostAnswer: Zoom made the second host's meeting but its
// answer was lost; the retry finds it by its marker under that host's
// user, and makes no second one.
func TestZoomPoolLostAnswer(t *testing.T) {
	env := newPoolEnv(t)
	env.handle(request("p-a", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)))
	env.jobs()
	env.zoom.Fail(zoomtest.Fault{Method: http.MethodPost, Path: "/v2/users/", Status: http.StatusBadGateway, After: true})
	env.handle(request("p-b", "bob@coop.example", 0, tomorrowAt(10, 30), tomorrowAt(11, 30)))
	env.jobs()
	env.clock.Add(15 * time.Second) // past the first retry, before create_timeout
	env.jobs()
	if n := env.zoom.Count(http.MethodPost, "/v2/users/"); n != 2 {
		t.Errorf("%d creations asked, want 2 (one per booking)", n)
	}
	if n := len(env.zoom.Meetings()); n != 2 {
		t.Fatalf("%d meetings on Zoom, want 2", n)
	}
	if m := env.meeting("p-b"); m.HostID != poolUserB.ID {
		t.Errorf("p-b's meeting is under %s, want %s", m.HostID, poolUserB.ID)
	}
	_, _, text := mailText(t, env.flushN(2)[1])
	wantIn(t, "p-b accept", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", env.meeting("p-b").ID), "314159")
}

// TestZoomPoolSeriesKeys: a series whose dates got different hosts,
// without start links, gives each date's host key beside that date (and
// no single key for the whole mail), in both languages.
func TestZoomPoolSeriesKeys(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			env := newPoolEnvLang(t, lang)
			// The second week, alice holds salle-a; the third, dave holds
			// salle-b (carol, on salle-a, cancelled): no host is free at
			// every date, so the dates go to salle-a, salle-b, salle-a.
			week := func(n, h int) time.Time { return tomorrowAt(h, 0).AddDate(0, 0, 7*n) }
			env.handle(request("k-a", "alice@coop.example", 0, week(1, 10), week(1, 11)))
			carol := request("k-c", "carol@coop.example", 0, week(2, 10), week(2, 11))
			env.handle(carol)
			if out := env.handle(request("k-d", "dave@coop.example", 0, week(2, 10), week(2, 11))); out.Action != gateway.ActionAccepted {
				t.Fatalf("setup: dave %+v", out)
			}
			cancel := carol
			cancel.Method, cancel.Sequence, cancel.Stamp = "CANCEL", 1, carol.Stamp.Add(time.Minute)
			env.handle(cancel)
			env.jobs()
			env.flush()
			inv := request("k-s", "bob@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0))
			raw := strings.ReplaceAll(string(inv.mail()), "SUMMARY:", "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:")
			if out := env.handleRaw(raw); out.Action != gateway.ActionAccepted {
				t.Fatalf("series: %+v", out)
			}
			env.jobs()
			_, _, text := mailText(t, env.flushN(1)[0])
			label, note := "Host key:", "the dates have different"
			if lang == "fr" {
				label, note = "Clé hôte :", "les dates ont des hôtes"
			}
			flat := strings.Join(strings.Fields(text), " ")
			if n := strings.Count(flat, label+" 271828"); n != 2 {
				t.Errorf("salle-a's key given %d times, want beside its 2 dates:\n%s", n, text)
			}
			if n := strings.Count(flat, label+" 314159"); n != 1 {
				t.Errorf("salle-b's key given %d times, want beside its date:\n%s", n, text)
			}
			wantIn(t, "series accept", flat, note)
		})
	}
}

// restartWithout reopens the env's roomgate over the same database with
// the pool host name removed from the configuration.
func (e *zoomEnv) restartWithout(name string) {
	e.t.Helper()
	if err := e.app.Close(); err != nil {
		e.t.Fatal(err)
	}
	cfg := *e.cfg
	cfg.Account.Hosts = slices.DeleteFunc(slices.Clone(cfg.Account.Hosts), func(h HostConfig) bool { return h.Name == name })
	a, err := openApp(context.Background(), &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), e.clock.Now)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { a.Close() })
	e.app, e.cfg = a, &cfg
}

// TestZoomPoolHostRemoved: a booking whose host was removed from the
// configuration keeps the meeting it has, under the Zoom user it was made
// under, and its reminder gives no host key (not the account's, which
// would not open it); a booking of that host without a meeting gets none
// under another user: its job fails for good, saying why.
func TestZoomPoolHostRemoved(t *testing.T) {
	env := newPoolEnvLang(t, "en")
	env.cfg.Relay.ReminderBefore = &Duration{time.Hour}
	env.restartWithout("") // the reminder setting
	env.handle(request("r-a", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)))
	env.handle(request("r-b", "bob@coop.example", 0, tomorrowAt(10, 30), tomorrowAt(11, 30)))
	env.jobs()
	env.flush()
	kept := env.meeting("r-b")
	if kept.HostID != poolUserB.ID {
		t.Fatalf("setup: r-b's meeting under %s", kept.HostID)
	}
	// carol's booking takes salle-b too (14:00), its meeting not made yet.
	env.handle(request("r-c", "carol@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	env.handle(request("r-d", "dave@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	if b := env.booking("r-d"); b.Host != "salle-b" {
		t.Fatalf("setup: r-d on %q", b.Host)
	}

	env.restartWithout("salle-b")
	before := len(env.zoom.Meetings())
	env.jobs()
	env.clock.Add(time.Minute)
	env.jobs()
	if n := len(env.zoom.Meetings()); n != before+1 {
		t.Errorf("%d meetings made after salle-b was removed, want 1 (r-c's on salle-a, none for r-d)", n-before)
	}
	for _, m := range env.zoom.Meetings() {
		if m.HostID == zoomtest.DefaultUser.ID {
			t.Errorf("meeting %d %q made under [zoom_api] user", m.ID, m.Topic)
		}
	}
	if j, ok := env.openJob(env.booking("r-d").ID, meetings.JobSync); !ok || j.Status != meetings.JobFailed ||
		!strings.Contains(j.LastError, `host "salle-b" is no longer in [[account.hosts]]`) {
		t.Errorf("r-d's sync job: %+v (open %v), want failed for good, saying its host is gone", j, ok)
	}

	// r-b keeps its meeting; its reminder gives no host key.
	env.clock.Set(tomorrowAt(10, 30).Add(-50 * time.Minute))
	if _, err := env.app.gw.QueueReminders(context.Background()); err != nil {
		t.Fatal(err)
	}
	var text string
	for _, s := range env.flush() {
		if _, subject, body := mailText(t, s); strings.Contains(subject, "Réunion de bob") {
			text = body
		}
	}
	if text == "" {
		t.Fatal("no reminder for r-b")
	}
	wantIn(t, "r-b reminder", strings.Join(strings.Fields(text), " "), fmt.Sprintf("https://zoom.us/j/%d?pwd=", kept.ID),
		"ask the facilitators for the host key")
	wantOut(t, "r-b reminder", text, "483920", "314159")
	if m := env.meeting("r-b"); m.ID != kept.ID || m.HostID != poolUserB.ID {
		t.Errorf("r-b's meeting %d under %s, want %d under %s", m.ID, m.HostID, kept.ID, poolUserB.ID)
	}
}

// TestZoomPoolMoveChangesHost: a booking moved to a time its host is busy
// gets the other host; its meeting is made again under that host's Zoom
// user and the old one deleted, even when the answer to the creation was
// lost (the retry finds the new meeting by its marker): Zoom holds one
// meeting for it, and the accept mail of the move gives the new meeting's
// link, says that link is new, and gives the new host's key only.
func TestZoomPoolMoveChangesHost(t *testing.T) {
	for _, c := range []struct{ lang, note string }{
		{"en", "New link: the meeting moved to another of the room's hosts"},
		{"fr", "Nouveau lien : la réunion est passée à un autre hôte de la salle"},
	} {
		t.Run(c.lang, func(t *testing.T) { testZoomPoolMoveChangesHost(t, c.lang, c.note) })
	}
}

func testZoomPoolMoveChangesHost(t *testing.T, lang, note string) {
	env := newPoolEnvLang(t, lang)
	env.handle(request("m-a", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)))
	env.handle(request("m-b", "bob@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	env.jobs()
	env.flushN(2)
	old := env.meeting("m-a")
	if b := env.booking("m-a"); b.Host != "salle-a" || old.HostID != poolUserA.ID {
		t.Fatalf("setup: m-a on %q, meeting under %s", b.Host, old.HostID)
	}
	if b := env.booking("m-b"); b.Host != "salle-a" {
		t.Fatalf("setup: m-b on %q", b.Host)
	}

	// alice moves to 14:00, when salle-a holds bob's meeting.
	move := request("m-a", "alice@coop.example", 1, tomorrowAt(14, 0), tomorrowAt(15, 0))
	move.Stamp = move.Stamp.Add(time.Minute)
	if out := env.handle(move); out.Action != gateway.ActionAccepted {
		t.Fatalf("move: %+v", out)
	}
	if b := env.booking("m-a"); b.Host != "salle-b" {
		t.Fatalf("moved m-a on %q, want salle-b", b.Host)
	}
	env.zoom.Fail(zoomtest.Fault{Method: http.MethodPost, Path: "/v2/users/", Status: http.StatusBadGateway, After: true})
	env.jobs()
	env.clock.Add(15 * time.Second) // past the first retry, before create_timeout
	env.jobs()

	var mine []zoomtest.Meeting
	for _, m := range env.zoom.Meetings() {
		if m.ID != env.meeting("m-b").ID && !m.Deleted {
			mine = append(mine, m)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("Zoom holds %d meetings for m-a, want 1: %+v", len(mine), mine)
	}
	now := env.meeting("m-a")
	if now.ID == old.ID || now.HostID != poolUserB.ID || mine[0].ID != now.ID {
		t.Errorf("m-a's meeting %d under %s, want a new one under %s (old %d)", now.ID, now.HostID, poolUserB.ID, old.ID)
	}
	if !now.StartTime.Equal(tomorrowAt(14, 0)) {
		t.Errorf("m-a's meeting starts %v, want %v", now.StartTime, tomorrowAt(14, 0))
	}
	_, _, text := mailText(t, env.flushN(1)[0])
	flat := strings.Join(strings.Fields(text), " ")
	wantIn(t, "move accept", flat, fmt.Sprintf("https://zoom.us/j/%d?pwd=", now.ID), "314159", note)
	wantOut(t, "move accept", flat, fmt.Sprintf("https://zoom.us/j/%d?pwd=", old.ID), "271828", "483920")

	// A later edit that keeps the host moves nothing.
	retitle := move
	retitle.Sequence, retitle.Stamp, retitle.Summary = 2, move.Stamp.Add(time.Minute), "Réunion d'alice, déplacée"
	env.handle(retitle)
	env.jobs()
	if m := env.meeting("m-a"); m.ID != now.ID || m.Topic != retitle.Summary {
		t.Errorf("after a retitle: meeting %d %q, want %d %q", m.ID, m.Topic, now.ID, retitle.Summary)
	}
}

// TestZoomPoolMoveThenCancel: a booking cancelled while its meeting was
// being moved to its new host (the answer to the creation lost) leaves
// no meeting on Zoom: neither the old one nor the new one.
func TestZoomPoolMoveThenCancel(t *testing.T) {
	env := newPoolEnv(t)
	env.handle(request("c-a", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)))
	env.handle(request("c-b", "bob@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	env.jobs()
	keep := env.meeting("c-b").ID
	move := request("c-a", "alice@coop.example", 1, tomorrowAt(14, 0), tomorrowAt(15, 0))
	move.Stamp = move.Stamp.Add(time.Minute)
	env.handle(move)
	env.zoom.Fail(zoomtest.Fault{Method: http.MethodPost, Path: "/v2/users/", Status: http.StatusBadGateway, After: true})
	env.jobs() // the new meeting is made, its answer lost: the job will try again
	cancel := move
	cancel.Method, cancel.Sequence, cancel.Stamp = "CANCEL", 2, move.Stamp.Add(time.Minute)
	env.handle(cancel)
	env.clock.Add(15 * time.Second)
	env.jobs()
	for _, m := range env.zoom.Meetings() {
		if !m.Deleted && m.ID != keep {
			t.Errorf("meeting %d under %s left on Zoom after the cancellation", m.ID, m.HostID)
		}
	}
	if n := env.zoom.Count(http.MethodPost, "/v2/users/"); n != 3 {
		t.Errorf("%d creations asked, want 3 (two bookings, one move)", n)
	}
}

// TestZoomPoolLostAnswerThenMove: Zoom made a booking's meeting under its
// host's user but the answer was lost, and the booking moved onto the
// other host before the retry: the retry finds the meeting under the
// first user, moves it to the new host's, and Zoom holds one meeting
// for the booking, under the new user, whose link the mail gives.
func TestZoomPoolLostAnswerThenMove(t *testing.T) {
	env := newPoolEnv(t)
	env.handle(request("l-b", "bob@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	env.jobs()
	keep := env.meeting("l-b").ID
	env.flushN(1)
	env.zoom.Fail(zoomtest.Fault{Method: http.MethodPost, Path: "/v2/users/", Status: http.StatusBadGateway, After: true})
	env.handle(request("l-a", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)))
	env.jobs()
	move := request("l-a", "alice@coop.example", 1, tomorrowAt(14, 0), tomorrowAt(15, 0))
	move.Stamp = move.Stamp.Add(time.Minute)
	env.handle(move)
	if b := env.booking("l-a"); b.Host != "salle-b" {
		t.Fatalf("moved l-a on %q, want salle-b", b.Host)
	}
	env.clock.Add(15 * time.Second)
	env.jobs()
	var mine []zoomtest.Meeting
	for _, m := range env.zoom.Meetings() {
		if !m.Deleted && m.ID != keep {
			mine = append(mine, m)
		}
	}
	if len(mine) != 1 || mine[0].HostID != poolUserB.ID {
		t.Fatalf("Zoom holds for l-a %+v, want one meeting under %s", mine, poolUserB.ID)
	}
	if m := env.meeting("l-a"); m.ID != mine[0].ID {
		t.Errorf("l-a records meeting %d, Zoom holds %d", m.ID, mine[0].ID)
	}
	sent := env.flush()
	if len(sent) == 0 {
		t.Fatal("no mail to alice")
	}
	_, _, text := mailText(t, sent[len(sent)-1])
	flat := strings.Join(strings.Fields(text), " ")
	wantIn(t, "l-a accept", flat, fmt.Sprintf("https://zoom.us/j/%d?pwd=", mine[0].ID), "314159")
	wantOut(t, "l-a accept", flat, "271828", "483920")
}
