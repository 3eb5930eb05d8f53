package gateway

import (
	"context"
	"fmt"
	"time"
)

// itipStamp returns the DTSTAMP of the next iTIP message roomgate sends
// the organizer about the meeting uid: now, to the second (RFC 5545
// §3.8.7.2 stamps are whole seconds), and strictly after the DTSTAMP of
// the message it sent last for that meeting. A client orders the replies
// of one attendee by SEQUENCE and then DTSTAMP (RFC 5546 §2.1.5) and drops
// one that is not newer: Thunderbird drops a COUNTER stamped in the same
// second as the decline before it, and a waiting request's accepting REPLY
// must come after its declining one. The last stamp is the CreatedAt of
// the latest outbox row to the organizer for the meeting (the caller sets
// CreatedAt to the stamp it got), read in the transaction that decides,
// so two decisions cannot take the same one.
func (g *Gateway) itipStamp(ctx context.Context, tx Tx, uid, organizer string) (time.Time, error) {
	last, err := tx.LastOutbox(ctx, OutboxQuery{UID: uid, To: organizer})
	if err != nil {
		return time.Time{}, fmt.Errorf("read the last reply's stamp: %w", err)
	}
	return g.stampAfter(last), nil
}

// stampAfter is now, to the second, or the second after last when now is
// not after it.
func (g *Gateway) stampAfter(last time.Time) time.Time {
	now := g.opt.Now().UTC().Truncate(time.Second)
	if last = last.Truncate(time.Second); !now.After(last) {
		now = last.Add(time.Second)
	}
	return now
}
