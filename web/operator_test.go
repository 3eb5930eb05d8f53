package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/templates"
)

func TestHealth(t *testing.T) {
	waiting := time.Time{}
	tests := []struct {
		name  string
		setup func(*fakeStore, *Metrics)
		code  int
		want  healthReport
	}{
		{"a message waits 6 minutes", func(*fakeStore, *Metrics) { waiting = t0.Add(-6 * time.Minute) }, http.StatusServiceUnavailable,
			healthReport{Status: "failing", IMAP: "connected", Database: "ok", Outbox: "ok", Inbox: "stuck"}},
		{"a message waits 4 minutes", func(*fakeStore, *Metrics) { waiting = t0.Add(-4 * time.Minute) }, http.StatusOK,
			healthReport{Status: "ok", IMAP: "connected", Database: "ok", Outbox: "ok", Inbox: "ok"}},
		{"all good", func(*fakeStore, *Metrics) {}, http.StatusOK,
			healthReport{Status: "ok", IMAP: "connected", Database: "ok", Outbox: "ok", Inbox: "ok"}},
		{"IMAP down", func(_ *fakeStore, m *Metrics) { m.SetIMAPConnected(false) }, http.StatusServiceUnavailable,
			healthReport{Status: "failing", IMAP: "disconnected", Database: "ok", Outbox: "ok", Inbox: "ok"}},
		{"standing by for the mailbox", func(_ *fakeStore, m *Metrics) { m.SetIMAPConnected(false); m.SetMailboxStandby(true) },
			http.StatusOK, healthReport{Status: "ok", IMAP: "standby", Database: "ok", Outbox: "ok", Inbox: "ok"}},
		{"took the mailbox over, IMAP down", func(_ *fakeStore, m *Metrics) {
			m.SetMailboxStandby(true)
			m.SetIMAPConnected(false)
			m.SetMailboxStandby(false)
		}, http.StatusServiceUnavailable, healthReport{Status: "failing", IMAP: "disconnected", Database: "ok", Outbox: "ok", Inbox: "ok"}},
		{"IMAP login failed", func(_ *fakeStore, m *Metrics) { m.SetIMAPConnected(false); m.SetIMAPLoginFailed() },
			http.StatusServiceUnavailable, healthReport{Status: "failing", IMAP: "login failed", Database: "ok", Outbox: "ok", Inbox: "ok"}},
		{"IMAP back after a failed login", func(_ *fakeStore, m *Metrics) {
			m.SetIMAPConnected(false)
			m.SetIMAPLoginFailed()
			m.SetIMAPConnected(true)
		}, http.StatusOK, healthReport{Status: "ok", IMAP: "connected", Database: "ok", Outbox: "ok", Inbox: "ok"}},
		{"database down", func(st *fakeStore, _ *Metrics) { st.setPingErr(true) }, http.StatusServiceUnavailable,
			healthReport{Status: "failing", IMAP: "connected", Database: "unreachable", Outbox: "unknown", Inbox: "ok"}},
		{"outbox stuck", func(st *fakeStore, _ *Metrics) { st.outbox[1].CreatedAt = t0.Add(-16 * time.Minute) },
			http.StatusServiceUnavailable, healthReport{Status: "failing", IMAP: "connected", Database: "ok", Outbox: "stuck", Inbox: "ok"}},
		{"old mail already sent", func(st *fakeStore, _ *Metrics) { st.outbox[0].CreatedAt = t0.Add(-48 * time.Hour) },
			http.StatusOK, healthReport{Status: "ok", IMAP: "connected", Database: "ok", Outbox: "ok", Inbox: "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, m := sampleStore(), NewMetrics()
			m.SetIMAPConnected(true)
			waiting = time.Time{}
			tt.setup(st, m)
			s := newServer(t, st, func(o *Options) {
				o.Metrics = m
				o.Waiting = func() time.Time { return waiting }
				o.Version = "v1.2.3"
			})
			res, body := get(t, s, "/healthz")
			wantStatus(t, res, body, tt.code)
			var got healthReport
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			tt.want.Version = "v1.2.3"
			if got != tt.want {
				t.Errorf("report %+v, want %+v", got, tt.want)
			}
			wantLacks(t, "health", body, "refused", "zoom@", "alice")
		})
	}
}

func TestMetrics(t *testing.T) {
	m := NewMetrics()
	m.SetIMAPConnected(true)
	m.SetIMAPConnected(false)
	m.SetIMAPConnected(true)
	m.ObserveOutcome(gateway.Outcome{Kind: gateway.KindRequest, Action: gateway.ActionAccepted}, 20*time.Millisecond)
	m.ObserveOutcome(gateway.Outcome{Kind: gateway.KindZoomCode, Action: gateway.ActionRelayed}, time.Millisecond)
	m.WatchInbox(func() time.Time { return t0.Add(-90 * time.Second) }, func() time.Time { return t0 })
	m.WatchWAL(func() int64 { return 1 << 20 })
	m.WatchWAL(func() int64 { return 4 << 20 }) // a reload: the latest store counts
	m.CountLog(slog.LevelError)
	m.CountLog(slog.LevelWarn)
	m.CountLog(slog.LevelWarn)
	m.CountLog(slog.LevelInfo)
	m.SetIMAPLoginFailed()
	s := newServer(t, sampleStore(), func(o *Options) { o.Metrics = m })
	res, body := get(t, s, "/metrics", "Authorization", "Bearer "+operatorToken)
	wantStatus(t, res, body, http.StatusOK)
	wantContains(t, "metrics", body,
		`roomgate_messages_total{action="accepted",kind="request"} 1`,
		`roomgate_messages_total{action="relayed",kind="zoom-code"} 1`,
		"# TYPE roomgate_decision_duration_seconds histogram", "roomgate_decision_duration_seconds_count 2",
		"roomgate_imap_reconnects_total 1", "roomgate_imap_connected 1", "roomgate_mailbox_standby 0",
		"roomgate_zoom_codes_relayed_total 1", "roomgate_outbox_depth 1", "roomgate_inbox_oldest_waiting_seconds 90",
		"# TYPE roomgate_outbox_oldest_pending_seconds gauge", "go_goroutines",
		`roomgate_log_messages_total{level="error"} 1`, `roomgate_log_messages_total{level="warn"} 2`,
		"roomgate_imap_login_failed 1", "roomgate_sqlite_wal_bytes 4.194304e+06")
	if !strings.Contains(body, "roomgate_last_message_handled_timestamp_seconds 1.") &&
		!strings.Contains(body, "roomgate_last_message_handled_timestamp_seconds 2.") {
		t.Errorf("metrics lack the time of the last message handled:\n%s", grepLines(body, "last_message"))
	}
}

func TestOperatorPages(t *testing.T) {
	s := newServer(t, sampleStore())
	q := "?token=" + operatorToken
	tests := []struct {
		path       string
		want, lack []string
	}{
		{"/operator/", []string{"Messages processed", `<td class="nw">accepted</td><td class="num">3</td>`, `href="audit` + q + `"`, `href="../` + q + `"`}, nil},
		{"/operator/audit", []string{"Recent decisions", "the account is free", "2026-12-01 10:00–\u206011:00", "Salle Opteos", "Times: Paris time.",
			`<td class="nw">invitation</td><td class="nw state accepted">accepted</td>`, `<td class="id" title="alice-1">alice-1</td>`,
			"invalid calendar: &lt;script&gt;alert(1)&lt;/script&gt;", `aria-current="page">Recent decisions`}, []string{hostile}},
		{"/operator/audit?days=1", []string{"Over the last day (1)."}, nil},
		{"/operator/rejected", []string{"Rejected mail", "&lt;bad@x&gt;", "eve@elsewhere.example", "Over the last 30 days."},
			[]string{"the account is free", hostile}},
		{"/operator/outbox", []string{"Outbox", `<td class="num">8</td>`, "421 4.7.0 try again later",
			`<td class="nw state pending">pending</td><td class="num">2</td><td class="nw">2026-11-30 09:01</td>`,
			`<td class="nw state sent">sent</td>`, "bob@coop.example"}, []string{"SECRET-RAW-BYTES", "483920"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			sep := "?"
			if strings.Contains(tt.path, "?") {
				sep = "&"
			}
			res, body := get(t, s, tt.path+sep+q[1:])
			wantStatus(t, res, body, http.StatusOK)
			wantContains(t, tt.path, body, tt.want...)
			wantLacks(t, tt.path, body, tt.lack...)
		})
	}
	res, body := get(t, s, "/operator/audit?days=0&token="+operatorToken)
	wantStatus(t, res, body, http.StatusBadRequest)
}

// TestOperatorSeesAgendaNav checks that the agenda links to the operator
// pages for the operator only.
func TestOperatorSeesAgendaNav(t *testing.T) {
	s := newServer(t, sampleStore())
	_, body := get(t, s, "/?token="+operatorToken)
	wantContains(t, "operator agenda", body, `href="operator/?token=`+operatorToken+`"`)
	_, body = get(t, s, "/?token="+memberToken)
	wantLacks(t, "member agenda", body, "operator/", operatorToken)
}

// TestOperatorPagesFrench: kinds, decisions and states in French, times
// with their zone, and no table cell that may break a word (every cell
// but the reasons keeps on one line).
func TestOperatorPagesFrench(t *testing.T) {
	s := newServer(t, sampleStore(), func(o *Options) { o.Lang = "fr" })
	q := "?token=" + operatorToken
	_, body := get(t, s, "/operator/audit"+q)
	wantContains(t, "audit", body, `<td class="nw">invitation</td><td class="nw state accepted">acceptation</td>`,
		`<td class="nw">courrier</td><td class="nw state rejected">rejet</td>`, "Heures\u00a0: heure de Paris.",
		`<td class="prose reason">le compte est libre</td>`, `<td class="prose reason">calendrier invalide`,
		`<div class="scroll" tabindex="0" role="region" aria-label="Tableau, défilant de côté"><table>`)
	_, body = get(t, s, "/operator/outbox"+q)
	wantContains(t, "outbox", body, `<td class="nw state pending">en attente</td>`, `<td class="nw state sent">envoyé</td>`)
	_, body = get(t, s, "/operator/"+q)
	wantContains(t, "index", body, `<td class="nw">acceptation</td>`, `<td class="nw">rejet</td>`)
	for _, page := range []string{"/operator/audit", "/operator/outbox", "/operator/rejected", "/operator/"} {
		_, body := get(t, s, page+q)
		wantLacks(t, page, body, "[kind.", "[action.", "[status.")
		for _, td := range regexp.MustCompile(`<td( class="[^"]*")?`).FindAllString(body, -1) {
			if !strings.Contains(td, `class="`) {
				t.Errorf("%s: a cell without a class may break its words: %s", page, td)
			}
		}
	}
	css := templates.WebCSS()
	wantContains(t, "css", css, "td.nw{white-space:nowrap}", "td.id{max-width:9rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis")
	wantLacks(t, "css", css, "overflow-wrap:anywhere}td", "word-break:break-all")
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestReasonInFrench: the common audit reasons in French, names, dates
// and technical details kept; an unknown one unchanged and reported so.
func TestReasonInFrench(t *testing.T) {
	for _, tt := range []struct{ en, fr string }{
		{"the account is already hosting a meeting then (Europe/Paris): 2026-12-01 10:00–11:00",
			"le compte accueille déjà une réunion à ce moment-là (Europe/Paris) : 2026-12-01 10:00–11:00"},
		{"the meeting lasts 48h0m0s, longer than the maximum 8h0m0s", "la réunion dure 48h0m0s, plus que le maximum de 8h0m0s"},
		{"4 date(s) accepted, 0 declined", "4 date(s) acceptée(s), 0 refusée(s)"},
		{"invalid calendar: ical: line 22: missing DTSTART; the sender was told the invitation could not be read",
			"calendrier invalide : ical: line 22: missing DTSTART ; l'expéditeur a été prévenu que l'invitation était illisible"},
		{"minor update, answered as before: the account is free", "modification mineure, même réponse qu'avant : le compte est libre"},
		{`iTIP method "PUBLISH" needs no answer`, "la méthode iTIP « PUBLISH » n'appelle pas de réponse"},
	} {
		if got, ok := reasonInFrench(tt.en); !ok || got != tt.fr {
			t.Errorf("reasonInFrench(%q) = %q, %v; want %q", tt.en, got, ok, tt.fr)
		}
	}
	if got, ok := reasonInFrench("something new"); ok || got != "something new" {
		t.Errorf("an unknown reason: %q, %v", got, ok)
	}
}
