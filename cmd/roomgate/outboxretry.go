package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/db"
)

// printRetry says what `outbox retry` did. With IDs, one line per ID;
// without, one line of counts. An unknown ID is an error.
func printRetry(w io.Writer, r db.RetryResult, byID bool, lease time.Duration, loc *time.Location) error {
	leaseText := lease.Round(time.Second).String()
	if !byID {
		fmt.Fprintf(w, "%d mail(s) due now: the running daemon sends them within seconds\n", len(r.Due))
		if len(r.Leased) > 0 {
			fmt.Fprintf(w, "%d mail(s) left alone: due within %s, an instance may be sending them right now\n", len(r.Leased), leaseText)
		}
		return nil
	}
	lines := map[int64]string{}
	for _, id := range r.Due {
		lines[id] = "due now: the running daemon sends it within seconds"
	}
	for _, id := range r.Leased {
		lines[id] = "left alone: due within " + leaseText + ", an instance may be sending it right now"
	}
	for id, at := range r.Sent {
		lines[id] = "already sent, on " + when(at, loc)
	}
	for _, id := range r.Unknown {
		lines[id] = "unknown: no mail has this ID"
	}
	ids := make([]int64, 0, len(lines))
	for id := range lines {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(w, "mail %d: %s\n", id, lines[id])
	}
	if len(r.Unknown) > 0 {
		return fmt.Errorf("unknown outbox ID(s): %s", joinIDs(r.Unknown))
	}
	return nil
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}
