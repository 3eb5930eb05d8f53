package db

import (
	"errors"
	"sync"
	"testing"

	"codeberg.org/opteos/roomgate/chat"
)

// TestChatLinks: a link token's nonce works once; a new link replaces the
// old one; accounts of two servers stay apart.
func TestChatLinks(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		const mm = "mattermost https://chat.coop.example"
		c := chat.LinkClaim{Server: mm, User: "u1", Address: "anne@coop.example", Nonce: "n1", Expires: at(12, 0)}
		if got, err := s.LinkedAddress(ctx, mm, "u1"); err != nil || got != "" {
			t.Fatalf("before: %q, %v", got, err)
		}
		if err := s.Link(ctx, c, at(9, 0)); err != nil {
			t.Fatal(err)
		}
		if err := s.Link(ctx, c, at(9, 1)); !errors.Is(err, chat.ErrUsed) {
			t.Errorf("the same link twice: %v, want ErrUsed", err)
		}
		c2 := c
		c2.Nonce, c2.Address = "n2", "anne.martin@coop.example"
		if err := s.Link(ctx, c2, at(9, 2)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ server, user, want string }{
			{mm, "u1", "anne.martin@coop.example"},
			{"rocketchat https://rc.coop.example", "u1", ""},
			{mm, "u2", ""},
		} {
			if got, err := s.LinkedAddress(ctx, tc.server, tc.user); err != nil || got != tc.want {
				t.Errorf("LinkedAddress(%s, %s) = %q, %v; want %q", tc.server, tc.user, got, err, tc.want)
			}
		}
		if got, err := s.ChatLinkedAddresses(ctx); err != nil || len(got) != 1 || got[0] != "anne.martin@coop.example" {
			t.Errorf("ChatLinkedAddresses = %q, %v", got, err)
		}
		n, err := s.Unlink(ctx, "anne.martin@coop.example")
		if err != nil || n != 1 {
			t.Errorf("Unlink = %d, %v", n, err)
		}
		if got, _ := s.LinkedAddress(ctx, mm, "u1"); got != "" {
			t.Errorf("after Unlink: %q", got)
		}
	})
}

// TestChatNonces: a button's nonce works once, even when two clicks race;
// pruning drops only the expired ones.
func TestChatNonces(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, used := 0, 0
		for range 4 {
			wg.Go(func() {
				err := s.UseNonce(ctx, "race", at(12, 0))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, chat.ErrUsed):
					used++
				default:
					t.Errorf("UseNonce: %v", err)
				}
			})
		}
		wg.Wait()
		if ok != 1 || used != 3 {
			t.Errorf("4 racing clicks: %d accepted, %d refused; want 1 and 3", ok, used)
		}
		if err := s.UseNonce(ctx, "late", at(14, 0)); err != nil {
			t.Fatal(err)
		}
		n, err := s.PruneChatNonces(ctx, at(13, 0))
		if err != nil || n != 1 {
			t.Errorf("PruneChatNonces = %d, %v; want 1", n, err)
		}
		if err := s.UseNonce(ctx, "late", at(14, 0)); !errors.Is(err, chat.ErrUsed) {
			t.Errorf("a kept nonce again: %v", err)
		}
	})
}
