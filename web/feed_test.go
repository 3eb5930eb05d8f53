package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// checkLines fails unless every line ends in CRLF and is at most 75 octets.
func checkLines(t *testing.T, body string) {
	t.Helper()
	if !strings.HasSuffix(body, "\r\n") {
		t.Errorf("body does not end in CRLF")
	}
	for i, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(l) > 75 || strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d: %q is not a folded content line", i+1, l)
		}
	}
}

func TestAgendaFeed(t *testing.T) {
	s := newServer(t, sampleStore())
	res, body := get(t, s, "/agenda.ics?token="+memberToken)
	wantStatus(t, res, body, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	checkLines(t, body)
	wantContains(t, "feed", body, "METHOD:PUBLISH\r\n", "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n", "X-WR-CALNAME:Salle Opteos\r\n",
		"DTSTART;TZID=Europe/Paris:20261201T100000\r\n", "DTEND;TZID=Europe/Paris:20261201T110000\r\n",
		"ORGANIZER;CN=Alice Martin:mailto:alice@coop.example\r\n", "SUMMARY:<script>alert(1)</script>\r\n",
		"LOCATION:Salle Opteos\r\n")
	wantLacks(t, "feed", body, "Declined meeting", "UID:alice-1", "483920")
	cal, err := ical.Parse([]byte(body), ical.ParseOptions{Location: paris})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if cal.Method != "PUBLISH" || len(cal.Events) != 4 {
		t.Fatalf("method %q, %d events; want PUBLISH, 4", cal.Method, len(cal.Events))
	}
	want := map[string]string{"Point mensuel": "2026-12-01T09:00:00Z", hostile: "2026-12-02T13:00:00Z",
		"Formation": "2026-12-03T13:00:00Z", "Next week": "2026-12-07T08:00:00Z"}
	uids := map[string]string{}
	for _, ev := range cal.Events {
		if got := ev.Start.Format("2006-01-02T15:04:05Z"); got != want[ev.Summary] {
			t.Errorf("%q starts %s, want %s", ev.Summary, got, want[ev.Summary])
		}
		if !strings.HasPrefix(ev.UID, "roomgate-") || uids[ev.UID] != "" {
			t.Errorf("UID %q: not ours or repeated", ev.UID)
		}
		uids[ev.UID] = ev.Summary
	}
	// Another request gives the same UIDs.
	_, again := get(t, s, "/agenda.ics", "Authorization", "Bearer "+memberToken)
	cal2, err := ical.Parse([]byte(again), ical.ParseOptions{Location: paris})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range cal2.Events {
		if uids[ev.UID] != ev.Summary {
			t.Errorf("UID %q changed between requests (%q)", ev.UID, ev.Summary)
		}
	}
}

func TestAgendaFeedBusy(t *testing.T) {
	s := newServer(t, sampleStore(), func(o *Options) { o.Show, o.Lang = ShowBusy, "fr" })
	_, body := get(t, s, "/agenda.ics?token="+memberToken)
	checkLines(t, body)
	cal, err := ical.Parse([]byte(body), ical.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range cal.Events {
		if ev.Summary != "Réservé" || ev.Organizer != nil {
			t.Errorf("busy feed event: summary %q organizer %v", ev.Summary, ev.Organizer)
		}
	}
	wantLacks(t, "busy feed", body, "Point mensuel", "alice", "ORGANIZER", "script")
}

func TestFeedUIDStable(t *testing.T) {
	st := sampleStore()
	a, b := st.bookings[0], st.bookings[3]
	a2 := a
	a2.Summary, a2.Start, a2.Sequence = "renamed", a.Start.Add(time.Hour), 7
	if FeedUID(a) != FeedUID(a2) || FeedUID(a) == FeedUID(b) {
		t.Fatal("FeedUID not a function of the booking key")
	}
	b2 := b
	b2.RecurrenceID = "20261210T130000Z"
	if FeedUID(b) == FeedUID(b2) {
		t.Error("two occurrences share a feed UID")
	}
	if got, want := FeedUID(a), "roomgate-"; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "@roomgate.invalid") {
		t.Errorf("FeedUID = %q", got)
	}
}

func TestFreeBusyFeed(t *testing.T) {
	st := sampleStore()
	s := newServer(t, st)
	res, body := get(t, s, "/freebusy.ics?token="+memberToken)
	wantStatus(t, res, body, http.StatusOK)
	checkLines(t, body)
	wantContains(t, "free/busy", body,
		"METHOD:PUBLISH\r\nBEGIN:VFREEBUSY\r\n",
		"DTSTART:20261130T080000Z\r\nDTEND:20261230T080000Z\r\n",
		"ORGANIZER;CN=Salle Opteos:mailto:zoom@coop.example\r\n",
		// Busy with the 10 minutes kept free around each booking: a
		// meeting there would be declined.
		"FREEBUSY;FBTYPE=BUSY:20261201T085000Z/20261201T101000Z\r\n"+
			"FREEBUSY;FBTYPE=BUSY:20261202T125000Z/20261202T144000Z\r\n"+
			"FREEBUSY;FBTYPE=BUSY:20261203T125000Z/20261203T141000Z\r\n"+
			"FREEBUSY;FBTYPE=BUSY:20261207T075000Z/20261207T091000Z\r\n"+
			"END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
	wantLacks(t, "free/busy", body, "Point mensuel", "alice", "SUMMARY")
	if _, err := ical.Parse([]byte(body), ical.ParseOptions{}); err != nil {
		t.Errorf("Parse: %v", err)
	}
	_, again := get(t, s, "/freebusy.ics?token="+memberToken)
	uid := func(s string) string { i := strings.Index(s, "UID:"); return s[i : i+strings.Index(s[i:], "\r\n")] }
	if uid(body) != uid(again) {
		t.Errorf("free/busy UID changed: %s, %s", uid(body), uid(again))
	}
	// With room for two meetings, one booking leaves the account free.
	s2 := newServer(t, st, func(o *Options) { o.Concurrent = 2 })
	_, body = get(t, s2, "/freebusy.ics?token="+memberToken)
	wantLacks(t, "free/busy with 2 meetings", body, "FREEBUSY;")
}

// TestRoomFreeBusy: /freebusy/<room address>.vfb, the URL Outlook's
// Internet Free/Busy builds from %NAME%@%SERVER%, serves the room's
// VFREEBUSY; any other address is not found.
func TestRoomFreeBusy(t *testing.T) {
	s := newServer(t, sampleStore())
	for _, path := range []string{"/freebusy/zoom@coop.example.vfb", "/freebusy/Zoom+compta@Coop.Example.vfb"} {
		res, body := get(t, s, path+"?token="+memberToken)
		wantStatus(t, res, body, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		checkLines(t, body)
		wantContains(t, path, body, "METHOD:PUBLISH\r\nBEGIN:VFREEBUSY\r\n", "ORGANIZER;CN=Salle Opteos:mailto:zoom@coop.example\r\n",
			"FREEBUSY;FBTYPE=BUSY:20261201T085000Z/20261201T101000Z\r\n")
		wantLacks(t, path, body, "Point mensuel", "SUMMARY")
		if _, err := ical.Parse([]byte(body), ical.ParseOptions{}); err != nil {
			t.Errorf("%s: Parse: %v", path, err)
		}
	}
	for _, path := range []string{"/freebusy/alice@coop.example.vfb", "/freebusy/zoom@coop.example.ics", "/freebusy/zoom@coop.example"} {
		res, body := get(t, s, path+"?token="+memberToken)
		wantStatus(t, res, body, http.StatusNotFound)
	}
	res, body := get(t, s, "/freebusy/zoom@coop.example.vfb")
	wantStatus(t, res, body, http.StatusUnauthorized)
}

// TestSubscribe: the agenda gives the full subscription addresses, https
// and webcal, as the member reached the page through the reverse proxy,
// always with the members' token (never the operator's).
func TestSubscribe(t *testing.T) {
	s := newServer(t, sampleStore())
	tests := []struct {
		name   string
		header []string
		base   string
	}{
		{"behind a proxy", []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "salles.coop.example", "X-Forwarded-Prefix", "/zoom/"},
			"https://salles.coop.example/zoom"},
		{"no proxy headers", nil, "https://example.com"},
		{"plain http proxy", []string{"X-Forwarded-Proto", "http"}, "http://example.com"},
		{"hostile headers", []string{"X-Forwarded-Host", `evil"><script>`, "X-Forwarded-Prefix", "//evil.example", "X-Forwarded-Proto", "javascript"},
			"https://example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, body := get(t, s, "/?token="+operatorToken, tc.header...)
			q := "?token=" + memberToken
			host := strings.TrimPrefix(strings.TrimPrefix(tc.base, "https://"), "http://")
			wantContains(t, "subscribe", body,
				`<input id="feed" class="url" type="text" readonly value="`+tc.base+"/agenda.ics"+q+`">`,
				`<a class="button" href="webcal://`+host+"/agenda.ics"+q+`">`,
				`<input id="fb" class="url" type="text" readonly value="`+tc.base+"/freebusy.ics"+q+`">`,
				`<input id="vfb" class="url" type="text" readonly value="`+tc.base+"/freebusy/%NAME%@%SERVER%.vfb"+q+`">`,
				`<code class="url">`+tc.base+"/freebusy/zoom@coop.example.vfb"+q+`</code>`)
			sub := body[strings.Index(body, `<section class="subscribe"`):]
			wantLacks(t, "subscribe", sub, operatorToken, "<script", "evil")
		})
	}
}
