package main

import (
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/ical"
)

// selfVTimezone is a minimal VTIMEZONE for the checker's own messages.
const selfVTimezone = "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n" +
	"TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"

const selfRequest = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nMETHOD:REQUEST\r\n" + selfVTimezone +
	"BEGIN:VEVENT\r\nUID:self-1\r\nSEQUENCE:3\r\nDTSTAMP:20261120T090000Z\r\n" +
	"DTSTART;TZID=Europe/Paris:20261201T100000\r\nDTEND;TZID=Europe/Paris:20261201T110000\r\nRRULE:FREQ=DAILY;COUNT=3\r\n" +
	"ORGANIZER;CN=Alice:mailto:alice@coop.example\r\n" +
	"ATTENDEE;CUTYPE=RESOURCE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:zoom@coop.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// selfReply answers selfRequest: the series accepted, its second date
// declined.
const selfReply = "From: Zoom <zoom@coop.example>\r\nTo: Alice <alice@coop.example>\r\nSubject: Accepted\r\n" +
	"In-Reply-To: <req@coop.example>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=b\r\n\r\n" +
	"--b\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nAccepted.\r\n" +
	"--b\r\nContent-Type: text/calendar; method=REPLY; charset=UTF-8\r\n\r\n" +
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//roomgate//EN\r\nMETHOD:REPLY\r\n" + selfVTimezone +
	"BEGIN:VEVENT\r\nUID:self-1\r\nSEQUENCE:3\r\nDTSTAMP:20261121T090000Z\r\nDTSTART;TZID=Europe/Paris:20261201T100000\r\n" +
	"ORGANIZER;CN=Alice:mailto:alice@coop.example\r\nATTENDEE;CUTYPE=RESOURCE;PARTSTAT=ACCEPTED:mailto:zoom@coop.example\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:self-1\r\nRECURRENCE-ID;TZID=Europe/Paris:20261202T100000\r\nSEQUENCE:3\r\nDTSTAMP:20261121T090000Z\r\n" +
	"DTSTART;TZID=Europe/Paris:20261202T100000\r\n" +
	"ORGANIZER;CN=Alice:mailto:alice@coop.example\r\nATTENDEE;CUTYPE=RESOURCE;PARTSTAT=DECLINED:mailto:zoom@coop.example\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n\r\n--b--\r\n"

// TestCorpusReplyChecker: the checks of the corpus test accept a good
// reply and catch each broken rule of interop.md, so that the corpus test
// can fail.
func TestCorpusReplyChecker(t *testing.T) {
	req, err := ical.Parse([]byte(selfRequest), ical.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc := replyContext{req: req, messageID: "<req@coop.example>", organizer: "alice@coop.example"}
	check := func(mail string) ([]string, problems) {
		var p problems
		m, err := readSent("reply.eml", []byte(mail))
		if err != nil {
			t.Fatal(err)
		}
		return checkCorpusReply(&p, m, rc), p
	}
	got, p := check(selfReply)
	if strings.Join(got, "|") != "ACCEPTED|20261202T100000 DECLINED" || len(p) != 0 {
		t.Fatalf("good reply: %q, problems %q", got, p)
	}
	broken := []struct{ name, old, new string }{
		{"no method=REPLY", "method=REPLY; ", ""},
		{"From not the room", "From: Zoom <zoom@coop.example>", "From: x@coop.example"},
		{"To not the organizer", "To: Alice <alice@coop.example>", "To: bob@coop.example"},
		{"not threaded", "In-Reply-To: <req@coop.example>", "In-Reply-To: <other@coop.example>"},
		{"not marked automatic", "Auto-Submitted: auto-replied\r\n", ""},
		{"UID changed", "UID:self-1\r\nSEQUENCE", "UID:SELF-1\r\nSEQUENCE"},
		{"two attendees", "END:VEVENT\r\nBEGIN:VEVENT", "ATTENDEE:mailto:bob@coop.example\r\nEND:VEVENT\r\nBEGIN:VEVENT"},
		{"no SEQUENCE", "SEQUENCE:3\r\nDTSTAMP:20261121T090000Z\r\nDTSTART", "DTSTAMP:20261121T090000Z\r\nDTSTART"},
		{"RECURRENCE-ID form changed", "RECURRENCE-ID;TZID=Europe/Paris:20261202T100000", "RECURRENCE-ID:20261202T090000Z"},
		{"VTIMEZONE missing", "METHOD:REPLY\r\n" + selfVTimezone, "METHOD:REPLY\r\n"},
		{"RSVP kept", "PARTSTAT=ACCEPTED:", "PARTSTAT=ACCEPTED;RSVP=TRUE:"},
		{"ORGANIZER changed", "ORGANIZER;CN=Alice:mailto:alice@coop.example\r\nATTENDEE;CUTYPE=RESOURCE;PARTSTAT=ACCEPTED", "ORGANIZER:mailto:alice@coop.example\r\nATTENDEE;CUTYPE=RESOURCE;PARTSTAT=ACCEPTED"},
		{"attendee line not the room's own", "ATTENDEE;CUTYPE=RESOURCE;PARTSTAT=DECLINED", "ATTENDEE;PARTSTAT=DECLINED"},
		{"alarm", "END:VEVENT\r\nEND:VCALENDAR", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR"},
		{"LF line ends", "DTSTAMP:20261121T090000Z\r\nDTSTART", "DTSTAMP:20261121T090000Z\nDTSTART"},
	}
	for _, b := range broken {
		if !strings.Contains(selfReply, b.old) {
			t.Fatalf("%s: the reply lacks %q", b.name, b.old)
		}
		if _, p := check(strings.Replace(selfReply, b.old, b.new, 1)); len(p) == 0 {
			t.Errorf("%s: not caught", b.name)
		}
	}
}
