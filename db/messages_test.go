package db

import (
	"context"
	"errors"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

func TestRecordMessage(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		full := gateway.ProcessedMessage{
			Key: "9f86d081884c7d65", MessageID: "<a@example.org>", Kind: gateway.KindRequest,
			Action: gateway.ActionAccepted, UID: "uid-1", Reason: "", Folder: gateway.FolderProcessed,
			At: time.Date(2030, 1, 7, 9, 0, 0, 123456000, time.UTC),
		}
		tests := []struct {
			name    string
			msg     gateway.ProcessedMessage
			wantErr error
		}{
			{name: "all fields", msg: full},
			{name: "same key again", msg: gateway.ProcessedMessage{Key: full.Key, At: at(10, 0)}, wantErr: gateway.ErrDuplicate},
			{name: "minimal", msg: gateway.ProcessedMessage{Key: "k2", Kind: gateway.KindMail, Action: gateway.ActionIgnored, At: at(11, 0)}},
			{name: "non-ASCII reason", msg: gateway.ProcessedMessage{Key: "k3", Reason: "réservé – ça chevauche", At: at(12, 0)}},
		}
		for _, tt := range tests {
			err := s.Update(ctx, func(tx gateway.Tx) error { return tx.RecordMessage(ctx, tt.msg) })
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: RecordMessage = %v, want %v", tt.name, err, tt.wantErr)
			}
		}
		for _, want := range []gateway.ProcessedMessage{full, tests[2].msg, tests[3].msg} {
			got, err := s.Message(ctx, want.Key)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "Message("+want.Key+")", got, &want)
		}
		got, err := s.Message(ctx, "unknown")
		if got != nil || err != nil {
			t.Errorf("Message(unknown) = %+v, %v; want nil, nil", got, err)
		}
	})
}

// A duplicate must leave the transaction usable (PostgreSQL aborts a
// transaction on a failed statement), and the message is visible to
// Tx.Message in the same transaction.
func TestRecordMessageDuplicateInTx(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		m := gateway.ProcessedMessage{Key: "dup", Action: gateway.ActionAccepted, At: at(9, 0)}
		err := s.Update(ctx, func(tx gateway.Tx) error {
			if err := tx.RecordMessage(ctx, m); err != nil {
				return err
			}
			got, err := tx.Message(ctx, "dup")
			if err != nil {
				return err
			}
			diff(t, "Tx.Message", got, &m)
			if err := tx.RecordMessage(ctx, m); !errors.Is(err, gateway.ErrDuplicate) {
				t.Errorf("second RecordMessage = %v, want ErrDuplicate", err)
			}
			return tx.Audit(ctx, gateway.AuditEntry{At: at(9, 0), MessageKey: "dup", Action: gateway.ActionIgnored})
		})
		if err != nil {
			t.Fatalf("transaction after a duplicate: %v", err)
		}
		entries, err := s.ListAudit(ctx, time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Errorf("audit entries = %d, want 1 (the transaction committed)", len(entries))
		}
	})
}

func TestCountMessages(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		got, err := s.CountMessages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "empty", got, map[string]int{})
		actions := []gateway.Action{gateway.ActionAccepted, gateway.ActionAccepted, gateway.ActionDeclined, gateway.ActionIgnored}
		recordMessages(t, s, actions)
		got, err = s.CountMessages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "counts", got, map[string]int{"accepted": 2, "declined": 1, "ignored": 1})
	})
}

func recordMessages(t *testing.T, s *Store, actions []gateway.Action) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx gateway.Tx) error {
		for i, a := range actions {
			m := gateway.ProcessedMessage{Key: string(rune('a' + i)), Action: a, At: at(9, i)}
			if err := tx.RecordMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAudit(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		in := []gateway.AuditEntry{
			{At: at(9, 0), MessageKey: "k1", MessageID: "<1@x>", Kind: gateway.KindRequest, Action: gateway.ActionAccepted,
				UID: "u1", Organizer: "ann@example.org", Room: "room@example.org", Start: at(14, 0), End: at(15, 0)},
			{At: at(9, 5), MessageKey: "k2", Kind: gateway.KindMail, Action: gateway.ActionIgnored, Reason: "not an invitation"},
			{At: at(10, 0), MessageKey: "k3", Kind: gateway.KindRequest, Action: gateway.ActionDeclined,
				UID: "u2", Start: at(14, 30), End: at(15, 30), Reason: "overlaps u1"},
		}
		err := s.Update(ctx, func(tx gateway.Tx) error {
			for _, e := range in {
				if err := tx.Audit(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]gateway.AuditEntry, len(in))
		for i, e := range in {
			e.ID = int64(i + 1)
			want[i] = e
		}
		tests := []struct {
			name  string
			since time.Time
			limit int
			want  []gateway.AuditEntry
		}{
			{name: "all", want: want},
			{name: "limit", limit: 2, want: want[:2]},
			{name: "since is inclusive", since: at(9, 5), want: want[1:]},
			{name: "since and limit", since: at(9, 1), limit: 1, want: want[1:2]},
			{name: "nothing after", since: at(10, 1), want: []gateway.AuditEntry{}},
		}
		for _, tt := range tests {
			got, err := s.ListAudit(ctx, tt.since, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, tt.name, got, tt.want)
		}
	})
}

// RecordNew keeps the record of a message the transaction found new, on
// PostgreSQL, to go with the next statement; a record that writes nothing
// after all fails that statement, or the commit, with ErrDuplicate, and
// the transaction's other writes are not kept.
func TestRecordNew(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		pg := b.name == "postgres"
		first := gateway.ProcessedMessage{Key: "k1", MessageID: "<a@example.org>", Kind: gateway.KindRequest,
			Action: gateway.ActionAccepted, UID: "u1", Folder: gateway.FolderProcessed, At: at(9, 0)}
		err := s.Update(ctx, func(gtx gateway.Tx) error {
			if err := gtx.(gateway.NewRecorder).RecordNew(ctx, first); err != nil {
				return err
			}
			if kept := len(gtx.(*tx).pending); pg && kept != 1 {
				t.Errorf("%d statements kept after RecordNew, want 1 (the record, sent with the next statement)", kept)
			}
			// A read of the records sends it first.
			got, err := gtx.Message(ctx, first.Key)
			if err != nil {
				return err
			}
			diff(t, "Tx.Message after RecordNew", got, &first)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		audits := func() int {
			t.Helper()
			es, err := s.ListAudit(ctx, time.Time{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(es)
		}
		again := gateway.ProcessedMessage{Key: first.Key, Action: gateway.ActionDeclined, At: at(10, 0)}
		audit := gateway.AuditEntry{At: at(10, 0), MessageKey: first.Key, Action: gateway.ActionDeclined}
		// Sent at the commit.
		err = s.Update(ctx, func(gtx gateway.Tx) error {
			if err := gtx.Audit(ctx, audit); err != nil {
				return err
			}
			return gtx.(gateway.NewRecorder).RecordNew(ctx, again)
		})
		if !errors.Is(err, gateway.ErrDuplicate) {
			t.Errorf("a duplicate recorded with RecordNew: Update = %v, want ErrDuplicate", err)
		}
		// Sent with the next read ahead.
		err = s.Update(ctx, func(gtx gateway.Tx) error {
			if err := gtx.(gateway.NewRecorder).RecordNew(ctx, again); err != nil {
				return err
			}
			if err := gtx.Audit(ctx, audit); err != nil {
				return err
			}
			err := gtx.(gateway.Prefetcher).Prefetch(ctx, gateway.Reads{Bookings: []gateway.MeetingRef{{Organizer: "ann@example.org", UID: "u1"}}})
			if pg && !errors.Is(err, gateway.ErrDuplicate) {
				t.Errorf("Prefetch after a duplicate's RecordNew = %v, want ErrDuplicate", err)
			}
			return err
		})
		if !errors.Is(err, gateway.ErrDuplicate) {
			t.Errorf("a duplicate recorded with RecordNew before a read ahead: Update = %v, want ErrDuplicate", err)
		}
		if n := audits(); n != 0 {
			t.Errorf("%d audit entries, want 0: the transactions of the duplicates are not kept", n)
		}
		got, err := s.Message(ctx, first.Key)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "Message after the duplicates", got, &first)
	})
}
