package gateway

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Reason codes of the quotas per organizer (Policy.MaxWeekHours,
// MaxFutureBookings, MaxOpenSeriesDates).
const (
	ReasonQuotaWeek   = "quota-week"        // too many hours booked that week
	ReasonQuotaFuture = "quota-future"      // too many bookings ahead
	ReasonQuotaOpen   = "quota-open-series" // too many dates held by series without end
)

// QuotaView says, in a decline for a quota, what the organizer already
// holds and the limit; zero when unknown (an answer repeated as before).
type QuotaView struct {
	Week        time.Time     // the week's Monday (display zone), for ReasonQuotaWeek
	Hours, Max  time.Duration // booked that week, and the limit
	Count, Most int           // bookings or open-series dates held, and the limit
}

// quota is an organizer's use of the account while a request is decided:
// what they held before, plus each date accepted since. Nil means no
// quota applies.
type quota struct {
	p     Policy
	loc   *time.Location
	now   time.Time
	open  bool // the request is a series without end
	weeks map[time.Time]time.Duration
	// future counts the accepted bookings ahead; openDates those of them
	// that belong to series without end.
	future, openDates int
}

// loadQuota reads the organizer's accepted bookings, in every room, from
// the start of this week on, leaving out those the request replaces
// (replaced reports them). It returns nil when the policy sets no quota.
func (g *Gateway) loadQuota(ctx context.Context, tx Tx, inv *invitation, open bool, replaced func(Booking) bool) (*quota, error) {
	p := g.opt.Policy
	if p.MaxWeekHours <= 0 && p.MaxFutureBookings <= 0 && p.MaxOpenSeriesDates <= 0 {
		return nil, nil
	}
	q := &quota{p: p, loc: g.opt.Location, now: g.opt.Now(), open: open, weeks: map[time.Time]time.Duration{}}
	bs, err := tx.OrganizerBookings(ctx, inv.organizer, weekOf(q.now, q.loc))
	if err != nil {
		return nil, fmt.Errorf("read the organizer's bookings: %w", err)
	}
	var openUIDs []string
	if p.MaxOpenSeriesDates > 0 {
		if openUIDs, err = tx.OpenSeriesUIDs(ctx, inv.organizer); err != nil {
			return nil, fmt.Errorf("read the organizer's series: %w", err)
		}
	}
	for _, b := range bs {
		if replaced(b) {
			continue
		}
		q.add(b.Start, b.End, slices.Contains(openUIDs, b.UID))
	}
	return q, nil
}

// add counts one accepted booking.
func (q *quota) add(s, e time.Time, open bool) {
	if q == nil {
		return
	}
	q.weeks[weekOf(s, q.loc)] += e.Sub(s)
	if e.After(q.now) {
		q.future++
		if open {
			q.openDates++
		}
	}
}

// take decides whether the organizer may also hold [s, e): if so it counts
// it and returns ok; else a declining verdict naming the quota.
func (q *quota) take(who string, s, e time.Time) (verdict, bool) {
	if q == nil {
		return verdict{}, true
	}
	week := weekOf(s, q.loc)
	switch p := q.p; {
	case p.MaxWeekHours > 0 && q.weeks[week]+e.Sub(s) > p.MaxWeekHours:
		return verdict{reason: ReasonQuotaWeek, quota: QuotaView{Week: week, Hours: q.weeks[week], Max: p.MaxWeekHours},
			text: fmt.Sprintf("%s already has %s booked in the week of %s; the limit is %s a week",
				who, hours(q.weeks[week]), week.Format("2006-01-02"), hours(p.MaxWeekHours))}, false
	case p.MaxFutureBookings > 0 && q.future >= p.MaxFutureBookings:
		return verdict{reason: ReasonQuotaFuture, quota: QuotaView{Count: q.future, Most: p.MaxFutureBookings},
			text: fmt.Sprintf("%s already holds %d bookings ahead; the limit is %d", who, q.future, p.MaxFutureBookings)}, false
	case q.open && p.MaxOpenSeriesDates > 0 && q.openDates >= p.MaxOpenSeriesDates:
		return verdict{reason: ReasonQuotaOpen, quota: QuotaView{Count: q.openDates, Most: p.MaxOpenSeriesDates},
			text: fmt.Sprintf("%s's series without end already hold %d dates ahead; the limit is %d", who, q.openDates, p.MaxOpenSeriesDates)}, false
	}
	q.add(s, e, q.open)
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
// over as accepted counts, a date newly found free is accepted only within
// the quota.
func (q *quota) apply(who string, ds []dated) {
	if q == nil {
		return
	}
	for i := range ds {
		d := &ds[i]
		switch {
		case !d.v.accepted:
		case d.carried:
			q.add(d.start, d.end, q.open)
		default:
			if v, ok := q.take(who, d.start, d.end); !ok {
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
