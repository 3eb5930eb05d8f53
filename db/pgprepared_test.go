package db

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestPreparedWritesMatchBun: the writes a decision keeps behind on
// PostgreSQL, sent as prepared statements with their values bound
// (pgprepared.go), store the same rows as bun's statements with the values
// written in. It fails when a hot statement misses a column, binds a value
// in the wrong place or in another form (an instant, a NULL, bytes).
func TestPreparedWritesMatchBun(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	ctx := t.Context()
	const ann = "ann@example.org"
	stamp := at(8, 0).Add(1500 * time.Nanosecond) // sub-microsecond: stored truncated
	writes := func(gtx gateway.Tx) error {
		if err := gtx.(gateway.Prefetcher).Prefetch(ctx, gateway.Reads{
			Bookings: []gateway.MeetingRef{{Organizer: ann, UID: "u1"}},
			Saves:    []gateway.BookingKey{{Organizer: ann, UID: "u1"}},
			Mails:    1,
		}); err != nil {
			return err
		}
		b := &gateway.Booking{UID: "u1", Organizer: ann, OrganizerName: "Ann O'Hara", Room: "room@example.org",
			Summary: "Réunion", Start: at(9, 0), End: at(10, 0), Status: gateway.StatusPending, Reason: "approval",
			MessageID: "<m1@x>", Lang: "fr", Request: []byte("BEGIN:VCALENDAR\r\n"), DTStamp: stamp,
			ExpiresAt: at(9, 0), CreatedAt: stamp, UpdatedAt: stamp, Approval: "n1", Actor: "bob@example.org"}
		if err := gtx.SaveBooking(ctx, b); err != nil {
			return err
		}
		m := &gateway.OutboxMail{MessageKey: "k0", UID: "u1", From: "room@example.org", To: []string{ann},
			Raw: []byte("Subject: x\r\n\r\n\x00\xff"), Status: gateway.OutboxPending, NextAttempt: stamp, CreatedAt: stamp,
			Kind: gateway.OutboxReply}
		if err := gtx.Enqueue(ctx, m); err != nil {
			return err
		}
		if err := gtx.SaveVersions(ctx, ann, "u1", []gateway.Version{{Sequence: 2, DTStamp: stamp},
			{RecurrenceID: "20300107T090000Z", Sequence: 1}}); err != nil {
			return err
		}
		if err := gtx.Audit(ctx, gateway.AuditEntry{At: stamp, MessageKey: "k0", MessageID: "<m1@x>", Kind: "request",
			Action: "accepted", UID: "u1", Organizer: ann, Room: "room@example.org", Start: at(9, 0), End: at(10, 0), Reason: "ok"}); err != nil {
			return err
		}
		if err := gtx.Audit(ctx, gateway.AuditEntry{At: stamp, MessageKey: "k1", Action: "ignored"}); err != nil {
			return err
		}
		pm := gateway.ProcessedMessage{Key: "k0", MessageID: "<m1@x>", Kind: "request", Action: "accepted", UID: "u1",
			Reason: "ok", Folder: "Processed", At: stamp}
		if err := gtx.RecordMessage(ctx, pm); err != nil {
			return err
		}
		if err := gtx.RecordMessage(ctx, pm); !errors.Is(err, gateway.ErrDuplicate) {
			return fmt.Errorf("a second record of the message: %v, want a duplicate", err)
		}
		return nil
	}

	prepared := openStore(t, newPostgresDB(t))
	var kept int
	err := prepared.Update(ctx, func(gtx gateway.Tx) error {
		x := gtx.(*tx)
		sent := x.sent
		if err := writes(gtx); err != nil {
			return err
		}
		kept = x.sent - sent
		if err := gtx.Audit(ctx, gateway.AuditEntry{Reason: "nul\x00"}); err == nil || len(x.pending) > 0 {
			return fmt.Errorf("a string with NUL: %v, %d writes kept", err, len(x.pending))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("prepared: %v", err)
	}
	// Every write was kept and sent prepared: none went through bun.
	if kept != 0 {
		t.Errorf("%d statements went through bun beside the prepared writes", kept)
	}

	// The same writes through bun: a transaction without its connection
	// neither reads ahead nor prepares.
	plain := openStore(t, newPostgresDB(t))
	err = plain.inTx(ctx, func(btx bun.Tx) error { return writes(&tx{s: plain, db: btx}) })
	if err != nil {
		t.Fatalf("bun: %v", err)
	}
	for _, table := range []string{"bookings", "meeting_versions", "outbox", "outbox_bodies", "audit_log", "processed_messages"} {
		diff(t, table, dumpTable(t, prepared, table), dumpTable(t, plain, table))
	}
}

// TestPGPlaceholders: each hot write on PostgreSQL has as many
// placeholders, numbered in order, as the values it is given.
func TestPGPlaceholders(t *testing.T) {
	for _, c := range []struct {
		sql  string
		vals int
	}{
		{pgInsertBookingSQL, 1 + len(bookingValues(&bookingRow{}, pgAt))},
		{pgUpsertBookingSQL, len(bookingValues(&bookingRow{}, pgAt))},
		{pgEnqueueSQL, 1 + len(outboxValues(&outboxRow{}, pgAt))},
		{pgEnqueueBodySQL, 2},
		{pgAuditSQL, len(auditValues(&auditRow{}, pgAt))},
		{pgRecordMessageSQL, len(messageValues(&messageRow{}, pgAt))},
		{pgSaveVersionSQL, len(versionValues(&versionRow{}, pgAt))},
	} {
		if strings.Contains(c.sql, "?") {
			t.Errorf("a ? is left in %s", c.sql)
		}
		for n := 1; n <= c.vals+1; n++ {
			has := strings.Contains(c.sql, fmt.Sprintf("$%d,", n)) || strings.Contains(c.sql, fmt.Sprintf("$%d)", n))
			if has != (n <= c.vals) {
				t.Errorf("$%d is %v in %s, given %d values", n, has, c.sql, c.vals)
			}
		}
	}
	if got := pgPlaceholders("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
		t.Errorf("pgPlaceholders = %q", got)
	}
}
