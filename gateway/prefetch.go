package gateway

import (
	"context"
	"fmt"
	"time"
)

// Prefetcher is implemented by a Tx that can read ahead, in one round
// trip, what a decision is about to ask it (Reads), and answer those
// questions later from what it read. The answers are those the plain
// reads would give at the time they are asked: a Tx forgets what it read
// as soon as something written in the transaction could change it, and
// then reads again. The PostgreSQL store implements it, where each read
// is a round trip; a store without it is asked question by question.
type Prefetcher interface {
	Prefetch(ctx context.Context, r Reads) error
}

// MeetingRef names a meeting: a UID is only unique for its organizer.
type MeetingRef struct{ Organizer, UID string }

// BookingKey names a booking: its meeting and RecurrenceID.
type BookingKey struct{ Organizer, UID, RecurrenceID string }

// Reads are the questions a decision is about to ask its Tx. The instants
// (HoldsAfter, PeopleAfter, each OutboxQuery's Since) are those of the
// time of the prefetch: a question asked later with a later instant is
// answered from what was read, filtered to the later one (a bound that
// only narrows the rows).
type Reads struct {
	// Bookings lists the meetings whose BookingsOf is asked.
	Bookings []MeetingRef
	// Versions lists the meetings whose Versions are asked.
	Versions []MeetingRef
	// Overlapping lists the windows [Start, End) of Overlapping.
	Overlapping []Span
	// Series, when not nil, gives what deciding a series may ask beyond
	// the rest (SeriesReads). It is a function, called only by a Tx that
	// reads ahead: listing a series' dates costs some CPU, for nothing
	// where a read is no round trip.
	Series func() SeriesReads
	// Holds asks Holds(HoldsAfter) when set.
	Holds      bool
	HoldsAfter time.Time
	// People are the persons whose PersonBookings (or
	// PersonBookingsOpen) is asked, with PeopleAfter.
	People      []string
	PeopleAfter time.Time
	// Counts and Last are the arguments of CountOutboxesLast, when Last
	// is not nil.
	Counts []OutboxQuery
	Last   *OutboxQuery
	// Saves are the bookings the decision may save (SaveBooking), among
	// the meetings of Bookings: a Tx may reserve the ID of one not yet
	// stored, so as to keep its save for a later round trip.
	Saves []BookingKey
	// Mails is how many mails the decision will likely queue (Enqueue):
	// a Tx may reserve their IDs, so as to keep their inserts for a later
	// round trip; the mails beyond are queued as usual.
	Mails int
}

// prefetch tells a Tx that reads ahead (Prefetcher) what deciding the
// invitation of a member is about to ask it, so that it reads it all in
// one round trip: the meeting's versions (staleness) and bookings
// (handOver, decideRequest), those of the attendees that may be its
// previous organizer (handOver), the holds (loadHolds), the slot's
// neighbours (checkSlot, a single event; for a series, those of each of
// its dates, decideDates), its people's bookings (loadQuota) and the
// limits on the reply and its stamp (answer); and which bookings it may
// save. Every decision stays the one the plain reads give.
func (g *Gateway) prefetch(ctx context.Context, tx Tx, a *analysis, inv *invitation) error {
	pf, ok := tx.(Prefetcher)
	if !ok {
		return nil
	}
	now, p := g.opt.Now(), g.opt.Policy
	own := MeetingRef{inv.organizer, inv.uid}
	r := Reads{Bookings: []MeetingRef{own}, Versions: []MeetingRef{own}}
	if p.AllowedOrganizer(inv.organizer) && g.speaksFor(a, inv.organizer, inv.sentBy) {
		for _, att := range g.otherAttendees(inv) {
			r.Bookings = append(r.Bookings, MeetingRef{att, inv.uid})
		}
	}
	if ev := inv.master; ev != nil && !ev.IsRecurring() && len(inv.events) == 1 {
		r.Overlapping = []Span{{ev.Start.Add(-p.Buffer), ev.End.Add(p.Buffer)}}
		r.Saves = []BookingKey{{inv.organizer, inv.uid, ""}}
	} else {
		r.Series = func() SeriesReads { return g.seriesReads(inv) }
	}
	if p.MaxHoldsPerSender > 0 || p.MaxHoldsPerDomain > 0 {
		r.Holds, r.HoldsAfter = true, now
	}
	if p.MaxWeekHours > 0 || p.MaxFutureBookings > 0 || p.MaxOpenSeriesDates > 0 {
		r.People, r.PeopleAfter = inv.people(), weekOf(now, g.opt.Location)
	}
	if a.via == "" {
		r.Counts = checkQueries(g.limitChecks(inv.uid, inv.organizer, OutboxReply))
		r.Last = &OutboxQuery{UID: inv.uid, To: inv.organizer}
		r.Mails = 1 // the reply
	}
	if err := pf.Prefetch(ctx, r); err != nil {
		return fmt.Errorf("read ahead: %w", err)
	}
	return nil
}

// SeriesReads are the questions of a series' decision, one per date it
// lists: it asks for those of the dates it decides anew.
type SeriesReads struct {
	// Spans are the spans of its OverlappingAny.
	Spans []Span
	// Saves are the bookings its SaveBookings may save: a Tx may
	// reserve the IDs of those not yet stored, as for Reads.Saves.
	Saves []BookingKey
}

// seriesReads lists the questions of a series' decision (SeriesReads):
// none when the series is refused whole or its dates cannot be listed
// (planSeries then says why).
func (g *Gateway) seriesReads(inv *invitation) SeriesReads {
	if _, ok := g.seriesPolicy(inv); !ok {
		return SeriesReads{}
	}
	wants, _, err := g.seriesWants(inv, nil)
	if err != nil {
		return SeriesReads{}
	}
	buf := g.opt.Policy.Buffer
	r := SeriesReads{Spans: make([]Span, len(wants)), Saves: make([]BookingKey, len(wants))}
	for i, w := range wants {
		r.Spans[i] = Span{w.start.Add(-buf), w.end.Add(buf)}
		r.Saves[i] = BookingKey{inv.organizer, inv.uid, w.key}
	}
	return r
}
