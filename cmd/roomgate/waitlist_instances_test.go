package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/db/dbtest"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// TestTwoInstancesWaitlist: with two daemons on one mailbox and one
// database, a slot freed while its waiters and a newcomer compete is given
// once: the owner's CANCEL and a new REQUEST for the same slot arrive
// together, and each slot ends with exactly one accepted booking and one
// accept mail among the waiters and the newcomer (the first waiter when
// the CANCEL is decided first, the newcomer otherwise).
func TestTwoInstancesWaitlist(t *testing.T) {
	t.Parallel() // its own servers and database
	if testing.Short() {
		t.Skip("starts separate processes")
	}
	bin := roomgateBinary(t)
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	driver, dsn := dbtest.New(t)
	cfg := instanceConfig(t, srv, sink, driver, dsn)
	startInstance(t, bin, cfg)
	startInstance(t, bin, cfg)
	const slots, waiters = 6, 4 // waitlist_max is 3: the fourth does not wait
	slot := func(i int) time.Time { return tomorrowAt(7, 0).Add(time.Duration(i) * 2 * time.Hour) }
	owners := make([]sampleInvite, slots)
	for i := range owners {
		owners[i] = request(fmt.Sprintf("owner-%d", i), fmt.Sprintf("owner%d@coop.example", i), 0, slot(i), slot(i).Add(time.Hour))
		srv.Append(t, "INBOX", owners[i].mail())
	}
	sink.Wait(t, slots, time.Minute)
	for i := range slots {
		for j := range waiters {
			w := request(fmt.Sprintf("waiter-%d-%d", i, j), fmt.Sprintf("waiter%d%d@coop.example", i, j), 0, slot(i), slot(i).Add(time.Hour))
			srv.Append(t, "INBOX", w.mail())
		}
	}
	sink.Wait(t, slots*(1+waiters), time.Minute)
	for i, o := range owners {
		cancel := o
		cancel.Method, cancel.Sequence, cancel.Stamp = "CANCEL", 1, time.Now().Add(time.Second)
		late := request(fmt.Sprintf("late-%d", i), fmt.Sprintf("late%d@coop.example", i), 0, slot(i), slot(i).Add(time.Hour))
		srv.Append(t, "INBOX", cancel.mail())
		srv.Append(t, "INBOX", late.mail())
	}
	total := slots * (1 + waiters + 2)
	waitFolder(t, srv, "roomgate/Processed", total)
	waitFolder(t, srv, "INBOX", 0)
	store, err := db.Open(context.Background(), db.Options{Driver: driver, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	waitOutboxSent(t, store)

	accepted := map[int][]string{} // slot -> who got an accept after the owner
	for _, m := range sink.Messages() {
		partstat, _, _ := describeReply(m.Data)
		var i, j int
		if n, _ := fmt.Sscanf(m.To[0], "waiter%1d%1d@coop.example", &i, &j); n == 2 && partstat == "ACCEPTED" {
			accepted[i] = append(accepted[i], m.To[0])
		}
		if n, _ := fmt.Sscanf(m.To[0], "late%d@coop.example", &i); n == 1 && partstat == "ACCEPTED" {
			accepted[i] = append(accepted[i], m.To[0])
		}
	}
	all, err := store.ListBookings(context.Background(), slot(0).Add(-time.Hour), slot(slots).Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for i := range slots {
		var holders []string
		for _, b := range all {
			if b.Status == gateway.StatusAccepted && b.Start.Equal(slot(i)) {
				holders = append(holders, b.Organizer)
			}
		}
		if len(holders) != 1 || len(accepted[i]) != 1 || holders[0] != accepted[i][0] {
			t.Errorf("slot %d: held by %v, accept mails to %v; want one, the same", i, holders, accepted[i])
		}
		// A waiter that got the slot is the one that waited first.
		if len(holders) == 1 && holders[0] != fmt.Sprintf("late%d@coop.example", i) {
			if first := firstWaiter(all, slot(i), holders[0]); first != "" {
				t.Errorf("slot %d went to %s, but %s waited longer", i, holders[0], first)
			}
		}
	}
}

// firstWaiter returns the waiter of the slot at s that arrived before the
// one promoted, if any: it still waits, or was declined, while it should
// have been accepted first.
func firstWaiter(all []gateway.Booking, s time.Time, promoted string) string {
	var got *gateway.Booking
	for i, b := range all {
		if b.Organizer == promoted && b.Start.Equal(s) {
			got = &all[i]
		}
	}
	for _, b := range all {
		if got != nil && b.Start.Equal(s) && b.Status == gateway.StatusWaiting && b.CreatedAt.Before(got.CreatedAt) {
			return b.Organizer
		}
	}
	return ""
}

// waitOutboxSent waits until the outbox holds no mail to send.
func waitOutboxSent(t *testing.T, store *db.Store) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		n, _, err := store.PendingOutbox(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails still to send", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
