package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// dayHTML returns the section of the agenda for one day heading.
func dayHTML(t *testing.T, body, heading string) string {
	t.Helper()
	i := strings.Index(body, "<h3>"+heading)
	if i < 0 {
		t.Fatalf("no day %q in:\n%s", heading, body)
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// plainPage reads a page's typography as plain text: the range dash
// "10:00–11:00" without its word joiner, no-break spaces as spaces.
func plainPage(s string) string {
	return strings.NewReplacer("\u00a0–\u2060\u00a0", "–", "–\u2060", "–", "\u00a0", " ").Replace(s)
}

func TestAgendaWeek(t *testing.T) {
	s := newServer(t, sampleStore())
	res, b := get(t, s, "/?token="+memberToken)
	wantStatus(t, res, b, http.StatusOK)
	body := plainPage(b)
	wantContains(t, "agenda", body,
		`<html lang="en">`, "Week of Monday 30 November 2026",
		"The cooperative&#39;s Zoom account hosts 1 meeting at a time, across all rooms.",
		"The room keeps 10 minutes free before and after every meeting.",
		"The room can be booked at most 30 days ahead, that is until 30 December 2026.",
		"Free slots are counted from 08:00 to 20:00, Paris time.",
		`href="./?token=`+memberToken+`&amp;week=2026-11-23"`, `href="./?token=`+memberToken+`&amp;week=2026-12-07"`,
		`<input type="hidden" name="token" value="`+memberToken+`">`,
		"<strong>Salle Opteos</strong> <code>zoom@coop.example</code>", "<title>Room agenda · The cooperative&#39;s Zoom rooms</title>")
	tue := dayHTML(t, body, "Tuesday 1 December 2026")
	wantContains(t, "Tuesday", tue,
		`<li class="free"><span class="time">08:00–09:50</span> Free</li>`,
		`<span class="time">10:00–11:00</span> <span class="title">Point mensuel</span><span class="who">by Alice Martin</span></li>`,
		`<li class="free"><span class="time">11:10–20:00</span> Free</li>`)
	wantLacks(t, "Tuesday", tue, "Declined meeting")
	mon := dayHTML(t, body, "Monday 30 November 2026")
	wantContains(t, "today", mon, `<span class="badge">today</span>`, `<span class="time">09:05–20:00</span> Free`)
	wed := dayHTML(t, body, "Wednesday 2 December 2026")
	wantContains(t, "hostile title", wed, "&lt;script&gt;alert(1)&lt;/script&gt;", "by Mallory &lt;b&gt;bold&lt;/b&gt;")
	wantLacks(t, "agenda", body, hostile, "<b>bold", "Next week", "483920")
	thu := dayHTML(t, body, "Thursday 3 December 2026")
	wantContains(t, "Thursday", thu, "Formation", "by carol@coop.example")
}

// TestAgendaGrid: the week as a time grid, hours down and days across,
// each block placed to its rows by the page's own stylesheet, which the
// Content-Security-Policy allows by its hash.
func TestAgendaGrid(t *testing.T) {
	s := newServer(t, sampleStore())
	res, b := get(t, s, "/?token="+memberToken)
	body := plainPage(b)
	wantContains(t, "grid", body,
		`<div class="hours" aria-hidden="true"><span>08:00</span><span>09:00</span>`, `<span>19:00</span></div>`,
		`<section class="col today" id="d0" aria-labelledby="d0h">`,
		`<h3 class="colhead" id="d0h"><span class="wd">Monday <span class="badge">today</span></span> <span class="dm">30 November</span></h3>`,
		`<li id="b1" class="blk veil" aria-hidden="true"></li>`,
		`<li id="now" class="now"><span class="sr">now, 09:00</span></li>`,
		`<li id="b3" class="blk free" title="Free 08:00–09:50"><span class="time">08:00–09:50</span> Free</li>`,
		`<li id="b4" class="blk margin" aria-hidden="true"></li>`,
		`<li id="b5" class="blk booking" title="10:00–11:00 Point mensuel — Alice Martin"><span class="time">10:00–11:00</span> <span class="title">Point mensuel</span> <span class="who">Alice Martin</span></li>`)
	// 5-minute rows from 08:00: 10:00 is row 25, 11:00 row 37; the margins
	// are 10 minutes (2 rows) in the booking's lane; now (09:00) is row 13.
	css := regexp.MustCompile(`(?s)<style>(.*)</style>`).FindStringSubmatch(b)[1]
	wantContains(t, "grid rules", css, ".track{grid-template-rows:repeat(144,var(--row))}",
		"#b1{grid-row:1/13;grid-column:1/-1}", "#now{grid-row:13/14;grid-column:1/-1}",
		"#b3{grid-row:1/23;grid-column:1/-1}", "#b4{grid-row:23/25;grid-column:1/2}",
		"#b5{grid-row:25/37;grid-column:1/2}", "#b6{grid-row:37/39;grid-column:1/2}", "#b7{grid-row:39/145;grid-column:1/-1}")
	sum := sha256.Sum256([]byte(css))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(res.Header.Get("Content-Security-Policy"), want) {
		t.Errorf("CSP %q does not allow the page's stylesheet (%s)", res.Header.Get("Content-Security-Policy"), want)
	}
	wantLacks(t, "grid", b, " style=", "<script")
}

// TestAgendaGridLanes: with two meetings at once, overlapping bookings get
// a lane each; the hours widen to a booking outside the day's hours.
func TestAgendaGridLanes(t *testing.T) {
	st := sampleStore()
	extra := st.bookings[0]
	extra.UID, extra.Start, extra.End = "early", at(1, 7, 0).UTC(), at(1, 10, 30).UTC()
	st.bookings = append(st.bookings, extra)
	s := newServer(t, st, func(o *Options) { o.Concurrent = 2 })
	_, b := get(t, s, "/?token="+memberToken)
	css := regexp.MustCompile(`(?s)<style>(.*)</style>`).FindStringSubmatch(b)[1]
	wantContains(t, "lanes", css, ".track{grid-template-rows:repeat(156,var(--row))}", "#d1 .track{grid-template-columns:repeat(2,1fr)}")
	wantContains(t, "hours", b, `<div class="hours" aria-hidden="true"><span>07:00</span>`)
	tue := b[strings.Index(b, `id="d1"`):]
	tue = tue[:strings.Index(tue, "</section>")]
	if n := strings.Count(tue, `class="blk booking`); n != 2 {
		t.Errorf("%d bookings on Tuesday's column, want 2", n)
	}
	wantContains(t, "off hours", tue, `class="blk off"`)
	if !regexp.MustCompile(`#b\d+\{grid-row:\d+/\d+;grid-column:2/3\}`).MatchString(css) {
		t.Errorf("no block in the second lane:\n%s", css)
	}
}

func TestAgendaOtherWeek(t *testing.T) {
	s := newServer(t, sampleStore())
	res, body := get(t, s, "/?week=2026-12-09", "Authorization", "Bearer "+memberToken)
	wantStatus(t, res, body, http.StatusOK)
	wantContains(t, "next week", plainPage(body), "Week of Monday 7 December 2026", "Next week", `href="./?week=2026-11-30"`)
	wantLacks(t, "next week", body, "Point mensuel", `class="badge"`, `id="now"`, `name="token"`)
	// A week in the past shows no free slot.
	_, body = get(t, s, "/?week=2026-11-20&token="+memberToken)
	wantLacks(t, "past week", body, `class="free"`, `class="blk free"`, "No free time left")
	for _, bad := range []string{"2026-13-01", "tomorrow", "1900-01-01", "2026-12-01T10:00"} {
		res, body := get(t, s, "/?week="+bad+"&token="+memberToken)
		wantStatus(t, res, body, http.StatusBadRequest)
	}
}

func TestAgendaBusy(t *testing.T) {
	s := newServer(t, sampleStore(), func(o *Options) { o.Show, o.Lang, o.ServiceName = ShowBusy, "fr", "Salles Zoom d'Opteos" })
	_, b := get(t, s, "/?token="+memberToken)
	body := plainPage(b)
	wantContains(t, "busy agenda", body, `<html lang="fr">`, "Semaine du lundi 30 novembre 2026",
		"Le compte Zoom de la coopérative accueille 1 réunion à la fois, toutes salles confondues.",
		"La salle garde 10 minutes libres avant et après chaque réunion.",
		"La salle se réserve au plus 30 jours à l&#39;avance, soit jusqu&#39;au 30 décembre 2026.",
		"Les créneaux libres sont comptés de 08:00 à 20:00, heure de Paris.",
		`<span class="time">10:00–11:00</span> <span class="title">Réservé</span></li>`,
		"<title>Agenda de la salle · Salles Zoom d&#39;Opteos</title>", "<footer>Salles Zoom d&#39;Opteos</footer>")
	wantLacks(t, "busy agenda", body, "Point mensuel", "Alice", "script", "Mallory", "Formation", "carol@", "roomgate")
	// French typography: a no-break space before ":" and inside « », a
	// range that never breaks.
	wantContains(t, "typography", b, "«\u00a0Autres agendas\u00a0»", "10:00\u00a0–\u2060\u00a011:00",
		"(sur téléphone\u00a0: appui long)", "Adresse de l&#39;abonnement")
}

// TestAgendaRooms: with several rooms, each booking says its room.
func TestAgendaRooms(t *testing.T) {
	s := newServer(t, sampleStore(), func(o *Options) {
		o.Rooms = map[string]string{roomAddr: "Salle Opteos", "zoom2@coop.example": "Atelier"}
	})
	_, body := get(t, s, "/?token="+memberToken)
	wantContains(t, "rooms", plainPage(body), `<span class="who">by Alice Martin</span><span class="room">Salle Opteos</span></li>`,
		"<strong>Atelier</strong> <code>zoom2@coop.example</code>")
}

func TestAgendaConcurrent(t *testing.T) {
	st := sampleStore()
	s := newServer(t, st, func(o *Options) { o.Concurrent = 2 })
	_, b := get(t, s, "/?token="+memberToken)
	body := plainPage(b)
	wantContains(t, "agenda", body, "The cooperative&#39;s Zoom account hosts 2 meetings at a time, across all rooms.")
	tue := dayHTML(t, body, "Tuesday 1 December 2026")
	// One meeting leaves room for another: the whole day stays free.
	wantContains(t, "Tuesday", tue, `<span class="time">08:00–20:00</span> Free`, "Point mensuel")
}

func TestAgendaNoFreeTime(t *testing.T) {
	st := sampleStore()
	st.bookings = append(st.bookings, st.bookings[0])
	st.bookings[len(st.bookings)-1].UID = "all-day"
	st.bookings[len(st.bookings)-1].Start, st.bookings[len(st.bookings)-1].End = at(4, 7, 0).UTC(), at(4, 21, 0).UTC()
	s := newServer(t, st)
	_, body := get(t, s, "/?token="+memberToken)
	fri := dayHTML(t, plainPage(body), "Friday 4 December 2026")
	wantContains(t, "Friday", fri, "07:00–21:00", "No free time left this day.")
	if n := len(regexp.MustCompile(`class="free"`).FindAllString(fri, -1)); n != 0 {
		t.Errorf("%d free slots on a full day", n)
	}
}

func TestWhen(t *testing.T) {
	s := newServer(t, sampleStore())
	tests := []struct {
		start, end time.Time
		want       string
	}{
		{at(1, 10, 0), at(1, 11, 30), "10:00–\u206011:30"},
		{at(1, 22, 0), at(2, 0, 0), "22:00–\u206000:00"},
		{at(1, 22, 0), at(2, 1, 0), "22:00–\u206001:00 (+1)"},
	}
	for _, tt := range tests {
		if got := s.when(tt.start, tt.end); got != tt.want {
			t.Errorf("when(%s, %s) = %q, want %q", tt.start, tt.end, got, tt.want)
		}
	}
}

func TestFullSpans(t *testing.T) {
	h := func(hh int) time.Time { return at(1, hh, 0) }
	spans := []span{{h(9), h(11)}, {h(10), h(12)}, {h(12), h(13)}, {h(15), h(16)}}
	tests := []struct {
		limit int
		want  []span
	}{
		{1, []span{{h(9), h(13)}, {h(15), h(16)}}},
		{2, []span{{h(10), h(11)}}},
		{3, nil},
	}
	for _, tt := range tests {
		got := fullSpans(spans, tt.limit)
		if len(got) != len(tt.want) {
			t.Errorf("limit %d: %v, want %v", tt.limit, got, tt.want)
			continue
		}
		for i := range got {
			if !got[i].start.Equal(tt.want[i].start) || !got[i].end.Equal(tt.want[i].end) {
				t.Errorf("limit %d: span %d = %v, want %v", tt.limit, i, got[i], tt.want[i])
			}
		}
	}
	free := subtract(h(8), h(20), fullSpans(spans, 1))
	if len(free) != 3 || !free[0].end.Equal(h(9)) || !free[1].start.Equal(h(13)) || !free[2].start.Equal(h(16)) {
		t.Errorf("subtract = %v", free)
	}
}

// TestAgendaWaitingAndHolds: a booked slot shows how many requests wait
// for it, never who; a slot held for a proposal is not shown, yet is not
// free either; a request pending approval shows as booked.
func TestAgendaWaitingAndHolds(t *testing.T) {
	st := sampleStore()
	bk := func(id int64, uid, org string, s, e time.Time, status gateway.BookingStatus) gateway.Booking {
		return gateway.Booking{ID: id, UID: uid, Room: roomAddr, Organizer: org, OrganizerName: "Secret Name",
			Summary: "Secret title " + uid, Start: s.UTC(), End: e.UTC(), Status: status}
	}
	held := bk(12, "held-1", "bob@coop.example", at(4, 9, 0), at(4, 10, 0), gateway.StatusHeld)
	held.ExpiresAt = t0.Add(10 * time.Minute)
	st.bookings = append(st.bookings,
		bk(10, "wait-1", "eve@coop.example", at(1, 10, 30), at(1, 11, 30), gateway.StatusWaiting),
		bk(11, "wait-2", "dan@coop.example", at(1, 10, 0), at(1, 10, 45), gateway.StatusWaiting),
		held,
		bk(13, "pend-1", "carol@coop.example", at(4, 14, 0), at(4, 15, 0), gateway.StatusPending))
	res, b := get(t, newServer(t, st), "/?token="+memberToken)
	wantStatus(t, res, b, http.StatusOK)
	body := plainPage(b)
	tue := dayHTML(t, body, "Tuesday 1 December 2026")
	wantContains(t, "Tuesday", tue, `<span class="waiting">2 waiting</span>`)
	wantLacks(t, "Tuesday", tue, "wait-1", "wait-2", "Secret")
	fri := dayHTML(t, body, "Friday 4 December 2026")
	wantContains(t, "Friday", fri, "Secret title pend-1",
		`<li class="free"><span class="time">08:00–08:50</span> Free</li>`)
	wantLacks(t, "Friday", fri, "held-1")
}
