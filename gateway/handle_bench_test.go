package gateway_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/internal/benchcpu"

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
	before := benchcpu.Used(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := gw.Handle(ctx, gateway.Incoming{Raw: raw, Size: int64(len(raw))}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	benchcpu.Report(b, before, time.Nanosecond, "cpu-ns/op")
}

// BenchmarkHandleCommitted is BenchmarkHandleInvitation with each
// decision committed, as the daemon's are, instead of rolled back: each run
// is a new member's invitation for an hour of its own (an evening of the
// coming year), accepted, so every run stores a booking and queues its
// replies. On PostgreSQL (ROOMGATE_TEST_BACKEND=postgres) it shows what a
// decision's transaction costs with its commit, which the rollback of the
// other benchmarks leaves out. Past 300 runs the evenings run out and the
// invitations are declined.
//
//	go test -run '^$' -bench HandleCommitted -benchtime 300x ./gateway
func BenchmarkHandleCommitted(b *testing.B) {
	ctx := context.Background()
	_, store := benchSeriesGateway(b, 1_000)
	gw := benchGateway(b, store)
	first := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	invitation := func(i int) []byte {
		day := first.AddDate(0, 0, i%300).Format("20060102")
		return []byte(fmt.Sprintf("From: m%[1]d@coop.example\r\nTo: zoom@coop.example\r\nSubject: Point\r\nMessage-ID: <c%[1]d@coop.example>\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n\r\n"+
			"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:commit-%[1]d\r\n"+
			"DTSTAMP:20261130T070000Z\r\nDTSTART;TZID=Europe/Paris:%[2]sT171500\r\nDTEND;TZID=Europe/Paris:%[2]sT181500\r\n"+
			"SUMMARY:Point d'équipe\r\nORGANIZER;CN=M:mailto:m%[1]d@coop.example\r\n"+
			"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:zoom@coop.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", i, day))
	}
	raws := make([][]byte, b.N)
	for i := range raws {
		raws[i] = invitation(i)
	}
	b.ReportAllocs()
	before := benchcpu.Used(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := gw.Handle(ctx, gateway.Incoming{Raw: raws[i], Size: int64(len(raws[i]))})
		if err != nil {
			b.Fatal(err)
		}
		if i < 300 && out.Action != gateway.ActionAccepted {
			b.Fatalf("run %d: %+v, want accepted", i, out)
		}
	}
	b.StopTimer()
	benchcpu.Report(b, before, time.Nanosecond, "cpu-ns/op")
}
