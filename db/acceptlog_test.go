package db

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// withMessageID is mail() with a Message-ID field in its raw text.
func withMessageID(uid string, when time.Time) *gateway.OutboxMail {
	m := mail(uid, when, when)
	m.Raw = fmt.Appendf(nil, "Message-ID: <%s@roomgate.test>\r\nSubject: x\r\n\r\nbody\r\n", uid)
	return m
}

// TestAcceptLogCrash: a mail the server accepted, recorded in the accept
// log, whose sender died before its "sent" mark, is marked sent by the
// next claim after its lease and not returned; a mail claimed and not
// accepted is returned again; a line whose Message-ID does not match its
// row (a log left beside another database) counts for nothing.
func TestAcceptLogCrash(t *testing.T) {
	t.Parallel()
	s := openStore(t, sqliteBackend.newDB(t))
	ctx := t.Context()
	a, b, c := withMessageID("a", at(9, 0)), withMessageID("b", at(9, 0)), withMessageID("c", at(9, 0))
	enqueueAll(t, s, []*gateway.OutboxMail{a, b, c})
	lease := time.Minute
	due, err := s.ClaimOutbox(ctx, at(9, 0), lease, 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("claim = %d mails, %v; want 3", len(due), err)
	}
	// The instance sent a and recorded it, then died; c's line is stale.
	if ok, err := s.OutboxAccepted(ctx, gateway.AcceptedMail{ID: a.ID, MessageID: a.MessageID},
		gateway.AcceptedMail{ID: c.ID, MessageID: "<other@roomgate.test>"}); !ok || err != nil {
		t.Fatalf("OutboxAccepted = %v, %v; want recorded", ok, err)
	}
	// A second store on the same file: another process.
	other := openStore(t, Options{Driver: DriverSQLite, DSN: s.file})
	if due, _ := other.ClaimOutbox(ctx, at(9, 0).Add(lease/2), lease, 10); len(due) != 0 {
		t.Fatalf("claimed %v during the lease", ids(due))
	}
	due, err = other.ClaimOutbox(ctx, at(9, 0).Add(lease), lease, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(due), []int64{b.ID, c.ID}; !slices.Equal(got, want) {
		t.Errorf("claimed after the lease: %v, want %v (a was accepted before the crash)", got, want)
	}
	sent, err := other.ListOutbox(ctx, gateway.OutboxSent, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].ID != a.ID || sent[0].Attempts != 1 {
		t.Errorf("sent: %+v, want mail a alone, one attempt", sent)
	}
}

// TestAcceptLogCompaction: past acceptLogCompactAt, a claim drops the
// lines of mails no longer pending and keeps those still pending (sent
// but not yet marked by a live sender).
func TestAcceptLogCompaction(t *testing.T) {
	t.Parallel()
	s := openStore(t, sqliteBackend.newDB(t))
	ctx := t.Context()
	var all []*gateway.OutboxMail
	for i := range 800 {
		all = append(all, withMessageID(fmt.Sprintf("m%03d", i), at(9, 0)))
	}
	enqueueAll(t, s, all)
	var acc []gateway.AcceptedMail
	var marked []int64
	for _, m := range all[:799] {
		acc = append(acc, gateway.AcceptedMail{ID: m.ID, MessageID: m.MessageID})
		marked = append(marked, m.ID)
	}
	if ok, err := s.OutboxAccepted(ctx, acc...); !ok || err != nil {
		t.Fatalf("OutboxAccepted = %v, %v", ok, err)
	}
	if err := s.OutboxSent(ctx, at(9, 1), marked[1:]...); err != nil { // the first is still being marked
		t.Fatal(err)
	}
	if n := s.accepted.size(); n <= acceptLogCompactAt {
		t.Fatalf("log holds %d bytes, want more than %d for the test", n, acceptLogCompactAt)
	}
	due, err := s.ClaimOutbox(ctx, at(9, 2), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(due), []int64{all[799].ID}; !slices.Equal(got, want) {
		t.Errorf("claimed %v, want %v (the first was accepted, so marked sent by the claim)", got, want)
	}
	data, err := os.ReadFile(s.file + "-outbox-accepted")
	if err != nil {
		t.Fatal(err)
	}
	// The claim marked the first mail sent before compacting, so no line
	// is left; a mail still pending keeps its line (checked below).
	if len(data) != 0 {
		t.Errorf("log after compaction: %q, want empty", data)
	}
	// A pending mail's line survives a compaction.
	if _, err := s.OutboxAccepted(ctx, gateway.AcceptedMail{ID: all[799].ID, MessageID: all[799].MessageID}); err != nil {
		t.Fatal(err)
	}
	if err := s.compactAccepted(ctx); err != nil {
		t.Fatal(err)
	}
	if got := parseAcceptLog(must(os.ReadFile(s.file + "-outbox-accepted"))); got[all[799].ID] != all[799].MessageID || len(got) != 1 {
		t.Errorf("log after compacting with one pending mail: %v", got)
	}
}

// TestAcceptLogNone: PostgreSQL and an in-memory SQLite database keep no
// accept log: the mark is the record, and the sender waits for it.
func TestAcceptLogNone(t *testing.T) {
	t.Parallel()
	for _, opt := range []Options{{Driver: DriverSQLite, DSN: ":memory:"}, {Driver: DriverPostgres}} {
		if opt.Driver == DriverPostgres {
			if os.Getenv(envPostgres) == "" {
				continue
			}
			opt = newPostgresDB(t)
		}
		s := openStore(t, opt)
		ok, err := s.OutboxAccepted(t.Context(), gateway.AcceptedMail{ID: 1, MessageID: "<x@y>"})
		if ok || err != nil {
			t.Errorf("%s: OutboxAccepted = %v, %v; want false, nil", opt.Driver, ok, err)
		}
	}
}

// TestAcceptLine: a Message-ID the line cannot carry is not logged.
func TestAcceptLine(t *testing.T) {
	for mid, want := range map[string]bool{"<a@b>": true, "": false, "<a b@c>": false, "<a\n1 <x@y>": false, "<a\x7f@b>": false} {
		if _, ok := acceptLine(gateway.AcceptedMail{ID: 1, MessageID: mid}); ok != want {
			t.Errorf("acceptLine(%q) ok = %v, want %v", mid, ok, want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
