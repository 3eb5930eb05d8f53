package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
)

// secondParse reads a reply with emersion/go-ical, a parser written apart
// from this package, and checks what RFC 5545 §3.2.19 asks: every TZID a
// property uses names a VTIMEZONE of the object, exactly.
func secondParse(t *testing.T, data []byte) *goical.Calendar {
	t.Helper()
	var cal *goical.Calendar
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("go-ical panicked on the reply: %v\n%s", r, data)
			}
		}()
		var err error
		if cal, err = goical.NewDecoder(bytes.NewReader(data)).Decode(); err != nil {
			t.Fatalf("go-ical cannot read the reply: %v\n%s", err, data)
		}
	}()
	zones := map[string]bool{}
	for _, c := range cal.Children {
		if c.Name == goical.CompTimezone {
			zones[c.Props.Get(goical.PropTimezoneID).Value] = true
		}
	}
	for _, c := range cal.Children {
		if c.Name != goical.CompEvent {
			continue
		}
		for name, ps := range c.Props {
			for _, p := range ps {
				if id := p.Params.Get(goical.ParamTimezoneID); id != "" && !zones[id] {
					t.Errorf("%s uses TZID %q, and the reply has no VTIMEZONE of that TZID (it has %v)", name, id, zones)
				}
			}
		}
	}
	return cal
}

// tzRequest is a REQUEST whose times are in tzid, with vtz (may be "").
func tzRequest(tzid, vtz, attendeeParams string) []byte {
	return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\n" + vtz +
		"BEGIN:VEVENT\r\nUID:tz-1\r\nSEQUENCE:0\r\nDTSTAMP:20261120T090000Z\r\n" +
		"DTSTART;TZID=" + tzid + ":20261201T100000\r\nDTEND;TZID=" + tzid + ":20261201T110000\r\n" +
		"ORGANIZER:mailto:alice@coop.example\r\n" +
		"ATTENDEE;PARTSTAT=NEEDS-ACTION" + attendeeParams + ";RSVP=TRUE:mailto:zoom@coop.example\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n")
}

// TestReplyTimezones: a reply carries a VTIMEZONE for each TZID it uses,
// also when the request had none, or one whose TZID differs in case.
func TestReplyTimezones(t *testing.T) {
	parisVTZ := "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n" +
		"TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n" +
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
	tests := []struct {
		name, tzid, vtz string
		start           time.Time // the instant DTSTART stands for
	}{
		{"IANA name, no VTIMEZONE (Roundcube)", "Europe/London", "", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)},
		{"Windows name, no VTIMEZONE (pykolab)", `"W. Europe Standard Time"`, "", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"TZID in another case than its VTIMEZONE", "europe/paris", parisVTZ, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"VTIMEZONE as sent", "Europe/Paris", parisVTZ, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Parse(tzRequest(tt.tzid, tt.vtz, ""), ParseOptions{Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			e := req.Events[0]
			if !e.Start.Equal(tt.start) {
				t.Fatalf("request start %v, want %v", e.Start, tt.start)
			}
			out := BuildReply(req, []ReplyItem{{Event: e, Attendee: e.Attendee(isRoom), PartStat: "ACCEPTED"}}, replyNow, "-//t//EN")
			secondParse(t, out)
			if n := strings.Count(string(out), "BEGIN:VTIMEZONE"); n != 1 {
				t.Errorf("%d VTIMEZONE in the reply:\n%s", n, out)
			}
			// Read back without any fallback on the name: the reply's own
			// VTIMEZONE must give the instant.
			back, err := Parse(out, ParseOptions{Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			if got := back.Events[0].Start; !got.Equal(tt.start) {
				t.Errorf("the reply's DTSTART reads as %v, want %v\n%s", got, tt.start, out)
			}
			if _, err := newRuleZone(back.Timezones[0]); err != nil {
				t.Errorf("the reply's VTIMEZONE has no usable rules: %v", err)
			}
		})
	}
}

// TestReplyDropsSchedulingParams: the CalDAV server's own parameters on the
// room's ATTENDEE (RFC 6638 §7) are not copied into the iMIP reply.
func TestReplyDropsSchedulingParams(t *testing.T) {
	req, err := Parse(tzRequest("Europe/Paris", "", ";SCHEDULE-AGENT=SERVER;SCHEDULE-STATUS=1.2;SCHEDULE-FORCE-SEND=REQUEST;CN=Salle"), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := req.Events[0]
	out := string(BuildReply(req, []ReplyItem{{Event: e, Attendee: e.Attendee(isRoom), PartStat: "DECLINED"}}, replyNow, "-//t//EN"))
	want := "ATTENDEE;PARTSTAT=DECLINED;CN=Salle:mailto:zoom@coop.example\r\n"
	if !strings.Contains(out, want) {
		t.Errorf("reply lacks %q:\n%s", want, out)
	}
	for _, p := range []string{"SCHEDULE-", "RSVP"} {
		if strings.Contains(out, p) {
			t.Errorf("reply keeps %s:\n%s", p, out)
		}
	}
	secondParse(t, []byte(out))
}
