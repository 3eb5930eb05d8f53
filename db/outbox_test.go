package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

func enqueueAll(t testing.TB, s *Store, ms []*gateway.OutboxMail) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx gateway.Tx) error {
		for _, m := range ms {
			if err := tx.Enqueue(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mail(uid string, created, next time.Time) *gateway.OutboxMail {
	return &gateway.OutboxMail{
		MessageKey: "key-" + uid, UID: uid, From: "room@example.org",
		To: []string{"ann@example.org"}, Raw: []byte("Subject: x\r\n\r\nbody\r\n"),
		CreatedAt: created, NextAttempt: next,
	}
}

func TestEnqueue(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		full := &gateway.OutboxMail{
			MessageKey: "k1", UID: "u1", From: "room@example.org",
			To:        []string{"ann@example.org", "bob@example.org", "carol+tag@example.net"},
			Raw:       []byte("From: room@example.org\r\nSubject: Accepted: réunion\r\n\r\n\x00\xff binary-safe\r\n"),
			CreatedAt: at(9, 0), NextAttempt: at(9, 0),
		}
		noRcpt := &gateway.OutboxMail{MessageKey: "k2", CreatedAt: at(9, 1)}
		enqueueAll(t, s, []*gateway.OutboxMail{full, noRcpt})
		if full.ID == 0 || noRcpt.ID == 0 || full.ID == noRcpt.ID {
			t.Fatalf("IDs %d, %d: want distinct and set", full.ID, noRcpt.ID)
		}
		wantFull := *full
		wantFull.Status = gateway.OutboxPending
		wantNoRcpt := gateway.OutboxMail{ID: noRcpt.ID, MessageKey: "k2",
			Status: gateway.OutboxPending, CreatedAt: at(9, 1), NextAttempt: at(9, 1)}
		diff(t, "defaults copied to the argument", *noRcpt, gateway.OutboxMail{ID: noRcpt.ID, MessageKey: "k2",
			Status: gateway.OutboxPending, CreatedAt: at(9, 1), NextAttempt: at(9, 1)})
		got, err := s.ListOutbox(t.Context(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "ListOutbox", got, []gateway.OutboxMail{wantNoRcpt, wantFull})
	})
}

func TestCountOutbox(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		toEve := mail("u3", at(11, 0), at(11, 0))
		toEve.To, toEve.Kind = []string{"eve@elsewhere.example"}, gateway.OutboxOutsider
		enqueueAll(t, s, []*gateway.OutboxMail{
			mail("u1", at(9, 0), at(9, 0)), mail("u1", at(10, 0), at(10, 0)),
			mail("u1", at(11, 0), at(11, 0)), mail("u2", at(11, 0), at(11, 0)), toEve,
		})
		to := mail("", at(0, 0), at(0, 0)).To[0]
		tests := []struct {
			q    gateway.OutboxQuery
			want int
		}{
			{gateway.OutboxQuery{UID: "u1", Since: at(0, 0)}, 3},
			{gateway.OutboxQuery{UID: "u1", Since: at(10, 0)}, 2},
			{gateway.OutboxQuery{UID: "u1", Since: at(11, 1)}, 0},
			{gateway.OutboxQuery{UID: "u2", Since: at(11, 0)}, 1},
			{gateway.OutboxQuery{UID: "u9", Since: at(0, 0)}, 0},
			{gateway.OutboxQuery{To: to, Since: at(0, 0)}, 4},
			{gateway.OutboxQuery{To: "eve@elsewhere.example", Since: at(0, 0)}, 1},
			{gateway.OutboxQuery{Kind: gateway.OutboxOutsider, Since: at(0, 0)}, 1},
			{gateway.OutboxQuery{UID: "u1", To: "eve@elsewhere.example", Since: at(0, 0)}, 0},
			{gateway.OutboxQuery{Since: at(10, 30)}, 3},
		}
		err := s.Update(ctx, func(tx gateway.Tx) error {
			for _, tt := range tests {
				n, err := tx.CountOutbox(ctx, tt.q)
				if err != nil {
					return err
				}
				if n != tt.want {
					t.Errorf("CountOutbox(%+v) = %d, want %d", tt.q, n, tt.want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestLastOutbox: the latest CreatedAt of the rows a query selects (the
// DTSTAMP of the last iTIP message of a meeting), zero for none; a row
// queued later with an earlier stamp does not hide a later one.
func TestLastOutbox(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		toEve := mail("u1", at(12, 0), at(12, 0))
		toEve.To = []string{"eve@elsewhere.example"}
		enqueueAll(t, s, []*gateway.OutboxMail{
			mail("u1", at(9, 0), at(9, 0)), mail("u1", at(10, 0).Add(time.Second), at(10, 0)),
			mail("u1", at(10, 0), at(10, 0)), mail("u2", at(11, 0), at(11, 0)), toEve,
		})
		to := mail("", at(0, 0), at(0, 0)).To[0]
		tests := []struct {
			q    gateway.OutboxQuery
			want time.Time
		}{
			{gateway.OutboxQuery{UID: "u1", To: to}, at(10, 0).Add(time.Second)},
			{gateway.OutboxQuery{UID: "u1"}, at(12, 0)},
			{gateway.OutboxQuery{UID: "u2", To: to}, at(11, 0)},
			{gateway.OutboxQuery{UID: "u9", To: to}, time.Time{}},
			{gateway.OutboxQuery{UID: "u1", To: to, Since: at(10, 30)}, time.Time{}},
		}
		err := s.Update(ctx, func(tx gateway.Tx) error {
			for _, tt := range tests {
				got, err := tx.LastOutbox(ctx, tt.q)
				if err != nil {
					return err
				}
				if !got.Equal(tt.want) {
					t.Errorf("LastOutbox(%+v) = %v, want %v", tt.q, got, tt.want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func ids(ms []gateway.OutboxMail) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// TestOutboxClaims: a claimed mail is not claimed again until its lease
// ends or it is released, so two instances never send it both.
func TestOutboxClaims(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		opt := b.newDB(t)
		s1, s2 := openStore(t, opt), openStore(t, opt)
		ctx := t.Context()
		m1, m2 := mail("u1", at(9, 0), at(9, 0)), mail("u2", at(9, 0), at(9, 0))
		enqueueAll(t, s1, []*gateway.OutboxMail{m1, m2})
		claim := func(s *Store, now time.Time) []int64 {
			t.Helper()
			ms, err := s.ClaimOutbox(ctx, now, 5*time.Minute, 1)
			if err != nil {
				t.Fatal(err)
			}
			return ids(ms)
		}
		diff(t, "first instance", claim(s1, at(9, 1)), []int64{m1.ID})
		diff(t, "second instance", claim(s2, at(9, 1)), []int64{m2.ID})
		diff(t, "nothing left", claim(s1, at(9, 2)), []int64{})
		diff(t, "lease over", claim(s2, at(9, 7)), []int64{m1.ID})
		if err := s1.OutboxPostpone(ctx, gateway.ChannelMail, at(9, 7), at(9, 20)); err != nil {
			t.Fatal(err)
		}
		diff(t, "postponed", claim(s1, at(9, 8)), []int64{})
		// At 9:20 m1's second lease is over too: oldest first.
		diff(t, "due again, oldest first", claim(s1, at(9, 20)), []int64{m1.ID})
		diff(t, "then the postponed one", claim(s1, at(9, 20)), []int64{m2.ID})
	})
}

func TestOutboxLifecycle(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		// Enqueued in this order, so IDs 1..4. The second is due before
		// the first but ClaimOutbox still returns the older mail first.
		m1 := mail("u1", at(9, 0), at(9, 10))
		m2 := mail("u2", at(9, 1), at(9, 5))
		m3 := mail("u3", at(9, 2), at(12, 0)) // not yet due
		m4 := mail("u4", at(9, 3), at(9, 3))
		enqueueAll(t, s, []*gateway.OutboxMail{m1, m2, m3, m4})

		due := func(now time.Time, limit int) []int64 {
			t.Helper()
			ms, err := s.ClaimOutbox(ctx, now, 0, limit) // no lease: due again at once
			if err != nil {
				t.Fatal(err)
			}
			return ids(ms)
		}
		diff(t, "due at 9:04", due(at(9, 4), 10), []int64{m4.ID})
		diff(t, "due at 9:10 (inclusive)", due(at(9, 10), 10), []int64{m1.ID, m2.ID, m4.ID})
		diff(t, "limit", due(at(9, 10), 2), []int64{m1.ID, m2.ID})

		// m1 fails temporarily, m2 permanently, m4 is sent.
		if err := s.OutboxRetry(ctx, m1.ID, at(9, 30), "451 try later", false); err != nil {
			t.Fatal(err)
		}
		if err := s.OutboxRetry(ctx, m2.ID, at(9, 30), "550 no such user", true); err != nil {
			t.Fatal(err)
		}
		if err := s.OutboxSent(ctx, at(9, 11), m4.ID); err != nil {
			t.Fatal(err)
		}
		diff(t, "due at 9:29", due(at(9, 29), 10), []int64{})
		diff(t, "due at 12:00", due(at(12, 0), 10), []int64{m1.ID, m3.ID})
		if err := s.OutboxRetry(ctx, m1.ID, at(10, 0), "421 busy", false); err != nil {
			t.Fatal(err)
		}

		want1, want2, want4 := *m1, *m2, *m4
		want1.Attempts, want1.NextAttempt, want1.LastError = 2, at(10, 0), "421 busy"
		want2.Attempts, want2.NextAttempt, want2.LastError, want2.Status = 1, at(9, 30), "550 no such user", gateway.OutboxFailed
		// The last claim of m4, at 9:10 with no lease, set its next attempt.
		want4.Attempts, want4.Status, want4.SentAt, want4.NextAttempt = 1, gateway.OutboxSent, at(9, 11), at(9, 10)
		for _, tt := range []struct {
			status gateway.OutboxStatus
			want   []gateway.OutboxMail
		}{
			{status: gateway.OutboxPending, want: []gateway.OutboxMail{*m3, want1}},
			{status: gateway.OutboxFailed, want: []gateway.OutboxMail{want2}},
			{status: gateway.OutboxSent, want: []gateway.OutboxMail{want4}},
		} {
			got, err := s.ListOutbox(ctx, tt.status, 10)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "ListOutbox "+string(tt.status), got, tt.want)
		}
		got, err := s.ListOutbox(ctx, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "ListOutbox newest", ids(got), []int64{m4.ID})
	})
}

func TestOutboxUnknownID(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		if err := s.OutboxSent(t.Context(), at(9, 0), 404); !errors.Is(err, ErrNotFound) {
			t.Errorf("OutboxSent(404) = %v, want ErrNotFound", err)
		}
		if err := s.OutboxRetry(t.Context(), 404, at(9, 0), "x", false); !errors.Is(err, ErrNotFound) {
			t.Errorf("OutboxRetry(404) = %v, want ErrNotFound", err)
		}
	})
}

func TestPendingOutbox(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		n, oldest, err := s.PendingOutbox(ctx)
		if err != nil || n != 0 || !oldest.IsZero() {
			t.Fatalf("empty outbox: %d, %v, %v", n, oldest, err)
		}
		m1, m2, m3 := mail("u1", at(9, 0), at(9, 0)), mail("u2", at(9, 5), at(9, 5)), mail("u3", at(9, 7), at(9, 7))
		enqueueAll(t, s, []*gateway.OutboxMail{m1, m2, m3})
		if err := s.OutboxSent(ctx, at(9, 8), m1.ID); err != nil {
			t.Fatal(err)
		}
		n, oldest, err = s.PendingOutbox(ctx)
		if err != nil || n != 2 || !oldest.Equal(at(9, 5)) {
			t.Fatalf("PendingOutbox = %d, %v, %v; want 2 queued since 9:05", n, oldest, err)
		}
	})
}

// TestClaimOutboxPlan: on SQLite the claim reads the first due rows of
// the pending index in id order, without sorting every due row.
func TestClaimOutboxPlan(t *testing.T) {
	t.Parallel()
	s := openStore(t, Options{Driver: DriverSQLite, DSN: t.TempDir() + "/plan.db"})
	rows, err := s.w.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+s.dueOutbox(at(9, 0), 16).String())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "outbox_pending_id") || strings.Contains(text, "TEMP B-TREE") {
		t.Errorf("claim plan:\n%s\nwant the outbox_pending_id index and no sort", text)
	}
}

// TestEnqueueLater: a row queued with EnqueueLater counts at once and
// gets its ID; its bytes, computed meanwhile (asked for only at the
// end), are stored before the commit as Enqueue would have stored them; a failure to compute them rolls the whole transaction back.
func TestEnqueueLater(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		body := func(n int) []byte {
			return []byte(fmt.Sprintf("Message-ID: <m%d@example.org>\r\n\r\nbody %d\r\n", n, n))
		}
		later := func(n int, started chan<- struct{}) func() ([]byte, error) {
			return func() ([]byte, error) {
				if started != nil {
					started <- struct{}{}
				}
				return body(n), nil
			}
		}
		var ms []*gateway.OutboxMail
		calls := make(chan struct{}, 3)
		err := s.Update(ctx, func(gtx gateway.Tx) error {
			bl := gtx.(gateway.BodyLater)
			for n := range 3 {
				m := mail(fmt.Sprintf("u%d", n), at(9, n), at(9, n))
				m.Raw, m.MessageID = nil, fmt.Sprintf("<m%d@example.org>", n)
				if err := bl.EnqueueLater(ctx, m, later(n, calls)); err != nil {
					return err
				}
				if m.ID == 0 {
					t.Errorf("mail %d: no ID after EnqueueLater", n)
				}
				ms = append(ms, m)
			}
			cnt, err := gtx.CountOutbox(ctx, gateway.OutboxQuery{To: "ann@example.org"})
			if err != nil {
				return err
			}
			if cnt != 3 {
				t.Errorf("CountOutbox in the transaction = %d, want 3", cnt)
			}
			if len(calls) != 0 {
				t.Errorf("%d bodies asked for before the transaction's end, want 0", len(calls))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) != 3 {
			t.Errorf("%d bodies asked for, want 3", len(calls))
		}
		got, err := s.ListOutbox(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%d mails stored, want 3", len(got))
		}
		byID := map[int64]gateway.OutboxMail{}
		for _, m := range got {
			byID[m.ID] = m
		}
		for i, want := range ms {
			if m := byID[want.ID]; string(m.Raw) != string(body(i)) || m.MessageID != want.MessageID {
				t.Errorf("mail %d (ID %d) stored as %q, %s; want %q, %s", i, want.ID, m.Raw, m.MessageID, body(i), want.MessageID)
			}
		}

		// A body that cannot be written fails the transaction: nothing of
		// it is stored, not even the rows queued before.
		failed := errors.New("render failed")
		err = s.Update(ctx, func(gtx gateway.Tx) error {
			bl := gtx.(gateway.BodyLater)
			ok := mail("v1", at(10, 0), at(10, 0))
			ok.Raw, ok.MessageID = nil, "<v1@example.org>"
			if err := bl.EnqueueLater(ctx, ok, later(9, nil)); err != nil {
				return err
			}
			bad := mail("v2", at(10, 1), at(10, 1))
			bad.Raw, bad.MessageID = nil, "<v2@example.org>"
			return bl.EnqueueLater(ctx, bad, func() ([]byte, error) { return nil, failed })
		})
		if !errors.Is(err, failed) {
			t.Errorf("Update with a body that failed = %v, want %v", err, failed)
		}
		if after, err := s.ListOutbox(ctx, "", 0); err != nil || len(after) != 3 {
			t.Errorf("%d mails stored after the failed transaction (%v), want the 3 of before", len(after), err)
		}

		// On PostgreSQL, with an ID reserved by the read ahead, the row is
		// kept with the other writes, and its bytes go with the commit.
		if b.name == "postgres" {
			m := mail("x1", at(12, 0), at(12, 0))
			m.Raw, m.MessageID = nil, "<x1@example.org>"
			err = s.Update(ctx, func(gtx gateway.Tx) error {
				if err := gtx.(gateway.Prefetcher).Prefetch(ctx, gateway.Reads{Mails: 1}); err != nil {
					return err
				}
				if err := gtx.(gateway.BodyLater).EnqueueLater(ctx, m, later(7, nil)); err != nil {
					return err
				}
				if kept := len(gtx.(*tx).pending); kept != 1 {
					t.Errorf("%d statements kept after EnqueueLater with a reserved ID, want 1 (the row)", kept)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			all, err := s.ListOutbox(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, o := range all {
				if o.ID == m.ID {
					found = true
					if string(o.Raw) != string(body(7)) {
						t.Errorf("kept mail stored as %q, want %q", o.Raw, body(7))
					}
				}
			}
			if !found {
				t.Errorf("the kept mail %d was not stored", m.ID)
			}
		}

		// Without a Message-ID there is nothing to read it from.
		err = s.Update(ctx, func(gtx gateway.Tx) error {
			m := mail("w1", at(11, 0), at(11, 0))
			m.Raw = nil
			return gtx.(gateway.BodyLater).EnqueueLater(ctx, m, later(1, nil))
		})
		if err == nil {
			t.Error("EnqueueLater of a mail without Message-ID succeeded")
		}
	})
}
