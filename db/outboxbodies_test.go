package db

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestOutboxBodiesMigration: migration 15 moves the bytes of every outbox
// mail into outbox_bodies and drops outbox.raw. A mail pending before the
// upgrade is claimed after it with its bytes and sent; a sent mail whose
// bytes retention had emptied has none; new mails follow the old ones.
func TestOutboxBodiesMigration(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		opt := b.newDB(t)
		old := storeAtVersion(t, opt, 14)
		pendingRaw := append([]byte("Message-ID: <p@roomgate.test>\r\nSubject: reply\r\n\r\n\x00\xff"), bytes.Repeat([]byte("7"), 7000)...)
		keptRaw := []byte("Message-ID: <k@roomgate.test>\r\nSubject: kept\r\n\r\nbody\r\n")
		for _, r := range []struct {
			uid, status string
			raw         []byte
			sent        any
		}{
			{"p", "pending", pendingRaw, nil},
			{"s", "sent", []byte{}, utc(at(8, 30))}, // retention emptied it
			{"k", "sent", keptRaw, utc(at(8, 30))},
		} {
			_, err := old.w.NewRaw(`INSERT INTO outbox (message_key, uid, mail_from, rcpt_to, raw, status, attempts,
				next_attempt, created_at, sent_at, message_id) VALUES (?, ?, 'room@example.org', 'ann@example.org', ?, ?, 0, ?, ?, ?, ?)`,
				"key-"+r.uid, r.uid, r.raw, r.status, utc(at(9, 0)), utc(at(8, 0)), r.sent, "<"+r.uid+"@roomgate.test>").Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := old.Close(); err != nil {
			t.Fatal(err)
		}

		s := openStore(t, opt)
		if _, err := s.r.ExecContext(ctx, "SELECT raw FROM outbox"); err == nil {
			t.Error("outbox.raw is still there after the migration")
		}
		var bodies int
		if err := s.r.NewRaw("SELECT count(*) FROM outbox_bodies").Scan(ctx, &bodies); err != nil || bodies != 2 {
			t.Errorf("%d rows in outbox_bodies (%v), want 2: the pending mail's and the kept sent mail's", bodies, err)
		}
		due, err := s.ClaimOutbox(ctx, at(9, 0), time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 1 || due[0].ID != 1 || !bytes.Equal(due[0].Raw, pendingRaw) || due[0].MessageID != "<p@roomgate.test>" {
			t.Fatalf("claimed after the upgrade: %d mails, %+v; want mail 1 with its %d bytes", len(due), due, len(pendingRaw))
		}
		if err := s.OutboxSent(ctx, at(9, 1), due[0].ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListOutbox(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[2].Status != gateway.OutboxSent || !bytes.Equal(got[2].Raw, pendingRaw) ||
			got[1].Raw != nil || !bytes.Equal(got[0].Raw, keptRaw) {
			t.Errorf("outbox after the upgrade and the send: %+v", got)
		}
		m := withMessageID("new", at(9, 0))
		enqueueAll(t, s, []*gateway.OutboxMail{m})
		due, err = s.ClaimOutbox(ctx, at(9, 2), time.Minute, 10)
		if err != nil || len(due) != 1 || due[0].ID <= 3 || !bytes.Equal(due[0].Raw, m.Raw) {
			t.Errorf("a new mail claimed: %+v, %v; want ID 4 or more with its bytes %q", due, err, m.Raw)
		}
		if n, err := s.ForgetSentMails(ctx, at(10, 0)); err != nil || n != 2 {
			t.Errorf("ForgetSentMails = %d, %v; want 2 (the kept mail and the one sent after the upgrade)", n, err)
		}
	})
}

// TestOutboxMarksLeaveTheBytes: on a SQLite file, the claim, the "sent"
// mark and the retry change the outbox rows of mails, never their bytes:
// none of the bytes reach the WAL, which grows by less than the mails'
// bytes (243 KB for 64 mails of 7 KB). With the bytes in the row, each
// change wrote the mail's 7 KB (its overflow pages) again: 1.35 MB.
func TestOutboxMarksLeaveTheBytes(t *testing.T) {
	t.Parallel()
	opt := sqliteBackend.newDB(t)
	opt.checkpointTicks = make(chan time.Time) // no checkpoint but checkpoint(t, s)
	s := openStore(t, opt)
	ctx := t.Context()
	const n = 64
	ms := make([]*gateway.OutboxMail, n)
	for i := range ms {
		ms[i] = withMessageID(fmt.Sprint("m", i), at(9, 0))
		ms[i].Raw = append(ms[i].Raw, bytes.Repeat([]byte("BODY-MARK "), 700)...)
	}
	enqueueAll(t, s, ms)
	checkpoint(t, s)

	due, err := s.ClaimOutbox(ctx, at(9, 0), time.Minute, n)
	if err != nil || len(due) != n {
		t.Fatalf("claimed %d mails, %v; want %d", len(due), err, n)
	}
	var sent []int64
	for i, m := range due {
		if !bytes.Equal(m.Raw, ms[i].Raw) {
			t.Fatalf("mail %d claimed with %d bytes, want its %d", m.ID, len(m.Raw), len(ms[i].Raw))
		}
		if i%4 == 0 {
			if err := s.OutboxRetry(ctx, m.ID, at(9, 5), "421 try again later", false); err != nil {
				t.Fatal(err)
			}
			continue
		}
		sent = append(sent, m.ID)
	}
	if err := s.OutboxSent(ctx, at(9, 1), sent...); err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(opt.DSN + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(wal, []byte("BODY-MARK")) {
		t.Error("the claim, the marks or the retries wrote mails' bytes to the WAL again")
	}
	if size := n * len(ms[0].Raw); len(wal) >= size {
		t.Errorf("the WAL grew by %d bytes for %d mails claimed and marked, more than their %d bytes", len(wal), n, size)
	}
}
