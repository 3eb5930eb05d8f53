package ical

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// fixture is what a test invitation in testdata must parse to.
type fixture struct {
	file        string
	method      string
	uid         string
	sequence    int
	start, end  string // UTC, RFC 3339
	allDay      bool
	tzid        string
	summary     string
	organizer   string // Organizer.Address(), "" when absent
	attendees   int
	roomCN      string // CN of the room's ATTENDEE; "-" when the room is not invited
	timezones   int
	firstLine   string // first line of the decoded calendar
	organizerLn string // ORGANIZER line as received
}

var fixtures = []fixture{
	{"google_single.eml", "REQUEST", "3k1v0b7q9e2r5t8y1u4i6o9p2a@google.com", 0,
		"2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", false, "", "Conseil d'administration — coopérative",
		"alice@coop.example", 3, "zoom@coop.example", 0, "BEGIN:VCALENDAR",
		"ORGANIZER;CN=Alice Martin:mailto:alice@coop.example"},
	{"google_recurring.eml", "REQUEST", "7h2kq9d0s1f3g5j8l0z2x4c6v8@google.com", 2,
		"2026-10-13T08:00:00Z", "2026-10-13T09:30:00Z", false, "Europe/Paris", "Point hebdo",
		"alice@coop.example", 2, "zoom@coop.example", 1, "BEGIN:VCALENDAR",
		"ORGANIZER;CN=Alice Martin:mailto:alice@coop.example"},
	{"outlook.eml", "REQUEST", "040000008200E00074C5B7101A82E00800000000D0B6F2A7C561DC01000000000000000010000000F3C9A1B2D4E5F60718293A4B5C6D7E8F", 1,
		"2026-12-01T09:00:00Z", "2026-12-01T10:30:00Z", false, "Romance Standard Time", "Réunion d'équipe — décembre",
		"alice@coop.example", 2, "Salle Zoom", 1, "BEGIN:VCALENDAR",
		`ORGANIZER;CN=Alice Martin;SENT-BY="mailto:bob@coop.example":mailto:alice@coop.example`},
	{"apple.eml", "REQUEST", "5E0C6C48-8F0B-4E8B-9E4C-2B7D7C1F0A11", 0,
		"2026-11-03T14:30:00Z", "2026-11-03T15:30:00Z", false, "America/New_York", "Budget review",
		"alice@coop.example", 2, "Zoom Room", 1, "BEGIN:VCALENDAR",
		`ORGANIZER;CN="Alice Martin";EMAIL="alice@coop.example":MAILTO:alice@coop.example`},
	{"thunderbird.eml", "REQUEST", "b1c8e2a4-6f3d-4e7a-9b2c-5d8f1a3e7c90", 0,
		"2026-03-29T08:00:00Z", "2026-03-29T10:00:00Z", false, "/mozilla.org/20050126_1/Europe/Paris", "Atelier fête de quartier",
		"alice@coop.example", 2, "", 1, "BEGIN:VCALENDAR",
		"ORGANIZER;RSVP=TRUE;CN=Alice Martin;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:alice@coop.example"},
	{"proton.eml", "REQUEST", "pm9Qw3eR5tY7uI9oP1aS3dF5gH7jK9lZ@proton.me", 0,
		"2026-09-14T22:00:00Z", "2026-09-16T22:00:00Z", true, "", "Assemblée générale (2 jours)",
		"alice@coop.example", 1, "zoom@coop.example", 0, "BEGIN:VCALENDAR",
		"ORGANIZER;CN=Alice Martin:mailto:alice@coop.example"},
	{"zoom_publish.eml", "PUBLISH", "20261208T170000Z-89123456789@fe80:0:0:0:1c2a:3bff:fe4d:5e6f%en0", 0,
		"2026-12-08T17:00:00Z", "2026-12-08T18:00:00Z", false, "", "Coop webinar: energy savings",
		"", 0, "-", 0, "BEGIN:VCALENDAR", ""},
	{"zoom_webinar.eml", "REQUEST", "ZOOM89123456789", 1764493200,
		"2026-12-08T17:00:00Z", "2026-12-08T18:00:00Z", false, "", "Coop webinar: energy savings",
		"no-reply@zoom.us", 1, "zoom@coop.example", 0, "BEGIN:VCALENDAR",
		"ORGANIZER;CN=Zoom:no-reply@zoom.us"},
}

const room = "zoom@coop.example"

func isRoom(addr string) bool { return addr == room }

// parseFixture reads a testdata message and parses its calendar in the
// room's zone, Europe/Paris.
func parseFixture(t *testing.T, file string) (*Calendar, []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	data, err := FindCalendar(raw, 1<<20)
	if err != nil {
		t.Fatalf("FindCalendar: %v", err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := Parse(data, ParseOptions{Location: paris})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cal, data
}

func TestFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			cal, data := parseFixture(t, f.file)
			if len(cal.Events) != 1 {
				t.Fatalf("%d events, want 1", len(cal.Events))
			}
			e := cal.Events[0]
			roomCN := "-"
			if a := e.Attendee(isRoom); a != nil {
				roomCN = a.CommonName()
			}
			orgLine := ""
			if e.Organizer != nil {
				orgLine = e.Organizer.String()
			}
			firstLine, _, _ := strings.Cut(string(data), "\r\n")
			checks := []struct {
				name      string
				got, want any
			}{
				{"Method", cal.Method, f.method},
				{"UID", e.UID, f.uid},
				{"Sequence", e.Sequence, f.sequence},
				{"Start", e.Start.UTC().Format(time.RFC3339), f.start},
				{"End", e.End.UTC().Format(time.RFC3339), f.end},
				{"AllDay", e.AllDay, f.allDay},
				{"StartTZID", e.StartTZID, f.tzid},
				{"Summary", e.Summary, f.summary},
				{"Organizer", e.Organizer.Address(), f.organizer},
				{"Attendees", len(e.Attendees), f.attendees},
				{"room CN", roomCN, f.roomCN},
				{"Timezones", len(cal.Timezones), f.timezones},
				{"first line", firstLine, f.firstLine},
				{"organizer line", orgLine, f.organizerLn},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
				}
			}
		})
	}
}

func TestFixtureDetails(t *testing.T) {
	cal, _ := parseFixture(t, "google_recurring.eml")
	e := cal.Events[0]
	if got, want := fmtTimes(e.ExDates), "2026-10-27T09:00:00Z 2026-11-03T09:00:00Z"; got != want {
		t.Errorf("ExDates = %s, want %s", got, want)
	}
	if got, want := e.RRule, "FREQ=WEEKLY;WKST=MO;COUNT=6;BYDAY=TU"; got != want {
		t.Errorf("RRule = %q, want %q", got, want)
	}
	cal, _ = parseFixture(t, "outlook.eml")
	if got, want := cal.Events[0].Organizer.Param("sent-by"), "mailto:bob@coop.example"; got != want {
		t.Errorf("SENT-BY = %q, want %q", got, want)
	}
	cal, _ = parseFixture(t, "zoom_publish.eml")
	if !cal.Events[0].DTStamp.IsZero() {
		t.Errorf("DTStamp = %v, want zero for an invalid value", cal.Events[0].DTStamp)
	}
}

// msg builds a message from header lines and a body, with CRLF line ends.
func msg(header, body string) []byte {
	return []byte(strings.ReplaceAll(header, "\n", "\r\n") + "\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

const miniCal = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART:20260101T100000Z\nEND:VEVENT\nEND:VCALENDAR\n"

func TestFindCalendar(t *testing.T) {
	tests := []struct {
		name    string
		raw     []byte
		maxSize int64
		want    string // decoded calendar, or the error text
		wantErr error
	}{
		{"no calendar", msg("Content-Type: text/plain\n", "hello\n"), 0, "ical: no calendar in message", ErrNoCalendar},
		{"root calendar", msg("Content-Type: text/calendar; method=REQUEST;;\n", miniCal), 0, strings.ReplaceAll(miniCal, "\n", "\r\n"), nil},
		{"latin1", msg("Content-Type: text/calendar; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n", "SUMMARY:caf\xe9"), 0, "SUMMARY:café", nil},
		{"windows-1252 qp", msg("Content-Type: text/calendar; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n", "SUMMARY:=80 10=\n0"), 0, "SUMMARY:€ 100", nil},
		{"unknown charset", msg("Content-Type: text/calendar; charset=x-klingon\n", "X"), 0, `ical: invalid charset "x-klingon": charset "x-klingon": htmlindex: invalid encoding name`, nil},
		{"too large", msg("Content-Type: text/calendar\n", miniCal), 50, "ical: calendar part larger than 50 octets", nil},
		{"bad base64", msg("Content-Type: text/calendar\nContent-Transfer-Encoding: base64\n", "!!!!"), 0, "ical: bad base64 in calendar part: illegal base64 data at input byte 0", nil},
		{"unknown encoding", msg("Content-Type: text/calendar\nContent-Transfer-Encoding: x-uuencode\n", "X"), 0, `ical: unknown transfer encoding "x-uuencode"`, nil},
		{"multipart without boundary", msg("Content-Type: multipart/mixed\n", "X"), 0, "ical: multipart without boundary", nil},
		// Thunderbird and Python's email package read a multipart whose
		// closing delimiter is missing: so does roomgate.
		{"multipart without its closing delimiter", msg("Content-Type: multipart/mixed; boundary=b\n",
			"--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n"), 0, "BEGIN:VCALENDAR\r\nEND:VCALENDAR", nil},
		{"nested multipart not closed", msg("Content-Type: multipart/mixed; boundary=b\n",
			"--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\nContent-Type: text/calendar\n\nINNER\n--b--\n"), 0, "INNER", nil},
		// Thunderbird's test mail: the nested alternative is closed, the
		// outer mixed is not.
		{"outer multipart not closed after a closed nested one", msg("Content-Type: multipart/mixed; boundary=b\n",
			"--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\nContent-Type: text/plain\n\nhi\n"+
				"--c\nContent-Type: text/calendar\n\nINNER\n--c--\n"), 0, "INNER", nil},
		{"multipart with no part", msg("Content-Type: multipart/mixed; boundary=b\n", "no delimiter at all\n"), 0, "ical: no calendar in message", ErrNoCalendar},
		{"octet-stream ics", msg("Content-Type: multipart/mixed; boundary=b\n",
			"--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: application/octet-stream; name=meeting.ICS\n\nBEGIN:VCALENDAR\n--b--\n"), 0, "BEGIN:VCALENDAR", nil},
		{"octet-stream other", msg("Content-Type: multipart/mixed; boundary=b\n",
			"--b\nContent-Type: application/octet-stream; name=x.pdf\n\nBEGIN:VCALENDAR\n--b--\n"), 0, "ical: no calendar in message", ErrNoCalendar},
		{"nested message not followed", msg("Content-Type: multipart/mixed; boundary=b\n",
			"--b\nContent-Type: message/rfc822\n\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\n--b--\n"), 0, "ical: no calendar in message", ErrNoCalendar},
		{"inline preferred over earlier attachment", msg("Content-Type: multipart/mixed; boundary=b\n",
			"--b\nContent-Type: application/ics\nContent-Disposition: attachment; filename=invite.ics\n\nATTACHED\n"+
				"--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\nContent-Type: text/plain\n\nhi\n--c\nContent-Type: text/calendar\n\nINLINE\n--c--\n--b--\n"),
			0, "INLINE", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindCalendar(tt.raw, tt.maxSize)
			if err != nil {
				if err.Error() != tt.want {
					t.Errorf("error = %q, want %q", err, tt.want)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v is not %v", err, tt.wantErr)
				}
				return
			}
			if string(got) != tt.want {
				t.Errorf("FindCalendar = %q, want %q", got, tt.want)
			}
		})
	}
}
