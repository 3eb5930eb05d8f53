package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"codeberg.org/opteos/roomgate/mailauth"
)

// Gateway decides what each message means and what to do about it.
type Gateway struct {
	opt Options
	log *slog.Logger
	// kick wakes the outbox dispatcher after a decision queued mail.
	kick chan struct{}
	// waiting holds the messages whose decision could not be recorded.
	waiting waitList
	// meetings is told what the decisions did to bookings (MeetingHooks).
	meetings MeetingHooks
	// dkim authenticates senders (dkim.Authenticate), verifying the DKIM
	// signatures of a batch ahead of its decisions.
	dkim senderAuth
	// pool is the account's hosts (see pool.go).
	pool hostPool
}

// New returns a Gateway. See Options for the required fields.
func New(opt Options) (*Gateway, error) {
	o, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &Gateway{opt: o, log: o.Logger, kick: make(chan struct{}, 1)}
	g.dkim = senderAuth{mailauth.NewSender(o.Auth)}
	g.pool = newHostPool(&g.opt)
	g.opt.Concurrent = g.hosts().total
	g.meetings = noMeetings{}
	if o.Meetings != nil {
		h, err := o.Meetings(g)
		if err != nil {
			return nil, err
		}
		if h != nil {
			g.meetings = h
		}
	}
	return g, nil
}

// Outcome is what happened to one message. Its JSON form is the line
// `roomgate process` prints.
type Outcome struct {
	Kind   Kind   `json:"kind"`
	Action Action `json:"action"`
	UID    string `json:"uid"`
	Reason string `json:"reason"`
	// Folder is where the message is to be filed.
	Folder Folder `json:"-"`
	// Queued counts the mails queued in the outbox.
	Queued int `json:"-"`

	// Room, Start and End are the room and slot decided, for the audit
	// log; zero when none.
	Room       string    `json:"-"`
	Start, End time.Time `json:"-"`
}

// Handle decides one message and records the decision, with any reply,
// in one transaction. A message already decided (same bytes) is not
// decided again: its recorded outcome is returned with Action ignored.
// An error means the decision could not be recorded (database down): the
// message must stay in the inbox to be handled later. Bad input is not an
// error: it yields Action rejected and the rejected folder.
func (g *Gateway) Handle(ctx context.Context, in Incoming) (out Outcome, err error) {
	start := time.Now()
	defer func() { g.observe(out, err, time.Since(start)) }()
	a := g.analyze(ctx, in)
	// The message is looked up in the transaction, under its lock
	// (decideOnce): a look first, outside, would cost every new message a
	// round trip to spare a message delivered again the lock.
	err = g.opt.Store.Update(ctx, func(tx Tx) (err error) {
		if out, err = g.decideOnce(ctx, tx, &a); err != nil {
			return err
		}
		return a.written()
	})
	if errors.Is(err, ErrDuplicate) {
		if prev, err2 := g.opt.Store.Message(ctx, a.key); err2 == nil && prev != nil {
			return alreadyDone(prev), nil
		}
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("record decision: %w", err)
	}
	g.logOutcome(in, &a, out, time.Since(start))
	if out.Queued > 0 {
		g.Kick()
	}
	return out, nil
}

// maxGroup bounds the messages handleGroup decides in one transaction:
// the lock a transaction holds (the advisory lock on PostgreSQL, the write
// lock on SQLite) stays short.
const maxGroup = 32

// groupFrom is the batch size from which messages are decided in groups.
// A reply leaves only when its group commits, so grouping delays the
// first messages of a group: worth it for a backlog, where the queue
// already dominates the wait, not for the few messages of normal traffic.
const groupFrom = 16

// errGroup wraps the first failure inside a group.
var errGroup = errors.New("group not recorded")

// handleGroup decides several messages in order in one transaction and
// records every decision, as Handle would one by one: each sees the
// bookings of those before it. It saves a transaction, a lock and a lookup
// per message, which count on PostgreSQL. If anything fails (database
// error, panic), nothing of the group is kept and an error wrapping
// errGroup is returned with the index of the message whose decision
// failed (-1 when the failure is the group's: its lock or its commit):
// the caller decides the messages before it as a group again, and that
// one alone, which isolates the failure without giving up the grouping.
func (g *Gateway) handleGroup(ctx context.Context, ins []Incoming) (outs []Outcome, bad int, err error) {
	start := time.Now()
	as := make([]analysis, len(ins))
	for i, in := range ins {
		as[i] = g.analyze(ctx, in)
	}
	outs = make([]Outcome, len(ins))
	took := make([]time.Duration, len(ins))
	bad = -1
	err = g.opt.Store.Update(ctx, func(tx Tx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if p, ok := r.(writePanic); ok {
					err = p
				} else {
					err = fmt.Errorf("panic: %v", r)
				}
			}
		}()
		prev, err := lookupMessages(ctx, tx, as)
		if err != nil {
			return err
		}
		seen := make(map[string]bool, len(ins))
		for i := range ins {
			t0 := time.Now()
			bad = i
			if prev != nil && !seen[as[i].key] {
				outs[i], err = g.decideAfter(ctx, tx, &as[i], prev[as[i].key])
			} else { // a copy of an earlier message of the group
				outs[i], err = g.decideOnce(ctx, tx, &as[i])
			}
			if err != nil {
				return err
			}
			seen[as[i].key] = true
			took[i] = time.Since(t0)
		}
		// The mails written meanwhile: a failure is that message's.
		for i := range as {
			bad = i
			if err := as[i].written(); err != nil {
				return err
			}
		}
		bad = -1
		return nil
	})
	if err != nil {
		return nil, bad, fmt.Errorf("%w: %w", errGroup, err)
	}
	queued := false
	for i, in := range ins {
		// The commit is part of each decision's time.
		d := took[i] + time.Since(start)/time.Duration(len(ins))
		g.observe(outs[i], nil, d)
		g.logOutcome(in, &as[i], outs[i], d)
		queued = queued || outs[i].Queued > 0
	}
	if queued {
		g.Kick()
	}
	return outs, -1, nil
}

// decideOnce decides a message and records the decision in tx, unless the
// message was already decided: then its recorded outcome is returned with
// Action ignored.
func (g *Gateway) decideOnce(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	prev, err := tx.Message(ctx, a.key)
	if err != nil {
		return Outcome{}, err
	}
	return g.decideAfter(ctx, tx, a, prev)
}

// lookupMessages returns the records of the messages already decided
// among as, in one query when tx can (MessageLookup); nil when it cannot.
func lookupMessages(ctx context.Context, tx Tx, as []analysis) (map[string]*ProcessedMessage, error) {
	ml, ok := tx.(MessageLookup)
	if !ok {
		return nil, nil
	}
	keys := make([]string, len(as))
	for i := range as {
		keys[i] = as[i].key
	}
	m, err := ml.Messages(ctx, keys)
	if err == nil && m == nil {
		m = map[string]*ProcessedMessage{}
	}
	return m, err
}

// decideAfter is decideOnce once the message's record (prev, nil when
// none) has been looked up in tx.
func (g *Gateway) decideAfter(ctx context.Context, tx Tx, a *analysis, prev *ProcessedMessage) (Outcome, error) {
	if prev != nil {
		return alreadyDone(prev), nil
	}
	out, err := g.decide(ctx, tx, a)
	if err != nil {
		return Outcome{}, err
	}
	if a.freed {
		// What this message changed may have freed a slot somebody waits for.
		n, err := g.promoteWaiters(ctx, tx, a.key)
		if err != nil {
			return Outcome{}, err
		}
		out.Queued += n
	}
	if err := g.record(ctx, tx, a, out, true); err != nil {
		return Outcome{}, err
	}
	return out, nil
}

func alreadyDone(p *ProcessedMessage) Outcome {
	return Outcome{Kind: p.Kind, Action: ActionIgnored, UID: p.UID, Folder: p.Folder,
		Reason: fmt.Sprintf("already processed on %s: %s", p.At.UTC().Format(time.RFC3339), p.Action)}
}

// decide dispatches on the kind of message.
func (g *Gateway) decide(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	if a.rejection != nil {
		out := Outcome{Kind: a.kind, Action: ActionRejected, Reason: printable(a.rejection.Error()), Folder: FolderRejected}
		return g.answerUnreadable(ctx, tx, a, out)
	}
	if a.notice != nil {
		return a.notice.Decide(ctx, &Desk{Tx: tx, Key: a.key, g: g})
	}
	if a.cal != nil && a.cal.Method == "DECLINECOUNTER" {
		return g.handleDeclineCounter(ctx, tx, a)
	}
	if a.cal != nil && a.cal.Method == "REFRESH" {
		return g.handleRefresh(ctx, tx, a)
	}
	switch a.kind {
	case KindReply:
		return g.handleReply(ctx, tx, a)
	case KindRequest:
		return g.handleRequest(ctx, tx, a)
	case KindCancel:
		return g.handleCancel(ctx, tx, a)
	case KindMail:
		return g.answerQuestion(ctx, tx, a)
	}
	return Outcome{Kind: a.kind, Action: ActionIgnored, UID: firstUID(a), Folder: FolderProcessed,
		Reason: fmt.Sprintf("iTIP method %q needs no answer", a.cal.Method)}, nil
}

func firstUID(a *analysis) string {
	if a.cal != nil && len(a.cal.Events) > 0 {
		return a.cal.Events[0].UID
	}
	return ""
}

// record writes the message record and, unless a more precise audit entry
// was written by the decision, an audit entry. Every text is made fit for
// a database column first: what a message says must never make its own
// record fail. looked says that the message's key was looked up in tx and
// not found: the record may then go with tx's next statement
// (NewRecorder).
func (g *Gateway) record(ctx context.Context, tx Tx, a *analysis, out Outcome, looked bool) error {
	now := g.opt.Now().UTC()
	mid, uid, reason := printable(a.env.MessageID), printable(out.UID), printable(out.Reason)
	if a.via != "" {
		reason = printable(out.Reason + " (via " + a.via + ")")
	}
	if err := tx.Audit(ctx, AuditEntry{At: now, MessageKey: a.key, MessageID: mid,
		Kind: out.Kind, Action: out.Action, UID: uid, Organizer: organizerOf(a), Room: out.Room,
		Start: out.Start, End: out.End, Reason: reason}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	m := ProcessedMessage{Key: a.key, MessageID: mid, Kind: out.Kind,
		Action: out.Action, UID: uid, Reason: reason, Folder: out.Folder, At: now}
	if nr, ok := tx.(NewRecorder); ok && looked {
		return nr.RecordNew(ctx, m)
	}
	return tx.RecordMessage(ctx, m)
}

// organizerOf is who a message is from, for logs and the audit: its
// ORGANIZER when it is one mailbox, else the From field, printable.
func organizerOf(a *analysis) string {
	if a.cal != nil {
		for _, e := range a.cal.Events {
			if e.Organizer == nil {
				continue
			}
			if m, err := e.Organizer.Mailbox(); err == nil {
				return m
			}
			return printable(e.Organizer.Value)
		}
	}
	if a.env.From != "" {
		return a.env.From
	}
	return a.env.FromText
}

func (g *Gateway) logOutcome(in Incoming, a *analysis, out Outcome, took time.Duration) {
	attrs := []any{"ref", in.Ref, "message_id", a.env.MessageID, "kind", out.Kind, "action", out.Action,
		"uid", out.UID, "organizer", organizerOf(a), "reason", out.Reason, "took", took}
	if out.Action == ActionRejected {
		g.log.Warn("message rejected", attrs...)
		return
	}
	g.log.Info("message handled", attrs...)
}

// Kick wakes the outbox dispatcher.
func (g *Gateway) Kick() {
	select {
	case g.kick <- struct{}{}:
	default:
	}
}
