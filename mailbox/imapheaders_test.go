package mailbox

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// TestRecentHeaders: RecentHeaders returns the asked field of the newest
// mails, newest first, then those of the rejected folder; it marks
// nothing read and creates no folder (the in-memory server, and Dovecot
// when ROOMGATE_TEST_DOVECOT is set).
func TestRecentHeaders(t *testing.T) {
	for _, be := range []backend{memBackend("memory", mailtest.IMAPServerOptions{}), dovecotBackend("dovecot")} {
		t.Run(be.name, func(t *testing.T) {
			e := &env{t: t, be: be, srv: be.start(t), state: newFakeState()}
			m := e.client(nil)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if hs, err := m.RecentHeaders(ctx, 20, "Authentication-Results"); err != nil || len(hs) != 0 {
				t.Fatalf("empty mailbox: %v, %v", hs, err)
			}
			if slices.Contains(e.srv.Mailboxes(t), "roomgate/Rejected") {
				t.Fatal("RecentHeaders created a folder")
			}
			for i := range 3 {
				e.srv.Append(t, "INBOX", fmt.Appendf(nil, "Authentication-Results: mx%d.example; none\r\n%s", i, testMessage(fmt.Sprint("m", i), 0)))
			}
			hs, err := m.RecentHeaders(ctx, 2, "Authentication-Results")
			if err != nil || len(hs) != 2 {
				t.Fatalf("RecentHeaders = %d, %v", len(hs), err)
			}
			for i, want := range []string{"mx2.example; none", "mx1.example; none"} {
				if got := hs[i].Header.Get("Authentication-Results"); got != want || hs[i].Folder != "INBOX" || hs[i].Header.Has("Subject") {
					t.Errorf("header %d: %q in %s (subject %q), want %q from INBOX only", i, got, hs[i].Folder, hs[i].Header.Get("Subject"), want)
				}
			}
			for _, flags := range e.srv.Flags(t, "INBOX") {
				if slices.Contains(flags, imap.FlagSeen) {
					t.Fatalf("a mail was marked read: %v", flags)
				}
			}
			// Once the folders exist, the rejected one is read after the inbox.
			if err := m.Check(ctx); err != nil {
				t.Fatal(err)
			}
			e.srv.Append(t, "roomgate/Rejected", fmt.Appendf(nil, "Authentication-Results: rejected.example; none\r\n%s", testMessage("r", 0)))
			hs, err = m.RecentHeaders(ctx, 20, "Authentication-Results")
			if err != nil || len(hs) != 4 || hs[3].Folder != "roomgate/Rejected" || hs[3].Header.Get("Authentication-Results") != "rejected.example; none" {
				t.Fatalf("with the rejected folder: %+v, %v", hs, err)
			}
		})
	}
}
