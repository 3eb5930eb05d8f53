package db

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

// Sent mails lose their bytes once kept long enough; their metadata, and
// every mail that may still be sent, stay whole.
func TestForgetSentMails(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		opt := b.newDB(t)
		s := openStore(t, opt)
		ctx := t.Context()
		old, recent, pending, failed := mail("old", at(8, 0), at(8, 0)), mail("recent", at(8, 0), at(8, 0)),
			mail("pending", at(8, 0), at(8, 0)), mail("failed", at(8, 0), at(8, 0))
		secret := []byte("Subject: accepted\r\n\r\nhost key 987123-SECRET-MARK\r\n")
		old.Raw = secret
		enqueueAll(t, s, []*gateway.OutboxMail{old, recent, pending, failed})
		for _, sent := range []struct {
			m  *gateway.OutboxMail
			at int
		}{{old, 9}, {recent, 12}} {
			if err := s.OutboxSent(ctx, at(sent.at, 0), sent.m.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.OutboxRetry(ctx, failed.ID, at(9, 0), "550 no such user", true); err != nil {
			t.Fatal(err)
		}
		n, err := s.ForgetSentMails(ctx, at(10, 0))
		if err != nil || n != 1 {
			t.Fatalf("ForgetSentMails = %d, %v; want 1 (the mail sent at 09:00)", n, err)
		}
		if n, err := s.ForgetSentMails(ctx, at(10, 0)); err != nil || n != 0 {
			t.Fatalf("ForgetSentMails again = %d, %v; want 0", n, err)
		}
		got, err := s.ListOutbox(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		byUID := map[string]gateway.OutboxMail{}
		for _, m := range got {
			byUID[m.UID] = m
		}
		wantOld := *old
		wantOld.Raw, wantOld.Status, wantOld.SentAt, wantOld.Attempts = nil, gateway.OutboxSent, at(9, 0), 1
		diff(t, "the old sent mail", byUID["old"], wantOld)
		for _, uid := range []string{"recent", "pending", "failed"} {
			if !bytes.Equal(byUID[uid].Raw, recent.Raw) {
				t.Errorf("%s mail: bytes %q, want them kept", uid, byUID[uid].Raw)
			}
		}
		if b.name == "sqlite" {
			checkpoint(t, s)
			for _, f := range []string{opt.DSN, opt.DSN + "-wal"} {
				raw, err := os.ReadFile(f)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				if bytes.Contains(raw, []byte("SECRET-MARK")) {
					t.Errorf("%s still holds the dropped mail's bytes", filepath.Base(f))
				}
			}
		}
	})
}

// checkpoint folds the WAL into the database file and empties it.
func checkpoint(t *testing.T, s *Store) {
	t.Helper()
	if _, err := s.w.ExecContext(t.Context(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
}
