package gateway

import (
	"context"
	"fmt"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// componentKey is the Version.RecurrenceID of a component: "" for a master
// or a single event.
func componentKey(ev *ical.Event) string {
	if ev.RecurrenceID == nil {
		return ""
	}
	return RecurrenceKey(ev.RecurrenceID.Time)
}

// staleness says why a message is older than what was already decided
// for its meeting, or "" when it is not. RFC 5546 §2.1.5 orders the
// versions of each component, the master as a whole and each override on
// its own, by SEQUENCE and then DTSTAMP: a component older than the one
// decided last makes the message stale (a delayed or resent copy), and it
// changes nothing.
func (g *Gateway) staleness(ctx context.Context, tx Tx, org, uid string, comps []*ical.Event) (string, error) {
	stored, err := tx.Versions(ctx, org, uid)
	if err != nil || len(stored) == 0 {
		return "", err
	}
	byKey := make(map[string]Version, len(stored))
	for _, v := range stored {
		byKey[v.RecurrenceID] = v
	}
	for _, ev := range comps {
		k := componentKey(ev)
		v, ok := byKey[k]
		if !ok || !newer(v.Sequence, v.DTStamp, ev.Sequence, ev.DTStamp) {
			continue
		}
		why := fmt.Sprintf("stale: SEQUENCE %d < %d", ev.Sequence, v.Sequence)
		if ev.Sequence == v.Sequence {
			why = fmt.Sprintf("stale: SEQUENCE %d, DTSTAMP %s < %s", ev.Sequence, stampText(ev.DTStamp), stampText(v.DTStamp))
		}
		if k != "" {
			why = "RECURRENCE-ID " + k + ": " + why
		}
		return why, nil
	}
	return "", nil
}

func stampText(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339)
}

// saveVersions records the versions of the components just decided.
func (g *Gateway) saveVersions(ctx context.Context, tx Tx, org, uid string, comps []*ical.Event) error {
	vs := make([]Version, 0, len(comps))
	for _, ev := range comps {
		if ev.UID == uid {
			vs = append(vs, Version{RecurrenceID: componentKey(ev), Sequence: ev.Sequence, DTStamp: ev.DTStamp.UTC()})
		}
	}
	return tx.SaveVersions(ctx, org, uid, vs)
}
