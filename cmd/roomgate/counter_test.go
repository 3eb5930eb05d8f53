package main

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/ical"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

const thunderbird = "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN"

// TestServeCounter plays a counter-proposal through `roomgate serve`:
// Thunderbird's request for a taken slot gets the DECLINED reply and a
// COUNTER for the nearest free slot; "Reschedule" (the same UID at the
// proposed time, a higher SEQUENCE) books it, while the hold kept others
// out.
func TestServeCounter(t *testing.T) {
	for _, ms := range mailServers() {
		t.Run(ms.name, func(t *testing.T) {
			srv := ms.new(t)
			sink := mailtest.NewSMTPSink(t)
			startDaemon(t, testConfig(t, srv, sink))
			srv.Append(t, "INBOX", request("c-alice", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)).mail())
			sink.Wait(t, 1, 20*time.Second)
			bob := request("c-bob", "bob@coop.example", 0, tomorrowAt(10, 30), tomorrowAt(11, 30))
			bob.ProdID = thunderbird
			srv.Append(t, "INBOX", bob.mail())
			var counter *ical.Event
			for _, m := range sink.Wait(t, 3, 20*time.Second)[1:] {
				data, err := ical.FindCalendar(m.Data, 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				cal, err := ical.Parse(data, ical.ParseOptions{})
				if err != nil {
					t.Fatal(err)
				}
				switch cal.Method {
				case "COUNTER":
					counter = cal.Events[0]
				case "REPLY":
					checkReply(t, m, "bob@coop.example", "DECLINED", false)
				}
				if len(m.To) != 1 || m.To[0] != "bob@coop.example" {
					t.Errorf("mail to %v", m.To)
				}
			}
			if counter == nil || counter.UID != "c-bob" || !counter.Start.Equal(tomorrowAt(11, 15)) || !counter.End.Equal(tomorrowAt(12, 15)) {
				t.Fatalf("COUNTER %+v", counter)
			}
			// Carol cannot take the proposed slot meanwhile.
			srv.Append(t, "INBOX", request("c-carol", "carol@coop.example", 0, counter.Start, counter.End).mail())
			checkReply(t, sink.Wait(t, 4, 20*time.Second)[3], "carol@coop.example", "DECLINED", false)
			moved := request("c-bob", "bob@coop.example", 1, counter.Start, counter.End)
			moved.ProdID, moved.Stamp = thunderbird, time.Now().Add(time.Second)
			srv.Append(t, "INBOX", moved.mail())
			checkReply(t, sink.Wait(t, 5, 20*time.Second)[4], "bob@coop.example", "ACCEPTED", true)
		})
	}
}
