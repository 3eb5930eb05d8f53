package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
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

func TestAgendaWeek(t *testing.T) {
	s := newServer(t, sampleStore())
	res, body := get(t, s, "/?token="+memberToken)
	wantStatus(t, res, body, http.StatusOK)
	wantContains(t, "agenda", body,
		`<html lang="en">`, "Week of Monday 30 November 2026", "The account hosts 1 meeting at a time.", "Times in Europe/Paris",
		`href="./?token=`+memberToken+`&amp;week=2026-11-23"`, `href="./?token=`+memberToken+`&amp;week=2026-12-07"`,
		`href="agenda.ics?token=`+memberToken+`"`, `<input type="hidden" name="token" value="`+memberToken+`">`,
		"Salle Opteos</strong> — zoom@coop.example")
	tue := dayHTML(t, body, "Tuesday 1 December 2026")
	wantContains(t, "Tuesday", tue,
		`<li class="free"><span class="time">08:00–09:50</span> Free</li>`,
		`<span class="time">10:00–11:00</span> <span class="title">Point mensuel</span><span class="who">by Alice Martin</span><span class="room">Salle Opteos</span>`,
		`<li class="free"><span class="time">11:10–20:00</span> Free</li>`)
	wantLacks(t, "Tuesday", tue, "Declined meeting")
	mon := dayHTML(t, body, "Monday 30 November 2026")
	wantContains(t, "today", mon, "(today)", `<span class="time">09:05–20:00</span> Free`)
	wed := dayHTML(t, body, "Wednesday 2 December 2026")
	wantContains(t, "hostile title", wed, "&lt;script&gt;alert(1)&lt;/script&gt;", "by Mallory &lt;b&gt;bold&lt;/b&gt;")
	wantLacks(t, "agenda", body, hostile, "<b>bold", "Next week", "483920")
	thu := dayHTML(t, body, "Thursday 3 December 2026")
	wantContains(t, "Thursday", thu, "Formation", "by carol@coop.example")
}

func TestAgendaOtherWeek(t *testing.T) {
	s := newServer(t, sampleStore())
	res, body := get(t, s, "/?week=2026-12-09", "Authorization", "Bearer "+memberToken)
	wantStatus(t, res, body, http.StatusOK)
	wantContains(t, "next week", body, "Week of Monday 7 December 2026", "Next week", `href="./?week=2026-11-30"`, `href="agenda.ics"`)
	wantLacks(t, "next week", body, "Point mensuel", "(today)", memberToken)
	// A week in the past shows no free slot.
	_, body = get(t, s, "/?week=2026-11-20&token="+memberToken)
	wantLacks(t, "past week", body, `class="free"`, "No free time left")
	for _, bad := range []string{"2026-13-01", "tomorrow", "1900-01-01", "2026-12-01T10:00"} {
		res, body := get(t, s, "/?week="+bad+"&token="+memberToken)
		wantStatus(t, res, body, http.StatusBadRequest)
	}
}

func TestAgendaBusy(t *testing.T) {
	s := newServer(t, sampleStore(), func(o *Options) { o.Show, o.Lang = ShowBusy, "fr" })
	_, body := get(t, s, "/?token="+memberToken)
	wantContains(t, "busy agenda", body, `<html lang="fr">`, "Semaine du lundi 30\u00a0novembre 2026",
		"Le compte accueille 1 réunion à la fois.",
		`<span class="time">10:00–11:00</span> <span class="title">Réservé</span><span class="room">Salle Opteos</span>`)
	wantLacks(t, "busy agenda", body, "Point mensuel", "Alice", "script", "Mallory", "Formation", "carol@")
}

func TestAgendaConcurrent(t *testing.T) {
	st := sampleStore()
	s := newServer(t, st, func(o *Options) { o.Concurrent = 2 })
	_, body := get(t, s, "/?token="+memberToken)
	wantContains(t, "agenda", body, "The account hosts 2 meetings at a time.")
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
	fri := dayHTML(t, body, "Friday 4 December 2026")
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
		{at(1, 10, 0), at(1, 11, 30), "10:00–11:30"},
		{at(1, 22, 0), at(2, 0, 0), "22:00–00:00"},
		{at(1, 22, 0), at(2, 1, 0), "22:00–01:00 (+1)"},
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
