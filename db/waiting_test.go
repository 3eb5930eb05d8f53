package db

import (
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestWaitingAndHolds: waiting bookings come in the order they arrived,
// keep their request, and do not occupy the account; held and pending
// ones do; past waiters expire.
func TestWaitingAndHolds(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		w1 := booking("w1", "", at(10, 0), at(11, 0), gateway.StatusWaiting)
		w1.Request, w1.CreatedAt, w1.UpdatedAt = []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), at(9, 0), at(9, 0)
		w2 := booking("w2", "", at(10, 0), at(11, 0), gateway.StatusWaiting)
		w2.CreatedAt, w2.UpdatedAt = at(8, 30), at(8, 30)
		past := booking("w3", "", at(7, 0), at(8, 0), gateway.StatusWaiting)
		held := booking("h", "hold", at(10, 0), at(11, 0), gateway.StatusHeld)
		held.ExpiresAt = at(9, 15)
		pending := booking("p", "", at(10, 30), at(11, 30), gateway.StatusPending)
		pending.Approval = "nonce"
		saveAll(t, s, []*gateway.Booking{w1, w2, past, held, pending})
		err := s.Update(ctx, func(tx gateway.Tx) error {
			ws, err := tx.Waiting(ctx, at(8, 30))
			if err != nil {
				return err
			}
			if len(ws) != 2 || ws[0].UID != "w2" || ws[1].UID != "w1" || string(ws[1].Request) != string(w1.Request) {
				t.Errorf("Waiting = %+v", ws)
			}
			near, err := tx.Overlapping(ctx, at(9, 0), at(12, 0))
			if err != nil {
				return err
			}
			if len(near) != 2 || near[0].UID != "h" || !near[0].ExpiresAt.Equal(at(9, 15)) || near[1].Approval != "nonce" {
				t.Errorf("Overlapping = %+v, want the hold and the pending request", near)
			}
			n, err := tx.ExpireWaiting(ctx, at(8, 0))
			if n != 1 || err != nil {
				t.Errorf("ExpireWaiting = %d, %v", n, err)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
