package ical

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// vcal wraps VEVENT lines (and optional VTIMEZONEs before them) in a
// VCALENDAR.
func vcal(tz string, event ...string) []byte {
	s := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:request\r\n" + tz
	s += "BEGIN:VEVENT\r\n" + strings.Join(event, "\r\n") + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	return []byte(s)
}

const customVTZ = "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\n" +
	"BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n" +
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n" +
	"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n" +
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"

const fixedVTZ = "BEGIN:VTIMEZONE\r\nTZID:My Office\r\n" +
	"BEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nEND:STANDARD\r\n" +
	"END:VTIMEZONE\r\n"

func TestParseTimes(t *testing.T) {
	const uid = "UID:t1"
	tests := []struct {
		name       string
		tz         string
		lines      []string
		wantStart  string // UTC, RFC 3339
		wantEnd    string
		wantAllDay bool
		wantTZID   string
	}{
		{"utc", "", []string{uid, "DTSTART:20261201T090000Z", "DTEND:20261201T100000Z"},
			"2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", false, ""},
		{"windows romance", "", []string{uid, "DTSTART;TZID=Romance Standard Time:20261201T100000", "DURATION:PT1H"},
			"2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", false, "Romance Standard Time"},
		{"windows w europe summer", "", []string{uid, "DTSTART;TZID=W. Europe Standard Time:20260701T100000"},
			"2026-07-01T08:00:00Z", "2026-07-01T08:00:00Z", false, "W. Europe Standard Time"},
		{"windows eastern", "", []string{uid, "DTSTART;TZID=Eastern Standard Time:20260701T100000"},
			"2026-07-01T14:00:00Z", "2026-07-01T14:00:00Z", false, "Eastern Standard Time"},
		// IBM Notes: the Windows key without " Standard Time" (Helsinki,
		// Kyiv, Riga…: UTC+2, +3 in summer).
		{"notes fle", "", []string{uid, "DTSTART;TZID=FLE:20260701T100000"},
			"2026-07-01T07:00:00Z", "2026-07-01T07:00:00Z", false, "FLE"},
		{"new york before dst end", "", []string{uid, "DTSTART;TZID=America/New_York:20261031T093000", "DTEND;TZID=America/New_York:20261031T103000"},
			"2026-10-31T13:30:00Z", "2026-10-31T14:30:00Z", false, "America/New_York"},
		{"new york after dst end", "", []string{uid, "DTSTART;TZID=America/New_York:20261102T093000", "DTEND;TZID=America/New_York:20261102T103000"},
			"2026-11-02T14:30:00Z", "2026-11-02T15:30:00Z", false, "America/New_York"},
		{"mozilla prefix", "", []string{uid, "DTSTART;TZID=/mozilla.org/20050126_1/Europe/Paris:20260329T100000"},
			"2026-03-29T08:00:00Z", "2026-03-29T08:00:00Z", false, "/mozilla.org/20050126_1/Europe/Paris"},
		{"citadel prefix", "", []string{uid, "DTSTART;TZID=/citadel.org/20190914_1/Europe/Berlin:20260101T100000"},
			"2026-01-01T09:00:00Z", "2026-01-01T09:00:00Z", false, "/citadel.org/20190914_1/Europe/Berlin"},
		{"display name", "", []string{uid, `DTSTART;TZID="(UTC+01:00) Brussels, Copenhagen, Madrid, Paris":20260601T100000`},
			"2026-06-01T08:00:00Z", "2026-06-01T08:00:00Z", false, "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris"},
		{"old gmt display name", "", []string{uid, `DTSTART;TZID="(GMT+01.00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":20260101T100000`},
			"2026-01-01T09:00:00Z", "2026-01-01T09:00:00Z", false, "(GMT+01.00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"},
		{"customized winter", customVTZ, []string{uid, "DTSTART;TZID=Customized Time Zone:20261201T100000"},
			"2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z", false, "Customized Time Zone"},
		{"customized summer", customVTZ, []string{uid, "DTSTART;TZID=Customized Time Zone:20260701T100000", "DTEND;TZID=Customized Time Zone:20260701T110000"},
			"2026-07-01T08:00:00Z", "2026-07-01T09:00:00Z", false, "Customized Time Zone"},
		{"customized gap uses offset before", customVTZ, []string{uid, "DTSTART;TZID=Customized Time Zone:20260329T023000"},
			"2026-03-29T01:30:00Z", "2026-03-29T01:30:00Z", false, "Customized Time Zone"},
		{"customized overlap is first", customVTZ, []string{uid, "DTSTART;TZID=Customized Time Zone:20261025T023000"},
			"2026-10-25T00:30:00Z", "2026-10-25T00:30:00Z", false, "Customized Time Zone"},
		{"rules without rrule", fixedVTZ, []string{uid, "DTSTART;TZID=My Office:20260701T100000"},
			"2026-07-01T04:30:00Z", "2026-07-01T04:30:00Z", false, "My Office"},
		{"vtimezone names known zone", "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
			[]string{uid, "DTSTART;TZID=Europe/Paris:20260701T100000"},
			"2026-07-01T08:00:00Z", "2026-07-01T08:00:00Z", false, "Europe/Paris"},
		{"x-lic-location", "BEGIN:VTIMEZONE\r\nTZID:Paris time\r\nX-LIC-LOCATION:Europe/Paris\r\nEND:VTIMEZONE\r\n",
			[]string{uid, "DTSTART;TZID=Paris time:20260701T100000"},
			"2026-07-01T08:00:00Z", "2026-07-01T08:00:00Z", false, "Paris time"},
		{"floating uses location", "", []string{uid, "DTSTART:20260701T100000", "DTEND:20260701T110000"},
			"2026-07-01T08:00:00Z", "2026-07-01T09:00:00Z", false, ""},
		{"all day default one day", "", []string{uid, "DTSTART;VALUE=DATE:20261025"},
			"2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", true, ""},
		{"all day two days", "", []string{uid, "DTSTART;VALUE=DATE:20260915", "DTEND;VALUE=DATE:20260917"},
			"2026-09-14T22:00:00Z", "2026-09-16T22:00:00Z", true, ""},
		{"bare date", "", []string{uid, "DTSTART:20260915", "DTEND:20260916"},
			"2026-09-14T22:00:00Z", "2026-09-15T22:00:00Z", true, ""},
		{"duration days are nominal", "", []string{uid, "DTSTART;TZID=Europe/Paris:20261024T100000", "DURATION:P1DT1H"},
			"2026-10-24T08:00:00Z", "2026-10-25T10:00:00Z", false, "Europe/Paris"},
		{"duration weeks", "", []string{uid, "DTSTART:20260101T100000Z", "DURATION:P2W"},
			"2026-01-01T10:00:00Z", "2026-01-15T10:00:00Z", false, ""},
		{"date-time default zero length", "", []string{uid, "DTSTART:20260101T100000Z"},
			"2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z", false, ""},
		{"date ignores tzid", "", []string{uid, "DTSTART;VALUE=DATE;TZID=America/New_York:20260101"},
			"2025-12-31T23:00:00Z", "2026-01-01T23:00:00Z", true, ""},
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := Parse(vcal(tt.tz, tt.lines...), ParseOptions{Location: paris})
			if err != nil {
				t.Fatal(err)
			}
			e := cal.Events[0]
			if got := e.Start.UTC().Format(time.RFC3339); got != tt.wantStart {
				t.Errorf("Start = %s, want %s", got, tt.wantStart)
			}
			if got := e.End.UTC().Format(time.RFC3339); got != tt.wantEnd {
				t.Errorf("End = %s, want %s", got, tt.wantEnd)
			}
			if e.AllDay != tt.wantAllDay || e.StartTZID != tt.wantTZID {
				t.Errorf("AllDay, StartTZID = %v, %q, want %v, %q", e.AllDay, e.StartTZID, tt.wantAllDay, tt.wantTZID)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		wantIs  error
		wantMsg string
	}{
		{"missing uid", vcal("", "DTSTART:20260101T100000Z"), ErrMissingUID,
			"ical: VEVENT #1: missing UID"},
		{"empty uid", vcal("", "UID:", "DTSTART:20260101T100000Z"), ErrMissingUID,
			"ical: VEVENT #1: missing UID"},
		{"control character in uid", vcal("", "UID:\r", "DTSTART:20260101T100000Z"), nil,
			"ical: VEVENT \"\\r\": control character in UID"},
		{"missing dtstart", vcal("", "UID:a"), ErrMissingDTStart,
			`ical: VEVENT "a": missing DTSTART`},
		{"end before start", vcal("", "UID:a", "DTSTART:20260101T100000Z", "DTEND:20260101T090000Z"), ErrEndBeforeStart,
			`ical: VEVENT "a": end before start`},
		{"negative duration", vcal("", "UID:a", "DTSTART:20260101T100000Z", "DURATION:-PT1H"), ErrEndBeforeStart,
			`ical: VEVENT "a": end before start`},
		{"bad dtstart", vcal("", "UID:a", "DTSTART:2026-01-01T10:00:00Z"), nil,
			`ical: VEVENT "a": bad DTSTART value "2026-01-01T10:00:00Z": "2026-01-01T10:00:00" is not in the form 20060102T150405`},
		{"bad date", vcal("", "UID:a", "DTSTART;VALUE=DATE:20261301"), nil,
			`ical: VEVENT "a": bad DTSTART value "20261301": "20261301" is not a valid date or time`},
		{"unknown zone", vcal("", "UID:a", "DTSTART;TZID=Mars/Olympus:20260101T100000"), ErrUnknownTimeZone,
			`ical: VEVENT "a": bad DTSTART value "20260101T100000": unknown time zone Mars/Olympus`},
		{"bad duration", vcal("", "UID:a", "DTSTART:20260101T100000Z", "DURATION:PT1X"), nil,
			`ical: VEVENT "a": bad DURATION value "PT1X"`},
		{"bad exdate", vcal("", "UID:a", "DTSTART:20260101T100000Z", "RRULE:FREQ=DAILY", "EXDATE:20260102T100000Z,x"), nil,
			`ical: VEVENT "a": bad EXDATE value: "x": "x" is not in the form 20060102T150405`},
		// Values no database column holds are bad input (they once stalled
		// the queue on PostgreSQL).
		{"sequence beyond 32 bits", vcal("", "UID:a", "SEQUENCE:2147483648", "DTSTART:20260101T100000Z"), nil,
			`ical: VEVENT "a": SEQUENCE "2147483648" is not an integer from 0 to 2147483647`},
		{"negative sequence", vcal("", "UID:a", "SEQUENCE:-1", "DTSTART:20260101T100000Z"), nil,
			`ical: VEVENT "a": SEQUENCE "-1" is not an integer from 0 to 2147483647`},
		{"sequence not a number", vcal("", "UID:a", "SEQUENCE:two", "DTSTART:20260101T100000Z"), nil,
			`ical: VEVENT "a": SEQUENCE "two" is not an integer from 0 to 2147483647`},
		{"endless duration", vcal("", "UID:a", "DTSTART:20260101T100000Z", "DURATION:P99999999W"), nil,
			`ical: VEVENT "a": bad DURATION value "P99999999W": longer than 3660 days`},
		{"hours beyond time arithmetic", vcal("", "UID:a", "DTSTART:20260101T100000Z", "DURATION:PT999999999H"), nil,
			`ical: VEVENT "a": bad DURATION value "PT999999999H": longer than 3660 days`},
		{"year before 1900", vcal("", "UID:a", "DTSTART:18991231T100000Z"), nil,
			`ical: VEVENT "a": DTSTART in year 1899, outside 1900–9999`},
		{"end after 9999", vcal("", "UID:a", "DTSTART:99991231T100000Z", "DURATION:P2D"), nil,
			`ical: VEVENT "a": the end in year 10000, outside 1900–9999`},
		{"recurrence-id out of range", vcal("", "UID:a", "DTSTART:20260101T100000Z", "RECURRENCE-ID:00010101T100000Z"), nil,
			`ical: VEVENT "a": bad RECURRENCE-ID value "00010101T100000Z": RECURRENCE-ID in year 1, outside 1900–9999`},
		{"uid not UTF-8", vcal("", "UID:a\xff", "DTSTART:20260101T100000Z"), nil,
			"ical: VEVENT \"a\\xff\": UID not UTF-8 or longer than 1000 octets"},
		{"not a calendar", []byte("BEGIN:VCARD\r\nEND:VCARD\r\n"), nil,
			"ical: top-level component is VCARD, not VCALENDAR"},
		{"garbage", []byte("\x00\x01hello"), nil, "ical: line 1: no BEGIN line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.data, ParseOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("error = %q, want %q", err, tt.wantMsg)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	data := vcal("",
		"UID:  Mixed Case UID with spaces ",
		"SEQUENCE:1764493200",
		"DTSTAMP:20120713T1254140",
		"DTSTART:20260101T100000Z",
		`SUMMARY:Budget\, Q1\nreview`,
		"STATUS:tentative",
		"ORGANIZER;CN=Zoom:no-reply@zoom.us",
		"ATTENDEE;CN=A:mailto:a@coop.example",
		"ATTENDEE;CN=Room:MAILTO:Zoom@Coop.Example",
		"RRULE:FREQ=WEEKLY;COUNT=3",
		"RDATE;VALUE=DATE:20260110,20260111",
		"RDATE;VALUE=PERIOD:20260120T100000Z/PT1H",
		"EXDATE:20260108T100000Z",
		"EXDATE;TZID=Europe/Paris:20260115T110000,20260122T110000",
	)
	cal, err := Parse(data, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := cal.Events[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"Method", cal.Method, "REQUEST"},
		{"ProdID", cal.ProdID, "-//test//EN"},
		{"UID", e.UID, "  Mixed Case UID with spaces "},
		{"Sequence", e.Sequence, 1764493200},
		{"DTStamp zero", e.DTStamp.IsZero(), true},
		{"Summary", e.Summary, "Budget, Q1\nreview"},
		{"Status", e.Status, "TENTATIVE"},
		{"Organizer", e.Organizer.Address(), "no-reply@zoom.us"},
		{"Attendees", len(e.Attendees), 2},
		{"Attendee match", e.Attendee(func(a string) bool { return a == "zoom@coop.example" }).CommonName(), "Room"},
		{"Attendee none", e.Attendee(func(string) bool { return false }) == nil, true},
		{"RRule", e.RRule, "FREQ=WEEKLY;COUNT=3"},
		{"IsRecurring", e.IsRecurring(), true},
		{"RecurrenceID", e.RecurrenceID == nil, true},
		{"RDates", fmtTimes(e.RDates), "2026-01-10T00:00:00Z 2026-01-11T00:00:00Z 2026-01-20T10:00:00Z"},
		{"ExDates", fmtTimes(e.ExDates), "2026-01-08T10:00:00Z 2026-01-15T10:00:00Z 2026-01-22T10:00:00Z"},
		{"Props", len(e.Props), 14},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestParseRecurrenceID(t *testing.T) {
	tests := []struct {
		name       string
		line       string
		wantTime   string
		wantFuture bool
	}{
		{"utc", "RECURRENCE-ID:20260305T140000Z", "2026-03-05T14:00:00Z", false},
		{"tzid", "RECURRENCE-ID;TZID=Europe/Paris:20260305T150000", "2026-03-05T14:00:00Z", false},
		{"date", "RECURRENCE-ID;VALUE=DATE:20260305", "2026-03-05T00:00:00Z", false},
		{"range", "RECURRENCE-ID;RANGE=thisandfuture:20260305T140000Z", "2026-03-05T14:00:00Z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := Parse(vcal("", "UID:a", "DTSTART:20260305T150000Z", tt.line), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := cal.Events[0].RecurrenceID
			if got := r.Time.UTC().Format(time.RFC3339); got != tt.wantTime || r.ThisAndFuture != tt.wantFuture {
				t.Errorf("RecurrenceID = %s %v, want %s %v", got, r.ThisAndFuture, tt.wantTime, tt.wantFuture)
			}
			if r.Prop.String() != tt.line {
				t.Errorf("Prop = %q, want %q", r.Prop.String(), tt.line)
			}
			if cal.Events[0].IsRecurring() {
				t.Error("IsRecurring() = true for an occurrence")
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want duration
		err  bool
	}{
		{"PT1H30M", duration{secs: 5400}, false},
		{"P1D", duration{days: 1}, false},
		{"-P1W2D", duration{days: 9, neg: true}, false},
		{"+P0DT0H30M0S", duration{secs: 1800}, false},
		{"P", duration{}, true},
		{"PT", duration{}, true},
		{"P1H", duration{}, true},
		{"PT1D", duration{}, true},
		{"P1", duration{}, true},
		{"P9999999999D", duration{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDuration(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if !tt.err && got != tt.want {
				t.Errorf("parseDuration(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func fmtTimes(ts []time.Time) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.UTC().Format(time.RFC3339)
	}
	return strings.Join(s, " ")
}

// TestParseNoStart: the components of a CANCEL, a REFRESH (RFC 5546
// §3.2.6 lists no DTSTART) and a DECLINECOUNTER may lack DTSTART; those
// of a REQUEST may not.
func TestParseNoStart(t *testing.T) {
	for method, ok := range map[string]bool{"CANCEL": true, "REFRESH": true, "DECLINECOUNTER": true, "REQUEST": false, "REPLY": false} {
		data := strings.Replace(string(vcal("", "UID:r-1", "DTSTAMP:20261130T080000Z",
			"ORGANIZER:mailto:alice@coop.example", "ATTENDEE:mailto:carol@coop.example")), "METHOD:request", "METHOD:"+method, 1)
		cal, err := Parse([]byte(data), ParseOptions{})
		if !ok {
			if err == nil {
				t.Errorf("%s without DTSTART parsed", method)
			}
			continue
		}
		if err != nil || len(cal.Events) != 1 || !cal.Events[0].NoStart || !cal.Events[0].Start.IsZero() {
			t.Errorf("%s without DTSTART: %v", method, err)
		}
	}
}
