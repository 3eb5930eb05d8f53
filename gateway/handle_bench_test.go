package gateway_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// oneInvitation is an invitation for a free hour (a Thursday at 18:00
// Paris, after the seeded working day).
func oneInvitation() []byte {
	return []byte("From: alice@coop.example\r\nTo: zoom@coop.example\r\nSubject: Point\r\nMessage-ID: <one@coop.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n\r\n" +
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:bench-one\r\n" +
		"DTSTAMP:20261130T070000Z\r\nDTSTART;TZID=Europe/Paris:20261203T180000\r\nDTEND;TZID=Europe/Paris:20261203T190000\r\n" +
		"SUMMARY:Point d'équipe\r\nORGANIZER;CN=Alice:mailto:alice@coop.example\r\n" +
		"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:zoom@coop.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
}

// BenchmarkHandleInvitation handles one invitation for a free hour from
// end to end against 1,000 stored bookings on SQLite, as each message of a
// backlog is: parsing, the decision's reads (the meeting's bookings and
// versions, the person's bookings, the holds, the slot's neighbours, the
// reply limits), storing the booking, composing the reply and the member's
// mail, queueing them, the audit entry and the message's record, in one
// transaction (rolled back after each run, so each run decides the same
// message against the same bookings). Its CPU per operation is what one
// decision of a backlog costs, without IMAP and SMTP: cpu-ns/op is the
// process's user and system time (getrusage) per run, which the machine's
// load does not inflate as it does ns/op.
//
//	go test -run '^$' -bench HandleInvitation -benchmem ./gateway
func BenchmarkHandleInvitation(b *testing.B) {
	ctx := context.Background()
	gw, _ := benchSeriesGateway(b, 1_000)
	raw := oneInvitation()
	out, err := gw.Handle(ctx, gateway.Incoming{Raw: raw, Size: int64(len(raw))})
	if err != nil || out.Action != gateway.ActionAccepted {
		b.Fatalf("decision = %+v, %v; want accepted", out, err)
	}
	b.ReportAllocs()
	before := processCPU(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := gw.Handle(ctx, gateway.Incoming{Raw: raw, Size: int64(len(raw))}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-before)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
