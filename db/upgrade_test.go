package db

import (
	"bytes"
	"log/slog"
	"os"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// frozenV1 builds, in an empty database, the database of roomgate's first
// release with its rows, from testdata/v1_DRIVER.sql: a copy of the first
// migration's tables written out by hand, never the live migration files,
// so that editing a released migration would be caught here.
func frozenV1(t *testing.T, opt Options) {
	t.Helper()
	src, err := os.ReadFile("testdata/v1_" + opt.Driver + ".sql")
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := splitSQL(string(src))
	if err != nil {
		t.Fatal(err)
	}
	s, err := connect(Options{Driver: opt.Driver, DSN: opt.DSN, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, stmt := range stmts {
		if _, err := s.w.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("frozen v1: %v\n%s", err, stmt)
		}
	}
}

func utcAt(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		panic(err)
	}
	return t
}

// A database of the first release upgrades to the current schema, by
// whatever migrations exist now, with nothing lost: every row of every
// table reads back as it was written, and new rows follow the old ones.
func TestUpgradeFromFrozenV1(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		opt := b.newDB(t)
		frozenV1(t, opt)
		s := openStore(t, opt)
		ctx := t.Context()
		all, err := loadMigrations(migrationFS, opt.Driver)
		if err != nil {
			t.Fatal(err)
		}
		if sum, err := s.Summarize(ctx); err != nil || sum.SchemaVersion != len(all) {
			t.Fatalf("after the upgrade: %+v, %v; want schema version %d", sum, err, len(all))
		}
		checkV1Bookings(t, s)
		checkV1Messages(t, s)
		checkV1Outbox(t, s)
		checkV1Audit(t, s)
		checkV1PendingSent(t, s)
		uidValidity, last, err := s.LoadMailboxState(ctx, "INBOX")
		if err != nil || uidValidity != 1700000001 || last != 4242 {
			t.Errorf("mailbox state: %d %d %v; want 1700000001 4242", uidValidity, last, err)
		}
		// New rows get new IDs after the old ones.
		nb := booking("new@cal.example", "", utcAt("2026-03-01 09:00:00"), utcAt("2026-03-01 10:00:00"), gateway.StatusAccepted)
		saveBookings(t, s, nb)
		m := mail("new", utcAt("2026-03-01 08:00:00"), utcAt("2026-03-01 08:00:00"))
		enqueueAll(t, s, []*gateway.OutboxMail{m})
		if nb.ID <= 3 || m.ID <= 2 {
			t.Errorf("new booking ID %d and mail ID %d: want them after the old rows (3 and 2)", nb.ID, m.ID)
		}
	})
}

func checkV1Bookings(t *testing.T, s *Store) {
	t.Helper()
	got, err := s.ListBookings(t.Context(), utcAt("2026-01-01 00:00:00"), utcAt("2027-01-01 00:00:00"))
	if err != nil {
		t.Fatal(err)
	}
	want := []gateway.Booking{
		{ID: 1, UID: "atelier@cal.example", Room: "zoom@coop.example", Organizer: "alice@coop.example",
			OrganizerName: "Alice Martin", Summary: "Atelier compta", Start: utcAt("2026-02-02 09:00:00"),
			End: utcAt("2026-02-02 10:00:00"), DTStamp: utcAt("2026-01-10 08:00:00"), Status: gateway.StatusAccepted,
			Reason: "the account is free", MessageID: "<a1@cal.example>", Lang: "fr",
			CreatedAt: utcAt("2026-01-10 08:00:01"), UpdatedAt: utcAt("2026-01-10 08:00:01")},
		{ID: 2, UID: "weekly@cal.example", RecurrenceID: "20260203T170000Z", Room: "zoom+compta@coop.example",
			Organizer: "bob@coop.example", OrganizerName: "Bob", Summary: "Réunion « hebdo »",
			Start: utcAt("2026-02-03 17:00:00"), End: utcAt("2026-02-03 18:30:00"), Sequence: 2,
			Status: gateway.StatusDeclined, Reason: "the account is already hosting a meeting then",
			MessageID: "<b2@cal.example>", Lang: "en",
			CreatedAt: utcAt("2026-01-11 12:00:00"), UpdatedAt: utcAt("2026-01-12 12:30:00.123456")},
		{ID: 3, UID: "gone@cal.example", Room: "zoom@coop.example", Organizer: "carol@coop.example",
			Start: utcAt("2026-02-04 07:00:00"), End: utcAt("2026-02-04 08:00:00"), Sequence: 1,
			Status: gateway.StatusCancelled, Reason: "cancelled by the organizer",
			CreatedAt: utcAt("2026-01-12 07:00:00"), UpdatedAt: utcAt("2026-01-13 07:00:00")},
	}
	if len(got) != len(want) {
		t.Fatalf("%d bookings after the upgrade, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		// Compared field by field: later releases may add fields.
		diff(t, "booking "+w.UID, []any{g.ID, g.UID, g.RecurrenceID, g.Room, g.Organizer, g.OrganizerName,
			g.Summary, g.Start, g.End, g.Sequence, g.DTStamp, g.Status, g.Reason, g.MessageID, g.Lang,
			g.CreatedAt, g.UpdatedAt},
			[]any{w.ID, w.UID, w.RecurrenceID, w.Room, w.Organizer, w.OrganizerName,
				w.Summary, w.Start, w.End, w.Sequence, w.DTStamp, w.Status, w.Reason, w.MessageID, w.Lang,
				w.CreatedAt, w.UpdatedAt})
	}
}

func checkV1Messages(t *testing.T, s *Store) {
	t.Helper()
	for _, w := range []gateway.ProcessedMessage{
		{Key: "sha256:aa11", MessageID: "<a1@cal.example>", Kind: gateway.KindRequest, Action: gateway.ActionAccepted,
			UID: "atelier@cal.example", Reason: "the account is free", Folder: gateway.FolderProcessed, At: utcAt("2026-01-10 08:00:01")},
		{Key: "sha256:bb22", MessageID: "<junk@spam.example>", Kind: gateway.KindMail, Action: gateway.ActionRejected,
			Reason: "invalid calendar: missing UID", Folder: gateway.FolderRejected, At: utcAt("2026-01-11 09:00:00")},
	} {
		g, err := s.Message(t.Context(), w.Key)
		if err != nil || g == nil {
			t.Fatalf("message %s: %v, %v", w.Key, g, err)
		}
		diff(t, "message "+w.Key, *g, w)
	}
}

func checkV1Outbox(t *testing.T, s *Store) {
	t.Helper()
	got, err := s.ListOutbox(t.Context(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d outbox mails after the upgrade, want 2", len(got))
	}
	sent, pending := got[1], got[0] // newest first
	diff(t, "sent mail", []any{sent.ID, sent.MessageKey, sent.UID, sent.From, sent.To, sent.Status, sent.Attempts,
		sent.NextAttempt, sent.LastError, sent.CreatedAt, sent.SentAt, sent.Channel},
		[]any{int64(1), "sha256:aa11", "atelier@cal.example", "zoom@coop.example", []string{"alice@coop.example"},
			gateway.OutboxSent, 1, utcAt("2026-01-10 08:00:01"), "", utcAt("2026-01-10 08:00:01"), utcAt("2026-01-10 08:00:02"), ""})
	diff(t, "pending mail", []any{pending.ID, pending.To, pending.Status, pending.Attempts, pending.NextAttempt,
		pending.LastError, pending.SentAt, pending.Channel},
		[]any{int64(2), []string{"bob@coop.example", "bob.other@coop.example"}, gateway.OutboxPending, 3,
			utcAt("2026-01-12 13:00:00"), "421 try again later", time.Time{}, ""})
	if !bytes.Equal(sent.Raw, []byte("Subject: ok\r\n\r\nhost key 483920\r\n")) ||
		!bytes.Equal(pending.Raw, []byte("Subject: w\r\n\r\n\x00\xff\r\n")) {
		t.Errorf("outbox bytes changed: %q, %q", sent.Raw, pending.Raw)
	}
}

// checkV1PendingSent: the mail pending before the upgrade is claimed at
// its next attempt with its bytes, and marked sent.
func checkV1PendingSent(t *testing.T, s *Store) {
	t.Helper()
	due, err := s.ClaimOutbox(t.Context(), utcAt("2026-01-12 13:00:00"), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].ID != 2 || !bytes.Equal(due[0].Raw, []byte("Subject: w\r\n\r\n\x00\xff\r\n")) {
		t.Fatalf("claimed after the upgrade: %+v; want mail 2 with its bytes", due)
	}
	if err := s.OutboxSent(t.Context(), utcAt("2026-01-12 13:00:01"), 2); err != nil {
		t.Fatal(err)
	}
}

func checkV1Audit(t *testing.T, s *Store) {
	t.Helper()
	got, err := s.ListAudit(t.Context(), utcAt("2026-01-01 00:00:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []gateway.AuditEntry{
		{ID: 1, At: utcAt("2026-01-10 08:00:01"), MessageKey: "sha256:aa11", MessageID: "<a1@cal.example>",
			Kind: gateway.KindRequest, Action: gateway.ActionAccepted, UID: "atelier@cal.example",
			Organizer: "alice@coop.example", Room: "zoom@coop.example", Start: utcAt("2026-02-02 09:00:00"),
			End: utcAt("2026-02-02 10:00:00"), Reason: "the account is free"},
		{ID: 2, At: utcAt("2026-01-11 09:00:00"), MessageKey: "sha256:bb22", MessageID: "<junk@spam.example>",
			Kind: gateway.KindMail, Action: gateway.ActionRejected, Organizer: "mallory@spam.example",
			Reason: "invalid calendar: missing UID"},
	}
	diff(t, "audit log", got, want)
}
