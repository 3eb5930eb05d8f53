package main

import (
	"context"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/gateway"
)

// auditFollower finds, in the audit log, what was decided outside the
// handling of a message and so never reaches OnOutcome: a waiting request
// given the slot that freed, a booking released because its meeting did
// not start. Each entry is announced at most once per process; a restart
// starts after the newest entry, so it repeats nothing (and announces
// nothing decided while the daemon was down).
type auditFollower struct {
	start time.Time // entries before it are the past's
	since time.Time
	seen  map[int64]time.Time // entries announced, within auditOverlap of since
}

// auditOverlap is how far back each read looks again: two instances write
// the log, so an entry may land with a time slightly before the last one
// seen.
const auditOverlap = time.Minute

// auditBatch bounds one read of the log.
const auditBatch = 500

// newAuditFollower starts after now.
func newAuditFollower(now time.Time) *auditFollower {
	return &auditFollower{start: now, since: now, seen: map[int64]time.Time{}}
}

// next returns the events of the entries logged since the last call.
func (a *auditFollower) next(ctx context.Context, list func(context.Context, time.Time, int) ([]gateway.AuditEntry, error)) ([]chat.Event, error) {
	entries, err := list(ctx, a.since.Add(-auditOverlap), auditBatch)
	if err != nil {
		return nil, err
	}
	var out []chat.Event
	for _, e := range entries {
		if _, done := a.seen[e.ID]; done || e.At.Before(a.start) {
			continue
		}
		a.seen[e.ID] = e.At
		if e.At.After(a.since) {
			a.since = e.At
		}
		if kind := auditEvent(e); kind != "" {
			out = append(out, chat.Event{Kind: kind, Booking: chat.Booking{Slot: chat.Slot{Start: e.Start, End: e.End}}})
		}
	}
	for id, at := range a.seen {
		if at.Before(a.since.Add(-auditOverlap)) {
			delete(a.seen, id)
		}
	}
	return out, nil
}

// auditEvent is the chat event of an audit entry, "" for none.
func auditEvent(e gateway.AuditEntry) string {
	switch {
	case e.Start.IsZero():
		return ""
	case e.Action == gateway.ActionReleased:
		return chat.EventReleased
	case e.Action == gateway.ActionAccepted && e.Reason == gateway.ReasonPromoted:
		return chat.EventFreed
	}
	return ""
}

// announceAudit posts the released and freed events the configuration
// asks for. It reads the local database only; the posts go through the
// Sender like every call to the chat.
func (f *chatFront) announceAudit(ctx context.Context) {
	if f.audit == nil || (!f.cfg.Chat.Announces(chat.EventReleased) && !f.cfg.Chat.Announces(chat.EventFreed)) {
		return
	}
	events, err := f.audit.next(ctx, f.store.ListAudit)
	if err != nil {
		f.log.Warn("chat: read the audit log for announcements", "err", err)
		return
	}
	for _, e := range events {
		if !f.cfg.Chat.Announces(e.Kind) {
			continue
		}
		e.Now, e.Location, e.Lang = f.now(), f.cfg.location, f.cfg.Chat.Language
		if m, ok := chat.Announce(e); ok {
			f.sender.Enqueue("announce "+e.Kind, func(ctx context.Context) error { return f.srv.Post(ctx, m) })
		}
	}
}
