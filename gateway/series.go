package gateway

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// want is one date a REQUEST asks the room for: an occurrence of the
// master, or an override component (RECURRENCE-ID).
type want struct {
	key        string      // Booking.RecurrenceID
	rid        time.Time   // the occurrence's original start
	start, end time.Time   // the slot asked
	ev         *ical.Event // the override, or the master
	override   bool        // ev is this date's own override component
	ranged     bool        // ev is an earlier override with RANGE=THISANDFUTURE
}

// dated pairs a wanted date with its verdict and whether it was carried
// over from an earlier answer rather than decided now.
type dated struct {
	want
	v       verdict
	carried bool
}

// seriesPlan is what planSeries decided about a series, before anything is
// stored or answered. At most one of ignored, rejected and whole is set;
// otherwise dates holds the verdict of every date.
type seriesPlan struct {
	existing []Booking // the bookings of the UID before this message
	ignored  string    // why the message changes nothing
	rejected string    // why the message is rejected
	whole    *verdict  // the series is declined whole, without looking at dates
	dates    []dated
	removed  map[string]bool // dates the new version no longer has
	// horizon, for a series without end, is where its decided dates stop
	// (see deferOpen); zero for the end of the booking window.
	horizon time.Time
}

// handleSeries answers a recurring series, an update of some of its
// occurrences, or "naked" occurrences without a master. Each date is
// decided on its own; a series with few busy dates is accepted without
// them (master ACCEPTED plus one DECLINED per busy RECURRENCE-ID), one with
// too many is declined whole.
func (g *Gateway) handleSeries(ctx context.Context, tx Tx, a *analysis, inv *invitation) (Outcome, error) {
	out := Outcome{Kind: KindRequest, UID: inv.uid, Folder: FolderProcessed, Room: inv.room.Address}
	p, err := g.planSeries(ctx, tx, inv)
	switch {
	case err != nil:
		return Outcome{}, err
	case p.ignored != "":
		out.Action, out.Reason = ActionIgnored, p.ignored
		return out, nil
	case p.rejected != "":
		return Outcome{Kind: KindRequest, Action: ActionRejected, UID: inv.uid, Reason: p.rejected, Folder: FolderRejected}, nil
	case p.whole != nil:
		return g.declineWhole(ctx, tx, a, inv, out, *p.whole)
	}
	if err := g.saveDates(ctx, tx, a, inv, p.dates, p.existing, p.removed); err != nil {
		return Outcome{}, err
	}
	if err := g.keepOpenSeries(ctx, tx, a, inv, p.dates, p.horizon); err != nil {
		return Outcome{}, err
	}
	unchanged := g.seriesUnchanged(inv, p) && inv.handedOver == ""
	out, err = g.answerSeries(ctx, tx, a, inv, out, p.dates, unchanged)
	if err == nil && a.nonce != "" && out.Queued > 0 { // none when the limits on replies held the member's back
		n, err := g.askApproval(ctx, tx, a, inv)
		out.Queued += n
		return out, err
	}
	if err != nil || inv.master != nil || len(p.dates) != 1 || out.Queued == 0 || unchanged {
		return out, err
	}
	// One date alone (an occurrence without its series) may get a
	// counter-proposal, as a single event does.
	if d := p.dates[0]; !d.carried && d.v.reason == ReasonConflict {
		n, err := g.offerCounter(ctx, tx, a, inv, d.ev, d.key, d.v)
		out.Queued += n
		return out, err
	}
	return out, nil
}

// planSeries decides a series date by date. It only reads: the bookings of
// the UID, then those around every date in one query, then free slots near
// the few busy dates.
func (g *Gateway) planSeries(ctx context.Context, tx Tx, inv *invitation) (*seriesPlan, error) {
	existing, err := tx.BookingsOf(ctx, inv.organizer, inv.uid)
	if err != nil {
		return nil, fmt.Errorf("read bookings: %w", err)
	}
	p := &seriesPlan{existing: existing}
	if p.ignored = ownedByOther(existing, inv); p.ignored != "" {
		return p, nil
	}
	if whole, ok := g.seriesPolicy(inv); !ok {
		p.whole = &whole
		return p, nil
	}
	wants, removed, err := g.seriesWants(inv, existing)
	if errors.Is(err, ical.ErrTooManyOccurrences) || errors.Is(err, errTooManyDates) {
		p.whole = &verdict{reason: ReasonTooManyDates,
			text: fmt.Sprintf("the series has more than %d dates in the booking window", g.opt.Policy.MaxOccurrences)}
		return p, nil
	}
	if err != nil {
		p.rejected = err.Error()
		return p, nil
	}
	replaced := inv.key().owns // a full version replaces every date
	if inv.master == nil {
		replaced = redecided(inv, wants)
	}
	q, err := g.loadQuota(ctx, tx, inv, inv.master != nil && openEnded(inv.master), replaced)
	if err != nil {
		return nil, err
	}
	dates, err := g.decideDates(ctx, tx, inv, wants, existing, q)
	if err != nil {
		return nil, err
	}
	if inv.master != nil && openEnded(inv.master) {
		all := dates
		if dates, p.horizon = deferOpen(dates); len(dates) == 0 && len(all) > 0 {
			// Nothing fits: the series is declined for the quota.
			p.whole = &all[0].v
			return p, nil
		}
	}
	if len(dates) > 0 && allCarried(dates) && len(removed) == 0 && carriedStale(dates, existing) {
		p.ignored = "stale version: every date was already answered by a newer one"
		return p, nil
	}
	g.applySeriesLimit(inv, dates)
	holdForApproval(dates)
	seriesHosts(dates, existing)
	if err := g.suggestForDates(ctx, tx, inv, dates); err != nil {
		return nil, err
	}
	p.dates, p.removed = dates, removed
	return p, nil
}

// ownedByOther says why a meeting cannot be changed by this invitation when
// one of its bookings belongs to another organizer: only the organizer who
// booked may change it. It returns "" otherwise.
func ownedByOther(existing []Booking, inv *invitation) string {
	for _, b := range existing {
		if b.Organizer != inv.organizer {
			return fmt.Sprintf("meeting %s belongs to %s, not to %s", inv.uid, b.Organizer, inv.organizer)
		}
	}
	return ""
}

// seriesPolicy checks what applies to the whole request before expansion.
func (g *Gateway) seriesPolicy(inv *invitation) (verdict, bool) {
	if p := g.opt.Policy; !p.AllowedOrganizer(inv.organizer) && !p.approvalOrganizer(inv.organizer) {
		return verdict{reason: ReasonNotOrganizer, text: fmt.Sprintf("organizer %s may not book this room", inv.organizer)}, false
	}
	if inv.master != nil && inv.master.IsRecurring() && !g.opt.Policy.AllowSeries {
		return verdict{reason: ReasonSeriesDisabled, text: "recurring series are not accepted"}, false
	}
	return verdict{}, true
}

var errTooManyDates = errors.New("too many dates")

// seriesWants lists the dates asked, from now to the end of the booking
// window: the master's occurrences (RRULE, RDATE, EXDATE) with overrides
// in place of the dates they replace. removed holds the keys of dates the
// request drops (an override CANCELLED, or without the room).
func (g *Gateway) seriesWants(inv *invitation, existing []Booking) (wants []want, removed map[string]bool, err error) {
	now := g.opt.Now()
	to := now.Add(g.opt.Policy.BookingWindow)
	byKey := map[string]want{}
	removed = map[string]bool{}
	if inv.master != nil {
		occs, err := inv.master.Occurrences(now, to, g.opt.Policy.MaxOccurrences)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range occs {
			k := RecurrenceKey(o.RecurrenceID)
			byKey[k] = want{key: k, rid: o.RecurrenceID, start: o.Start, end: o.End, ev: inv.master}
		}
	}
	g.applyRanges(inv, existing, byKey, removed)
	for _, ev := range inv.events {
		if ev.RecurrenceID == nil {
			continue
		}
		k := RecurrenceKey(ev.RecurrenceID.Time)
		if !g.wantsRoom(ev) {
			delete(byKey, k)
			removed[k] = true
			continue
		}
		if ev.End.Before(now) {
			continue
		}
		byKey[k] = want{key: k, rid: ev.RecurrenceID.Time, start: ev.Start, end: ev.End, ev: ev, override: true}
	}
	if len(byKey) > g.opt.Policy.MaxOccurrences {
		return nil, nil, errTooManyDates
	}
	for _, w := range byKey {
		wants = append(wants, w)
	}
	sort.Slice(wants, func(i, j int) bool { return wants[i].start.Before(wants[j].start) })
	return wants, removed, nil
}

// wantsRoom reports whether an occurrence still asks for the room: it is
// not cancelled and the room is still among its attendees.
func (g *Gateway) wantsRoom(ev *ical.Event) bool {
	return ev.Status != "CANCELLED" && ev.Attendee(func(s string) bool { return g.opt.roomFor(s) != nil }) != nil
}

// applyRanges applies the overrides with RANGE=THISANDFUTURE (RFC 5545
// §3.8.4.4) to the dates after them, earliest override first so that a
// later one wins over its own range. Each later date keeps its
// RECURRENCE-ID and moves by the override's shift (its DTSTART minus its
// RECURRENCE-ID) with the override's length. The dates are those of the
// master in byKey, or, when the request carries no master (an update of
// part of a known series), the UID's stored bookings ahead. An override
// that cancels or drops the room removes every date from its own on.
func (g *Gateway) applyRanges(inv *invitation, existing []Booking, byKey map[string]want, removed map[string]bool) {
	var ranges []*ical.Event
	for _, ev := range inv.events {
		if ev.RecurrenceID != nil && ev.RecurrenceID.ThisAndFuture {
			ranges = append(ranges, ev)
		}
	}
	if len(ranges) == 0 {
		return
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].RecurrenceID.Time.Before(ranges[j].RecurrenceID.Time) })
	if inv.master == nil {
		now := g.opt.Now()
		for _, b := range existing {
			rid, err := time.Parse(recurrenceKeyLayout, b.RecurrenceID)
			if err != nil || b.Status == StatusCancelled || !b.End.After(now) {
				continue
			}
			byKey[b.RecurrenceID] = want{key: b.RecurrenceID, rid: rid, start: b.Start, end: b.End}
		}
	}
	for _, ev := range ranges {
		from := ev.RecurrenceID.Time
		shift, length := ev.Start.Sub(from), ev.End.Sub(ev.Start)
		drop := !g.wantsRoom(ev)
		for k, w := range byKey {
			if w.rid.Before(from) || w.rid.Equal(from) {
				continue
			}
			if drop {
				delete(byKey, k)
				removed[k] = true
				continue
			}
			w.start = w.rid.Add(shift)
			w.end = w.start.Add(length)
			w.ev, w.ranged = ev, true
			byKey[k] = w
		}
	}
	if inv.master == nil {
		// Stored dates no override reached are not part of this request.
		for k, w := range byKey {
			if !w.ranged {
				delete(byKey, k)
			}
		}
	}
}

// decideDates decides each wanted date, or carries over the answer already
// given when the date did not change (same SEQUENCE and slot) or when a
// newer version of it was already answered. The bookings around every date
// are read at once, then each date is checked in memory.
func (g *Gateway) decideDates(ctx context.Context, tx Tx, inv *invitation, wants []want, existing []Booking, q *quota) ([]dated, error) {
	out := make([]dated, 0, len(wants))
	buf := g.opt.Policy.Buffer
	var spans []Span
	var todo []int
	for _, w := range wants {
		if prev := findBooking(existing, w.key); prev != nil && prev.Status != StatusCancelled {
			stale := newer(prev.Sequence, prev.DTStamp, w.ev.Sequence, w.ev.DTStamp)
			same := prev.Sequence == w.ev.Sequence && prev.Start.Equal(w.start) && prev.End.Equal(w.end)
			if stale || same {
				out = append(out, dated{want: w, v: verdictOf(prev), carried: true})
				continue
			}
		}
		pv, ok := g.checkPolicy(inv, w.start, w.end)
		if !ok {
			out = append(out, dated{want: w, v: pv})
			continue
		}
		todo = append(todo, len(out))
		out = append(out, dated{want: w, v: pv})
		spans = append(spans, Span{w.start.Add(-buf), w.end.Add(buf)})
	}
	if len(spans) == 0 {
		q.apply(out)
		return out, nil
	}
	near, err := g.overlappingAny(ctx, tx, spans)
	if err != nil {
		return nil, fmt.Errorf("read bookings: %w", err)
	}
	var ws []Booking // the waiting list, read when a date is busy
	for _, i := range todo {
		pl := g.hosts().place(near, inv.key(), out[i].start, out[i].end, buf)
		busy, in := pl.busy, pl.in
		need := out[i].v.approval
		switch {
		case !busy && len(need) > 0 && !inv.mayHold():
			out[i].v = inv.holds.verdict()
			continue
		case !busy:
			out[i].v = freeVerdict(need)
			out[i].v.host, out[i].v.free = pl.first(""), pl.free
			continue
		}
		out[i].v = verdict{reason: ReasonConflict, conflicts: in, text: conflictText(in, g.opt.Location)}
		if out[i].v.other = sameMeetingOf(in, inv); out[i].v.other != "" {
			out[i].v.text = "the meeting is already booked by another organizer, " + out[i].v.other
			continue
		}
		if len(need) > 0 {
			continue // no waiting for what a facilitator must approve
		}
		if tv := g.offerTool(ctx, inv, out[i].key, out[i].ev.Summary, out[i].start, out[i].end, out[i].v); tv.tool != "" {
			out[i].v = tv // held on a free tool, as a single request would be
			continue
		}
		if p := g.opt.Policy; !inv.mayHold() {
			out[i].v.holdsFull, out[i].v.quota = p.Waitlist || p.Counter, inv.holds.view
			continue
		}
		if ws == nil {
			if ws, err = g.waiters(ctx, tx); err != nil {
				return nil, err
			}
		}
		out[i].v.wait = g.canWait(ws, inv, out[i].start, out[i].end)
	}
	q.apply(out)
	return out, nil
}

// redecided reports the bookings of the meeting whose dates are decided
// again now.
func redecided(inv *invitation, wants []want) func(Booking) bool {
	keys := make(map[string]bool, len(wants))
	for _, w := range wants {
		keys[w.key] = true
	}
	own := inv.key()
	return func(b Booking) bool { return own.owns(b) && keys[b.RecurrenceID] }
}

// suggestForDates proposes free slots for the dates declined because the
// account is busy, when there are few of them: a series declined whole for
// too many busy dates gets no proposal per date.
func (g *Gateway) suggestForDates(ctx context.Context, tx Tx, inv *invitation, ds []dated) error {
	var busy []int
	for i, d := range ds {
		if !d.carried && d.v.reason == ReasonConflict {
			busy = append(busy, i)
		}
	}
	if len(busy) > max(g.opt.Policy.SeriesMaxBusy, 1) {
		return nil
	}
	// The nearest free slot is most often the same day or the next: look
	// there first, for every busy date in one query, then up to the whole
	// horizon for the dates that found nothing.
	buf := g.opt.Policy.Buffer
	window := func(i int, horizon time.Duration) Span {
		s, e := ds[i].start, ds[i].end
		// A slot starting before s+horizon ends before s+horizon+(e-s).
		return Span{Start: s.Add(-buf), End: s.Add(horizon + e.Sub(s) + buf)}
	}
	const firstHorizon = 24 * time.Hour
	spans := make([]Span, len(busy))
	for k, i := range busy {
		spans[k] = window(i, firstHorizon)
	}
	ahead, err := g.overlappingAny(ctx, tx, spans)
	if err != nil {
		return fmt.Errorf("read bookings: %w", err)
	}
	for _, i := range busy {
		if ds[i].v.suggestions = g.freeSlotsN(ahead, inv.key(), interval{ds[i].start, ds[i].end}, 1, firstHorizon); len(ds[i].v.suggestions) > 0 {
			continue
		}
		w := window(i, suggestHorizon)
		far, err := g.overlapping(ctx, tx, w.Start, w.End)
		if err != nil {
			return fmt.Errorf("read bookings: %w", err)
		}
		ds[i].v.suggestions = g.freeSlotsN(far, inv.key(), interval{ds[i].start, ds[i].end}, 1, suggestHorizon)
	}
	return nil
}

func allCarried(ds []dated) bool {
	for _, d := range ds {
		if !d.carried {
			return false
		}
	}
	return true
}

// carriedStale reports whether every carried date was answered for a
// strictly newer version than the one asked now.
func carriedStale(ds []dated, existing []Booking) bool {
	for _, d := range ds {
		prev := findBooking(existing, d.key)
		if prev == nil || !newer(prev.Sequence, prev.DTStamp, d.ev.Sequence, d.ev.DTStamp) {
			return false
		}
	}
	return true
}

// applySeriesLimit declines the whole series when it has too many busy
// dates: more than series_max_busy, or more than series_max_busy_percent
// of its dates. Naked occurrences are each decided on their own.
func (g *Gateway) applySeriesLimit(inv *invitation, ds []dated) {
	if inv.master == nil || !inv.master.IsRecurring() {
		return
	}
	busy := 0
	for _, d := range ds {
		if !d.v.accepted && d.v.tool == "" && !quotaReason(d.v.reason) && d.v.reason != ReasonHolds { // a quota, or a date held on a free tool, is no busy date
			busy++
		}
	}
	p := g.opt.Policy
	if busy == 0 || (busy <= p.SeriesMaxBusy && busy*100 <= p.SeriesMaxBusyPercent*len(ds)) {
		return
	}
	text := fmt.Sprintf("%d of the series' %d dates are busy (at most %d and %d%% may be)", busy, len(ds), p.SeriesMaxBusy, p.SeriesMaxBusyPercent)
	for i := range ds {
		ds[i].v.wait = false // a series declined whole waits for nothing
		if ds[i].v.accepted || ds[i].v.tool != "" {
			ds[i].v = verdict{reason: ReasonSeriesBusy, text: "declined with the rest of the series: " + text}
		}
	}
}

// verdictOf rebuilds the verdict recorded with a booking.
func verdictOf(b *Booking) verdict {
	if b.Status == StatusAccepted && b.Provider != "" && strings.HasPrefix(b.Reason, ReasonConflict+": ") {
		// Declined on Zoom, held on a free tool (see offerTool).
		_, text := splitReason(b.Reason)
		return verdict{reason: ReasonConflict, text: text, tool: b.Provider, toolRoom: b.ToolRoom}
	}
	if b.Status == StatusAccepted {
		return verdict{accepted: true, text: "already accepted", host: b.Host, tool: b.Provider, toolRoom: b.ToolRoom}
	}
	code, text := splitReason(b.Reason)
	if b.Status == StatusPending {
		return verdict{accepted: true, pending: true, reason: ReasonApproval, text: text, approval: splitRules(text)}
	}
	return verdict{reason: code, text: text, wait: b.Status == StatusWaiting}
}

// joinReason and splitReason store a reason code with its text in
// Booking.Reason, as "code: text".
func joinReason(v verdict) string {
	if v.reason == "" {
		return v.text
	}
	return v.reason + ": " + v.text
}

func splitReason(s string) (code, text string) {
	if c, t, ok := strings.Cut(s, ": "); ok && !strings.Contains(c, " ") {
		return c, t
	}
	return ReasonConflict, s
}
