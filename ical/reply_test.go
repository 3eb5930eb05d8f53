package ical

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var replyNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func TestBuildReplyOutlook(t *testing.T) {
	cal, _ := parseFixture(t, "outlook.eml")
	e := cal.Events[0]
	out := BuildReply(cal, []ReplyItem{{
		Event: e, Attendee: e.Attendee(isRoom), PartStat: "ACCEPTED",
		Comment: "Réservé; salle libre, à bientôt", RequestStatus: "2.0;Success",
	}}, replyNow, "-//roomgate//EN")
	want := "BEGIN:VCALENDAR\r\n" +
		"PRODID:-//roomgate//EN\r\n" +
		"VERSION:2.0\r\n" +
		"METHOD:REPLY\r\n" +
		"BEGIN:VTIMEZONE\r\n" +
		"TZID:Romance Standard Time\r\n" +
		"BEGIN:STANDARD\r\n" +
		"DTSTART:16010101T030000\r\n" +
		"TZOFFSETFROM:+0200\r\n" +
		"TZOFFSETTO:+0100\r\n" +
		"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\n" +
		"END:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\n" +
		"DTSTART:16010101T020000\r\n" +
		"TZOFFSETFROM:+0100\r\n" +
		"TZOFFSETTO:+0200\r\n" +
		"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\n" +
		"END:DAYLIGHT\r\n" +
		"END:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\r\n" +
		"UID:040000008200E00074C5B7101A82E00800000000D0B6F2A7C561DC01000000000000000\r\n" +
		" 010000000F3C9A1B2D4E5F60718293A4B5C6D7E8F\r\n" +
		"DTSTAMP:20261120T100000Z\r\n" +
		"SEQUENCE:1\r\n" +
		"ORGANIZER;CN=Alice Martin;SENT-BY=\"mailto:bob@coop.example\":mailto:alice@co\r\n" +
		" op.example\r\n" +
		"ATTENDEE;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED;CUTYPE=RESOURCE;CN=Salle Zo\r\n" +
		" om:mailto:zoom@coop.example\r\n" +
		"DTSTART;TZID=Romance Standard Time:20261201T100000\r\n" +
		"DTEND;TZID=Romance Standard Time:20261201T113000\r\n" +
		"SUMMARY;LANGUAGE=fr-FR:Réunion d'équipe — décembre\r\n" +
		"COMMENT:Réservé\\; salle libre\\, à bientôt\r\n" +
		"X-RESPONSE-COMMENT:Réservé\\; salle libre\\, à bientôt\r\n" +
		"REQUEST-STATUS:2.0;Success\r\n" +
		"END:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	if string(out) != want {
		t.Errorf("BuildReply =\n%s\nwant\n%s", out, want)
	}
}

func TestBuildReplySeriesWithBusyDate(t *testing.T) {
	cal, _ := parseFixture(t, "google_recurring.eml")
	e := cal.Events[0]
	room := e.Attendee(isRoom)
	busy := time.Date(2026, 10, 20, 8, 0, 0, 0, time.UTC)
	out := BuildReply(cal, []ReplyItem{
		{Event: e, Attendee: room, PartStat: "ACCEPTED"},
		{Event: e, Attendee: room, PartStat: "DECLINED", RecurrenceID: e.RecurrenceIDFor(busy), RequestStatus: "4.0;Busy"},
	}, replyNow, "-//roomgate//EN")
	s := string(out)
	wantSecond := "BEGIN:VEVENT\r\n" +
		"UID:7h2kq9d0s1f3g5j8l0z2x4c6v8@google.com\r\n" +
		"DTSTAMP:20261120T100000Z\r\n" +
		"SEQUENCE:2\r\n" +
		"ORGANIZER;CN=Alice Martin:mailto:alice@coop.example\r\n" +
		"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;CN=zoom@c\r\n" +
		" oop.example;X-NUM-GUESTS=0:mailto:zoom@coop.example\r\n" +
		"RECURRENCE-ID;TZID=Europe/Paris:20261020T100000\r\n" +
		"DTSTART;TZID=Europe/Paris:20261020T100000\r\n" +
		"DURATION:PT1H30M\r\n" +
		"SUMMARY:Point hebdo\r\n" +
		"REQUEST-STATUS:4.0;Busy\r\n" +
		"END:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	if !strings.HasSuffix(s, wantSecond) {
		t.Errorf("reply does not end with the declined occurrence:\n%s", s)
	}
	if n := strings.Count(s, "BEGIN:VTIMEZONE"); n != 1 {
		t.Errorf("%d VTIMEZONEs, want 1", n)
	}
	if strings.Contains(s, "RRULE:FREQ=WEEKLY") || strings.Contains(s, "EXDATE") {
		t.Error("reply copies RRULE or EXDATE")
	}
}

func TestRecurrenceIDFor(t *testing.T) {
	at := time.Date(2026, 10, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		start string
		want  string
	}{
		{"tzid", "DTSTART;TZID=Europe/Paris:20261013T100000", "RECURRENCE-ID;TZID=Europe/Paris:20261027T100000"},
		{"utc", "DTSTART:20261013T090000Z", "RECURRENCE-ID:20261027T090000Z"},
		{"floating", "DTSTART:20261013T100000", "RECURRENCE-ID:20261027T100000"},
		{"date", "DTSTART;VALUE=DATE:20261013", "RECURRENCE-ID;VALUE=DATE:20261027"},
		{"windows", "DTSTART;TZID=Romance Standard Time:20261013T100000", "RECURRENCE-ID;TZID=Romance Standard Time:20261027T100000"},
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := Parse(vcal("", "UID:a", tt.start, "RRULE:FREQ=WEEKLY"), ParseOptions{Location: paris})
			if err != nil {
				t.Fatal(err)
			}
			if got := cal.Events[0].RecurrenceIDFor(at).String(); got != tt.want {
				t.Errorf("RecurrenceIDFor = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBuildReplyMusts checks every rule of interop.md "What a REPLY must
// contain" on a reply to each fixture that invites the room.
func TestBuildReplyMusts(t *testing.T) {
	for _, f := range fixtures {
		if f.roomCN == "-" {
			continue
		}
		t.Run(f.file, func(t *testing.T) {
			req, _ := parseFixture(t, f.file)
			e := req.Events[0]
			out := BuildReply(req, []ReplyItem{{Event: e, Attendee: e.Attendee(isRoom), PartStat: "DECLINED"}}, replyNow, "-//roomgate//EN")
			checkLines(t, out)
			rep, err := Parse(out, ParseOptions{Location: time.FixedZone("CEST", 7200)})
			if err != nil {
				t.Fatalf("reply does not parse: %v", err)
			}
			r := rep.Events[0]
			checks := []struct {
				name      string
				got, want any
			}{
				{"METHOD", rep.Method, "REPLY"},
				{"events", len(rep.Events), 1},
				{"UID", r.UID, e.UID},
				{"SEQUENCE present", r.Prop("SEQUENCE") != nil, true},
				{"SEQUENCE", r.Sequence, e.Sequence},
				{"DTSTAMP", r.DTStamp, replyNow},
				{"ORGANIZER", r.Organizer.String(), e.Organizer.String()},
				{"one ATTENDEE", len(r.Attendees), 1},
				{"ATTENDEE is room", r.Attendees[0].Address(), room},
				{"PARTSTAT", r.Attendees[0].Param("PARTSTAT"), "DECLINED"},
				{"no RSVP", r.Attendees[0].Param("RSVP"), ""},
				{"no RECURRENCE-ID", r.RecurrenceID == nil, true},
				{"Start", r.Start, e.Start},
				{"End", r.End, e.End},
				{"VTIMEZONE copied", len(rep.Timezones), f.timezones},
				{"no VALARM", bytes.Contains(out, []byte("VALARM")), false},
				{"VERSION", string(out[bytes.Index(out, []byte("VERSION")):][:13]), "VERSION:2.0\r\n"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
				}
			}
		})
	}
}

// checkLines checks RFC 5545 §3.1 line rules: CRLF only, at most 75 octets,
// no UTF-8 character split across a fold.
func checkLines(t *testing.T, out []byte) {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		t.Error("output does not end in CRLF")
	}
	if n, m := bytes.Count(out, []byte("\n")), bytes.Count(out, []byte("\r\n")); n != m {
		t.Errorf("%d LF but %d CRLF", n, m)
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line with a split or invalid UTF-8 character: %q", l)
		}
	}
}

func TestFoldLine(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short", "A:b", "A:b\r\n"},
		{"exactly 75", strings.Repeat("x", 75), strings.Repeat("x", 75) + "\r\n"},
		{"76", strings.Repeat("x", 76), strings.Repeat("x", 75) + "\r\n x\r\n"},
		{"three lines", strings.Repeat("x", 75+74+1), strings.Repeat("x", 75) + "\r\n " + strings.Repeat("x", 74) + "\r\n x\r\n"},
		{"utf-8 not split", strings.Repeat("x", 74) + "é", strings.Repeat("x", 74) + "\r\n é\r\n"},
		{"4-byte rune", strings.Repeat("x", 73) + "😀", strings.Repeat("x", 73) + "\r\n 😀\r\n"},
		{"control removed", "A:b\r\nc\x00", "A:bc\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FoldLine(tt.in); got != tt.want {
				t.Errorf("FoldLine = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuildReplyEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		req   *Calendar
		items []ReplyItem
		want  string
	}{
		{"nil request, no items", nil, nil,
			"BEGIN:VCALENDAR\r\nPRODID:p\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n"},
		{"item without attendee skipped", &Calendar{}, []ReplyItem{{Event: &Event{UID: "x"}}},
			"BEGIN:VCALENDAR\r\nPRODID:p\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(BuildReply(tt.req, tt.items, replyNow, "p")); got != tt.want {
				t.Errorf("BuildReply = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuildReplyOverride(t *testing.T) {
	data, err := os.ReadFile("testdata/outlook_custom_tz.ics")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := Parse(data, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := cal.Events[1]
	out := BuildReply(cal, []ReplyItem{{Event: e, Attendee: e.Attendee(isRoom), PartStat: "TENTATIVE"}}, replyNow, "-//roomgate//EN")
	checkLines(t, out)
	want := "BEGIN:VEVENT\r\n" +
		"UID:040000008200E00074C5B7101A82E00800000000A1B2C3D4E5F6A701000000000000000\r\n" +
		" 010000000AABBCCDDEEFF00112233445566778899\r\n" +
		"DTSTAMP:20261120T100000Z\r\n" +
		"SEQUENCE:0\r\n" +
		"ORGANIZER;CN=Alice Martin:mailto:alice@coop.example\r\n" +
		"ATTENDEE;ROLE=NON-PARTICIPANT;PARTSTAT=TENTATIVE;CUTYPE=RESOURCE;CN=zoom@co\r\n" +
		" op.example:mailto:zoom@coop.example\r\n" +
		"RECURRENCE-ID;TZID=Customized Time Zone:20260305T090000\r\n" +
		"DTSTART;TZID=Customized Time Zone:20260305T100000\r\n" +
		"DURATION:PT1H\r\n" +
		"SUMMARY;LANGUAGE=en-US:Partner call (moved)\r\n" +
		"END:VEVENT\r\n"
	s := string(out)
	if !strings.Contains(s, want) {
		t.Errorf("reply lacks the override:\n%s", s)
	}
	if !strings.Contains(s, "TZID:Customized Time Zone\r\n") || strings.Contains(s, "Brussels") {
		t.Errorf("reply must copy only the VTIMEZONE it uses:\n%s", s)
	}
}

// An override with RANGE=THISANDFUTURE is answered for its own date: the
// RANGE is dropped. A later date it moved is answered with its own
// RECURRENCE-ID and its new start.
func TestBuildReplyThisAndFuture(t *testing.T) {
	data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:REQUEST\r\n" +
		"BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20261120T090000Z\r\nSEQUENCE:1\r\n" +
		"RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:20261224T100000\r\n" +
		"DTSTART;TZID=Europe/Paris:20261224T110000\r\nDTEND;TZID=Europe/Paris:20261224T120000\r\n" +
		"ORGANIZER:mailto:alice@coop.example\r\nATTENDEE;RSVP=TRUE:mailto:zoom@coop.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := Parse([]byte(data), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := cal.Events[0]
	later := time.Date(2027, 1, 7, 9, 0, 0, 0, time.UTC)
	out := string(BuildReply(cal, []ReplyItem{
		{Event: e, Attendee: e.Attendee(isRoom), PartStat: "ACCEPTED"},
		{Event: e, Attendee: e.Attendee(isRoom), PartStat: "DECLINED", RecurrenceID: e.RecurrenceIDFor(later),
			Start: e.RecurrenceIDFor(later.Add(time.Hour))},
	}, replyNow, "-//roomgate//EN"))
	for _, want := range []string{
		"RECURRENCE-ID;TZID=Europe/Paris:20261224T100000\r\nDTSTART;TZID=Europe/Paris:20261224T110000\r\n",
		"RECURRENCE-ID;TZID=Europe/Paris:20270107T100000\r\nDTSTART;TZID=Europe/Paris:20270107T110000\r\nDURATION:PT1H\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("reply lacks\n%s\n----\n%s", want, out)
		}
	}
	if strings.Contains(out, "RANGE") {
		t.Errorf("reply keeps RANGE:\n%s", out)
	}
}
