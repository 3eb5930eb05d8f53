package gateway

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// replyTexts returns, in the organizer's language, the description of the
// REQUEST-STATUS and the COMMENT (for a decline) of one REPLY component,
// rendered from TmplComment. The English verdict text stays for the log
// and the audit; it is only used here when the template fails, so that a
// reply always goes out.
func (g *Gateway) replyTexts(v verdict, start, end time.Time) (status, comment string) {
	loc := g.opt.Location
	view := MailView{Accepted: v.accepted && !v.pending, Pending: v.pending, Approval: v.approval, Reason: v.reason, Suggestions: v.suggestions,
		When: Slot{start.In(loc), end.In(loc)}, BufferOnly: bufferOnly(v.conflicts, start, end), Quota: v.quota, SameMeeting: v.other != ""}
	return g.renderReplyTexts(view, g.opt.Lang, v.text)
}

// renderReplyTexts renders TmplComment for a view, filling what every
// reply text may name; fallback is the English comment used when the
// template fails.
func (g *Gateway) renderReplyTexts(view MailView, lang, fallback string) (status, comment string) {
	view.Lang, view.TimeZone = lang, g.opt.Location.String()
	view.MaxDuration, view.WindowDays = g.opt.Policy.MaxDuration, windowDays(g.opt.Policy)
	view.Buffer, view.Concurrent = g.opt.Policy.Buffer, g.opt.Concurrent
	r, err := g.opt.Renderer.Render(lang, TmplComment, view)
	if err != nil {
		g.log.Error("render the reply's comment", "err", err)
		return "", fallback
	}
	return statusText(r.Subject), strings.TrimSpace(r.Text)
}

// statusSeparators replaces what statusText removes but commas.
var statusSeparators = strings.NewReplacer(";", ",", "\\", "")

// statusText makes a REQUEST-STATUS description of s: one TEXT component
// (RFC 5545 §3.8.8.3), so without the separators ";" and "\", and commas
// escaped.
func statusText(s string) string {
	s = statusSeparators.Replace(strings.TrimSpace(s))
	return strings.ReplaceAll(s, ",", "\\,")
}

// requestStatus joins a status code and its description.
func requestStatus(code, text string) string {
	if text == "" {
		return code
	}
	return code + ";" + text
}

// bufferOnly reports whether the bookings in the way of [s, e) are there
// only because of the buffer kept around them: none overlaps the slot
// itself.
func bufferOnly(in []Booking, s, e time.Time) bool {
	if len(in) == 0 {
		return false
	}
	for _, b := range in {
		if b.Start.Before(e) && b.End.After(s) {
			return false
		}
	}
	return true
}

// meetingPath finds the meeting number in a Zoom join link: /j/81234567890.
var meetingPath = regexp.MustCompile(`/j/([0-9]{9,12})`)

// linkInInvitation reports whether the event's LOCATION or DESCRIPTION
// already holds the room's join link: the link itself, or another Zoom
// link to the same meeting number (members often paste the link without
// its pwd= part, or from another Zoom host name).
func linkInInvitation(ev *ical.Event, joinURL string) bool {
	if ev == nil || joinURL == "" {
		return false
	}
	var text strings.Builder
	for _, name := range []string{"LOCATION", "DESCRIPTION", "X-ALT-DESC"} {
		for _, p := range ev.Props {
			if p.Name == name {
				text.WriteString(p.Text())
				text.WriteByte('\n')
			}
		}
	}
	t := text.String()
	if strings.Contains(t, joinURL) {
		return true
	}
	m := meetingPath.FindStringSubmatch(joinURL)
	if m == nil {
		return false
	}
	for _, got := range meetingPath.FindAllStringSubmatch(t, -1) {
		if got[1] == m[1] {
			return true
		}
	}
	return false
}

// recurrenceOf names a series from its dates, sorted by start: the weekly
// or daily pattern they follow, their first and last dates, and whether
// they all keep the first date's hours. It returns nil for fewer than
// two dates.
func recurrenceOf(ds []dated, loc *time.Location, open bool) *Recurrence {
	if len(ds) < 2 {
		return nil
	}
	days := make([]time.Time, len(ds))
	r := &Recurrence{Dates: len(ds), Open: open, SameTime: true,
		First: Slot{ds[0].start.In(loc), ds[0].end.In(loc)}, Last: Slot{ds[len(ds)-1].start.In(loc), ds[len(ds)-1].end.In(loc)}}
	for i, d := range ds {
		s, e := d.start.In(loc), d.end.In(loc)
		days[i] = s
		if clockOf(s) != clockOf(r.First.Start) || e.Sub(s) != r.First.End.Sub(r.First.Start) {
			r.SameTime = false
		}
	}
	if everyDay(days) {
		r.Daily = true
		return r
	}
	r.Days = weekdaysOf(days)
	for _, weeks := range []int{1, 2} {
		if weeklyOn(days, r.Days, weeks) {
			r.Weeks = weeks
			return r
		}
	}
	r.Days = nil
	return r
}

func clockOf(t time.Time) time.Duration { return sinceMidnight(t) }

// civil counts calendar days, to compare local dates across clock changes.
func civil(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func everyDay(days []time.Time) bool {
	for i := 1; i < len(days); i++ {
		if civil(days[i])-civil(days[i-1]) != 1 {
			return false
		}
	}
	return true
}

// weekdaysOf lists the weekdays of the dates, Monday first.
func weekdaysOf(days []time.Time) []time.Weekday {
	seen := map[time.Weekday]bool{}
	var out []time.Weekday
	for _, d := range days {
		if !seen[d.Weekday()] {
			seen[d.Weekday()] = true
			out = append(out, d.Weekday())
		}
	}
	sort.Slice(out, func(i, j int) bool { return (out[i]+6)%7 < (out[j]+6)%7 })
	return out
}

// weeklyOn reports whether the dates are exactly every day of wd, every
// `weeks` weeks, from the first date to the last.
func weeklyOn(days []time.Time, wd []time.Weekday, weeks int) bool {
	on := map[time.Weekday]bool{}
	for _, w := range wd {
		on[w] = true
	}
	first := civil(days[0])
	monday := first - (int(days[0].Weekday())+6)%7
	i := 0
	for n := first; n <= civil(days[len(days)-1]); n++ {
		wday := time.Weekday((n + 4) % 7) // day 0 of the Unix epoch was a Thursday
		if !on[wday] || ((n-monday)/7)%weeks != 0 {
			continue
		}
		if i >= len(days) || civil(days[i]) != n {
			return false
		}
		i++
	}
	return i == len(days)
}

// namedSeries names a series declined whole from its occurrences inside
// the booking window, so that the mail does not name its first date only;
// nil when they cannot be listed (too many of them, say).
func (g *Gateway) namedSeries(inv *invitation) *Recurrence {
	now := g.opt.Now()
	occs, err := inv.master.Occurrences(now, now.Add(g.opt.Policy.BookingWindow), g.opt.Policy.MaxOccurrences)
	if err != nil {
		return nil
	}
	ds := make([]dated, len(occs))
	for i, o := range occs {
		ds[i] = dated{want: want{start: o.Start, end: o.End}}
	}
	return recurrenceOf(ds, g.opt.Location, openEnded(inv.master))
}
