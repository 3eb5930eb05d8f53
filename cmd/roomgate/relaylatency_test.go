package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// TestCodeRelayLatency measures, for 200 sign-in code mails appended one
// after the other to the in-process IMAP server, the time from the start
// of the APPEND to both facilitators' mails received by the SMTP sink
// (IDLE, fetch, authentication, decision recorded with its outbox rows,
// SMTP). It runs with -relay-latency:
//
//	go test ./cmd/roomgate -run TestCodeRelayLatency -v -relay-latency
func TestCodeRelayLatency(t *testing.T) {
	if !*relayLatency {
		t.Skip("run with -relay-latency")
	}
	const n = 200
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	startDaemon(t, relayConfig(t, srv, sink, ""))
	// A first mail warms the connections up.
	srv.Append(t, "INBOX", zoomCodeMail("100000", time.Now()))
	sink.Wait(t, 2, 20*time.Second)
	lat := make([]time.Duration, 0, n)
	for i := range n {
		raw := zoomCodeMail(fmt.Sprintf("%06d", 200001+i), time.Now())
		start := time.Now()
		srv.Append(t, "INBOX", raw)
		sink.Wait(t, 2*(i+2), 20*time.Second)
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	median, p99 := lat[n/2], lat[n*99/100-1]
	t.Logf("relay latency over %d code mails: median %v, p99 %v, max %v", n, median, p99, lat[n-1])
	if median > 100*time.Millisecond {
		t.Errorf("median %v, the target is under 100ms", median)
	}
}
