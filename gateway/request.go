package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// invitation is a REQUEST reduced to what the decision needs: the UID's
// components, the room invited and who organizes it.
type invitation struct {
	uid           string
	events        []*ical.Event // every component of that UID, master first
	master        *ical.Event   // the single event or series master; nil for naked occurrences
	room          *Room
	attendee      *ical.Property // the room's ATTENDEE line
	organizer     string         // the ORGANIZER, one mailbox (ical.ParseCalAddress)
	organizerName string         // its CN, printable
	sentBy        string         // its SENT-BY, one mailbox, or ""
	// handedOver is the previous organizer of a meeting handed over to
	// this one by this request (see handOver): its answer is new to the
	// organizer, so it gets the full mail.
	handedOver string
	// handoverMails counts the notices queued to that previous organizer.
	handoverMails int
	// actor is who asks for the room (see Gateway.actorFor): the
	// organizer, or the person whose quotas and holds count too.
	actor string
	// holds says whether its people may hold one more request not yet
	// accepted (see holds.go).
	holds holdRoom
	// approved is set for a meeting a facilitator approved, decided
	// again only to extend it (a series without end): it needs no new
	// approval.
	approved bool
	// prevHost is the host the meeting had, kept when it is still free
	// (a moved meeting keeps its link).
	prevHost string
	// options are the meeting options its description asks for (see
	// meetopts.go).
	options    MeetingOptions
	badOptions []string
}

// key names the invitation's meeting.
func (inv *invitation) key() meetingKey { return meetingKey{inv.organizer, inv.uid, inv.room.Address} }

// readInvitation finds, in a REQUEST, the UID that invites one of the rooms.
// It returns (nil, nil) when no room is an attendee. The ORGANIZER (and its
// SENT-BY) must each be exactly one mailbox: anything else is bad input.
func (g *Gateway) readInvitation(cal *ical.Calendar) (*invitation, error) {
	for _, ev := range cal.Events {
		var room *Room
		att := ev.Attendee(func(addr string) bool {
			room = g.opt.roomFor(addr)
			return room != nil
		})
		if att == nil {
			continue
		}
		inv := &invitation{uid: ev.UID, room: room, attendee: att}
		for _, e := range cal.Events {
			if e.UID != ev.UID {
				continue
			}
			if e.RecurrenceID == nil && inv.master == nil {
				inv.master = e
				inv.events = append([]*ical.Event{e}, inv.events...)
			} else {
				inv.events = append(inv.events, e)
			}
		}
		org, sentBy, err := organizerOfEvent(ev)
		if err != nil {
			return nil, fmt.Errorf("invitation %q: %w", printable(ev.UID), err)
		}
		inv.organizer, inv.sentBy = org, sentBy
		inv.organizerName = storedText(ev.Organizer.CommonName(), maxNameLen)
		inv.options, inv.badOptions = ParseMeetingOptions(descriptionOf(ev))
		return inv, nil
	}
	for _, l := range cal.Unreadable {
		if g.namesRoom([]byte(l)) {
			return nil, fmt.Errorf("a line naming the room could not be read: %q", printable(l))
		}
	}
	return nil, nil
}

// verdict is the outcome of checking one slot against the policy and the
// account's bookings.
type verdict struct {
	accepted    bool
	reason      string // Reason* code when declined
	text        string // English explanation for logs and audit
	conflicts   []Booking
	suggestions []Slot
	quota       QuotaView // for the Reason*Quota* codes
	// wait is set for a decline because the slot is taken, when the
	// request waits for it (see waitlist.go); holdsFull when it neither
	// waits nor gets a proposal because its people hold too much already
	// (see holds.go; quota then says what and the limit).
	wait, holdsFull bool
	// approval lists the rules (Approve*) a facilitator must approve the
	// slot for; pending is set, with accepted, when the slot is free and
	// held until they answer (see approval.go).
	approval []string
	pending  bool
	// other is set for a decline because the slot is taken by this very
	// meeting (its UID) under another organizer: that organizer.
	other string
	// host is the pool host a Zoom booking of the slot gets (see
	// pool.go); free lists every host free for it, for a series to keep
	// one host.
	host string
	free []string
	// tool is set when the slot is held on a free tool (see tools.go):
	// declined on Zoom with the room offered, or accepted on it; toolRoom
	// is that room.
	tool     string
	toolRoom ToolRoom
}

// ReasonApproval is the reason code of a slot pending approval.
const ReasonApproval = "approval"

// freeVerdict accepts a free slot, or holds it for a facilitator when the
// policy found rules to approve.
func freeVerdict(need []string) verdict {
	if len(need) == 0 {
		return verdict{accepted: true, text: "the account is free"}
	}
	return verdict{accepted: true, pending: true, approval: need, reason: ReasonApproval, text: strings.Join(need, ", ")}
}

// statusOf is the status a booking decided by v gets.
func statusOf(v verdict) BookingStatus {
	switch {
	case v.tool != "": // held on a free tool, accepted there
		return StatusAccepted
	case v.pending:
		return StatusPending
	case v.accepted:
		return StatusAccepted
	case v.wait:
		return StatusWaiting
	}
	return StatusDeclined
}

// checkPolicy applies the booking rules that do not depend on other
// bookings. It returns a declining verdict, or ok with the rules a
// facilitator must approve the slot for in verdict.approval.
func (g *Gateway) checkPolicy(inv *invitation, s, e time.Time) (verdict, bool) {
	v, need, ok := g.policyApproval(inv, s, e)
	if !ok {
		return v, false
	}
	return verdict{approval: need}, true
}

// checkSlot decides one slot: the policy first, then the account's
// capacity, and proposes free slots when it is busy.
func (g *Gateway) checkSlot(ctx context.Context, tx Tx, inv *invitation, s, e time.Time) (verdict, error) {
	pv, ok := g.checkPolicy(inv, s, e)
	if !ok {
		return pv, nil
	}
	buf := g.opt.Policy.Buffer
	near, err := g.overlapping(ctx, tx, s.Add(-buf), e.Add(buf))
	if err != nil {
		return verdict{}, fmt.Errorf("read bookings: %w", err)
	}
	pl := g.hosts().place(near, inv.key(), s, e, buf)
	busy, in := pl.busy, pl.in
	if !busy {
		q, err := g.loadQuota(ctx, tx, inv, false, inv.key().owns)
		if err != nil {
			return verdict{}, err
		}
		if v, ok := q.take(s, e); !ok {
			return v, nil
		}
		if len(pv.approval) > 0 && !inv.mayHold() {
			return inv.holds.verdict(), nil
		}
		v := freeVerdict(pv.approval)
		v.host, v.free = pl.first(inv.prevHost), pl.free
		return v, nil
	}
	v := verdict{reason: ReasonConflict, conflicts: in, text: conflictText(in, g.opt.Location)}
	if v.other = sameMeetingOf(in, inv); v.other != "" {
		// Neither waiting nor another time helps: the meeting is booked.
		v.text = "the meeting is already booked by another organizer, " + v.other
		return v, nil
	}
	// A request a facilitator would have to approve does not wait (the
	// slot would free with nobody there to approve it), nor goes to a
	// free tool; any other goes to the first free tool when there is one.
	if len(pv.approval) == 0 && len(g.opt.FreeTools) > 0 {
		if tv := g.offerTool(ctx, inv, "", inv.master.Summary, s, e, v); tv.tool != "" {
			return tv, nil
		}
	}
	if len(pv.approval) == 0 {
		if v, err = g.waitVerdict(ctx, tx, inv, v, s, e); err != nil || v.reason != ReasonConflict {
			return v, err
		}
	}
	// One query covering near: a booking listed twice would count twice
	// against the capacity.
	ahead, err := g.overlapping(ctx, tx, s.Add(-suggestHorizon-buf), s.Add(suggestHorizon+g.opt.Policy.MaxDuration+buf))
	if err != nil {
		return verdict{}, fmt.Errorf("read bookings: %w", err)
	}
	v.suggestions = g.freeSlots(ahead, inv.key(), interval{s, e})
	return v, nil
}

func conflictText(in []Booking, loc *time.Location) string {
	t := "the account is already hosting a meeting then"
	for i, b := range in {
		sep := " (" + loc.String() + "): "
		if i > 0 {
			sep = ", "
		}
		t += sep + b.Start.In(loc).Format("2006-01-02 15:04") + "–" + b.End.In(loc).Format("15:04")
	}
	return t
}

func windowDays(p Policy) int { return int(p.BookingWindow / (24 * time.Hour)) }

// newer reports whether version (seq, stamp) comes after (oseq, ostamp):
// SEQUENCE first, then DTSTAMP (RFC 5546 §2.1.5).
func newer(seq int, stamp time.Time, oseq int, ostamp time.Time) bool {
	if seq != oseq {
		return seq > oseq
	}
	return stamp.After(ostamp)
}
