package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Reason codes of the quotas per organizer (Policy.MaxWeekHours,
// MaxFutureBookings, MaxOpenSeriesDates).
const (
	ReasonQuotaWeek   = "quota-week"        // too many hours booked that week
	ReasonQuotaFuture = "quota-future"      // too many bookings ahead
	ReasonQuotaOpen   = "quota-open-series" // too many dates held by series without end
)

// QuotaView says, in a decline for a quota (or ReasonHolds), what the
// organizer already holds and the limit; zero when unknown (an answer
// repeated as before).
type QuotaView struct {
	Week        time.Time     // the week's Monday (display zone), for ReasonQuotaWeek
	Hours, Max  time.Duration // booked that week, and the limit
	Count, Most int           // bookings or open-series dates held, and the limit
	// Domain, for ReasonHolds, is the domain whose people hold Count
	// requests; "" when the limit is the person's own.
	Domain string
	// Person is who sent the request for the organizer (a delegate) when
	// the limit reached is theirs; "" when it is the organizer's.
	Person string
}

// quota is the use of the account, while a request is decided, by each
// person it counts for (the organizer, and the actor when another person
// asked): what they held before, plus each date accepted since. Nil means
// no quota applies.
type quota struct {
	p       Policy
	loc     *time.Location
	now     time.Time
	open    bool // the request is a series without end
	ledgers []*ledger
}

// ledger is one person's use of the account.
type ledger struct {
	who    string
	sender bool // who sent the request for the organizer
	weeks  map[time.Time]time.Duration
	// future counts the bookings ahead; openDates those of them that
	// belong to series without end.
	future, openDates int
}

// loadQuota reads, in every room, from the start of this week on, what
// the invitation's organizer holds and, when somebody else asks, what
// that actor holds: accepted bookings and holds (pending approval,
// waiting, a proposed slot not expired), leaving out those the request
// replaces (replaced reports them). It returns nil when the policy sets
// no quota.
func (g *Gateway) loadQuota(ctx context.Context, tx Tx, inv *invitation, open bool, replaced func(Booking) bool) (*quota, error) {
	p := g.opt.Policy
	if p.MaxWeekHours <= 0 && p.MaxFutureBookings <= 0 && p.MaxOpenSeriesDates <= 0 {
		return nil, nil
	}
	q := &quota{p: p, loc: g.opt.Location, now: g.opt.Now(), open: open}
	for i, who := range inv.people() {
		l, err := g.loadLedger(ctx, tx, q, who, replaced)
		if err != nil {
			return nil, err
		}
		l.sender = i > 0
		q.ledgers = append(q.ledgers, l)
	}
	return q, nil
}

// sender is the actor when another person than the organizer asked, ""
// otherwise (Booking.Actor).
func (inv *invitation) sender() string {
	if inv.actor == inv.organizer {
		return ""
	}
	return inv.actor
}

// people are the persons whose quotas and holds an invitation counts in.
func (inv *invitation) people() []string {
	if inv.actor == "" || inv.actor == inv.organizer {
		return []string{inv.organizer}
	}
	return []string{inv.organizer, inv.actor}
}

// loadLedger reads one person's use of the account.
func (g *Gateway) loadLedger(ctx context.Context, tx Tx, q *quota, who string, replaced func(Booking) bool) (*ledger, error) {
	bs, open, err := g.personBookings(ctx, tx, who, weekOf(q.now, q.loc))
	if err != nil {
		return nil, err
	}
	l := &ledger{who: who, weeks: map[time.Time]time.Duration{}}
	for _, b := range counted(bs, q.now) {
		if !replaced(b) {
			l.add(q, b.Start, b.End, open[[2]string{b.Organizer, b.UID}])
		}
	}
	return l, nil
}

// personBookings reads PersonBookings and, when the policy bounds the
// dates of series without end, which of their meetings are such series:
// in one round trip when tx is an OpenBookingsReader.
func (g *Gateway) personBookings(ctx context.Context, tx Tx, who string, after time.Time) ([]Booking, map[[2]string]bool, error) {
	r, ok := tx.(OpenBookingsReader)
	if !ok || g.opt.Policy.MaxOpenSeriesDates <= 0 {
		bs, err := tx.PersonBookings(ctx, who, after)
		if err != nil {
			return nil, nil, fmt.Errorf("read the bookings of %s: %w", who, err)
		}
		open, err := g.openMeetings(ctx, tx, bs)
		return bs, open, err
	}
	bs, opens, err := r.PersonBookingsOpen(ctx, who, after)
	if err != nil {
		return nil, nil, fmt.Errorf("read the bookings of %s: %w", who, err)
	}
	open := map[[2]string]bool{}
	for i, b := range bs {
		if opens[i] {
			open[[2]string{b.Organizer, b.UID}] = true
		}
	}
	return bs, open, nil
}

// openMeetings returns the meetings (organizer, UID) of bs that are
// series without end, when the policy bounds their dates.
func (g *Gateway) openMeetings(ctx context.Context, tx Tx, bs []Booking) (map[[2]string]bool, error) {
	open := map[[2]string]bool{}
	if g.opt.Policy.MaxOpenSeriesDates <= 0 {
		return open, nil
	}
	seen := map[string]bool{}
	for _, b := range bs {
		if seen[b.Organizer] {
			continue
		}
		seen[b.Organizer] = true
		uids, err := tx.OpenSeriesUIDs(ctx, b.Organizer)
		if err != nil {
			return nil, fmt.Errorf("read the series of %s: %w", b.Organizer, err)
		}
		for _, u := range uids {
			open[[2]string{b.Organizer, u}] = true
		}
	}
	return open, nil
}

// counted keeps the bookings that count in a quota at now: accepted,
// pending and waiting ones, and the proposed slots still held, except a
// slot proposed for a date that also waits (the organizer takes one or
// the other).
func counted(bs []Booking, now time.Time) []Booking {
	waits := map[[3]string]bool{}
	for _, b := range bs {
		if b.Status == StatusWaiting {
			waits[[3]string{b.Organizer, b.UID, b.RecurrenceID}] = true
		}
	}
	out := bs[:0:0]
	for _, b := range bs {
		switch b.Status {
		case StatusAccepted, StatusPending, StatusWaiting:
		case StatusHeld:
			if !b.ExpiresAt.After(now) || waits[[3]string{b.Organizer, b.UID, heldDate(b.RecurrenceID)}] {
				continue
			}
		default:
			continue
		}
		out = append(out, b)
	}
	return out
}

// add counts one booking.
func (l *ledger) add(q *quota, s, e time.Time, open bool) {
	l.weeks[weekOf(s, q.loc)] += e.Sub(s)
	if e.After(q.now) {
		l.future++
		if open {
			l.openDates++
		}
	}
}

// add counts one accepted date for every person.
func (q *quota) add(s, e time.Time, open bool) {
	if q == nil {
		return
	}
	for _, l := range q.ledgers {
		l.add(q, s, e, open)
	}
}

// take decides whether every person may also hold [s, e): if so it
// counts it and returns ok; else a declining verdict naming the quota
// and whose it is.
func (q *quota) take(s, e time.Time) (verdict, bool) {
	if q == nil {
		return verdict{}, true
	}
	for _, l := range q.ledgers {
		if v, ok := l.check(q, s, e); !ok {
			if l.sender {
				v.quota.Person = l.who
			}
			return v, false
		}
	}
	q.add(s, e, q.open)
	return verdict{}, true
}

// check decides whether one person may also hold [s, e).
func (l *ledger) check(q *quota, s, e time.Time) (verdict, bool) {
	week, who := weekOf(s, q.loc), l.who
	switch p := q.p; {
	case p.MaxWeekHours > 0 && l.weeks[week]+e.Sub(s) > p.MaxWeekHours:
		return verdict{reason: ReasonQuotaWeek, quota: QuotaView{Week: week, Hours: l.weeks[week], Max: p.MaxWeekHours},
			text: fmt.Sprintf("%s already has %s booked in the week of %s; the limit is %s a week",
				who, hours(l.weeks[week]), week.Format("2006-01-02"), hours(p.MaxWeekHours))}, false
	case p.MaxFutureBookings > 0 && l.future >= p.MaxFutureBookings:
		return verdict{reason: ReasonQuotaFuture, quota: QuotaView{Count: l.future, Most: p.MaxFutureBookings},
			text: fmt.Sprintf("%s already holds %d bookings ahead; the limit is %d", who, l.future, p.MaxFutureBookings)}, false
	case q.open && p.MaxOpenSeriesDates > 0 && l.openDates >= p.MaxOpenSeriesDates:
		return verdict{reason: ReasonQuotaOpen, quota: QuotaView{Count: l.openDates, Most: p.MaxOpenSeriesDates},
			text: fmt.Sprintf("%s's series without end already hold %d dates ahead; the limit is %d", who, l.openDates, p.MaxOpenSeriesDates)}, false
	}
	return verdict{}, true
}

// weekOf is the Monday 00:00, in loc, of the week holding t.
func weekOf(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	back := (int(l.Weekday()) + 6) % 7 // days since Monday
	y, m, d := l.Date()
	return time.Date(y, m, d-back, 0, 0, 0, 0, loc)
}

// hours writes a duration as "6 h" or "1 h 30 min" for logs.
func hours(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if m == 0 {
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

// apply runs the quota over decided dates, in their order: a date carried
// over as accepted or waiting counts, a date newly found free is accepted,
// and one newly found taken waits, only within the quota.
func (q *quota) apply(ds []dated) {
	if q == nil {
		return
	}
	for i := range ds {
		d := &ds[i]
		switch {
		case !d.v.accepted && !d.v.wait:
		case d.carried:
			q.add(d.start, d.end, q.open)
		default:
			if v, ok := q.take(d.start, d.end); !ok {
				d.v = v
			}
		}
	}
}

// deferOpen cuts the dates of a series without end at the first one
// refused for ReasonQuotaOpen: that date and the later ones are neither
// booked nor declined, but decided later, as the booking window moves and
// the organizer's earlier dates pass. It returns the dates kept and the
// start of the first one deferred (zero when none is).
func deferOpen(ds []dated) ([]dated, time.Time) {
	for i, d := range ds {
		if d.v.reason == ReasonQuotaOpen {
			return ds[:i], d.start
		}
	}
	return ds, time.Time{}
}

// quotaReason reports the reason codes of the quotas.
func quotaReason(code string) bool {
	return code == ReasonQuotaWeek || code == ReasonQuotaFuture || code == ReasonQuotaOpen
}

// heldDate is the date (Booking.RecurrenceID) a proposed slot's key
// (holdKey) stands for.
func heldDate(key string) string {
	if key == "hold" {
		return ""
	}
	return strings.TrimPrefix(key, "hold:")
}
