package ical

import (
	"syscall"
	"testing"
	"time"
)

// benchInvitation is one ordinary invitation, as a member's calendar sends
// it: a single event in Paris time, without VTIMEZONE.
var benchInvitation = []byte("From: alice@coop.example\r\nTo: zoom@coop.example\r\nSubject: Point\r\nMessage-ID: <one@coop.example>\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n\r\n" +
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:bench-one\r\n" +
	"DTSTAMP:20261130T070000Z\r\nDTSTART;TZID=Europe/Paris:20261203T180000\r\nDTEND;TZID=Europe/Paris:20261203T190000\r\n" +
	"SUMMARY:Point d'équipe\r\nORGANIZER;CN=Alice:mailto:alice@coop.example\r\n" +
	"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:zoom@coop.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

// BenchmarkInvitationCalendar finds, parses and answers one ordinary
// invitation: what ical does for each decision.
//
//	go test -run '^$' -bench InvitationCalendar -benchmem ./ical
func BenchmarkInvitationCalendar(b *testing.B) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	before := benchCPU(b)
	for b.Loop() {
		data, err := FindCalendar(benchInvitation, 0)
		if err != nil {
			b.Fatal(err)
		}
		cal, err := Parse(data, ParseOptions{Location: paris})
		if err != nil || len(cal.Events) != 1 {
			b.Fatal(err)
		}
		ev := cal.Events[0]
		BuildReply(cal, []ReplyItem{{Event: ev, Attendee: ev.Attendees[0], PartStat: "ACCEPTED", RequestStatus: "2.0;Salle réservée"}}, now, "-//roomgate//EN")
	}
	b.ReportMetric(float64(benchCPU(b)-before)/float64(b.N), "cpu-ns/op")
}

// benchCPU is the CPU time the process has used, user and system.
func benchCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
