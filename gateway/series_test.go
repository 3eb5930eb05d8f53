package gateway_test

import (
	"mime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/ical"
)

// weekly is a weekly series of count dates from first (Paris time, one
// hour each), written with TZID=Europe/Paris and a VTIMEZONE.
func weekly(uid, org string, seq int, first time.Time, count int, extra ...string) invite {
	rule := "RRULE:FREQ=WEEKLY;COUNT=" + strconv.Itoa(count)
	return invite{Events: []vevent{{UID: uid, Seq: seq, Start: first, End: first.Add(time.Hour), Paris: true,
		Organizer: org, Attendees: []string{roomAddr}, Summary: "Weekly " + uid, Lines: append([]string{rule}, extra...)}}}
}

// occurrence is a REQUEST or CANCEL holding only the component of one
// occurrence (RECURRENCE-ID), as Outlook sends a moved date.
func occurrence(method, uid, org string, seq int, rid string, start time.Time) invite {
	return invite{Method: method, Events: []vevent{{UID: uid, Seq: seq, Stamp: t0.Add(time.Duration(seq) * time.Minute),
		Start: start, End: start.Add(time.Hour), Paris: true, Organizer: org, Attendees: []string{roomAddr},
		Summary: "Weekly " + uid, Lines: []string{rid}}}}
}

// the dates of the weekly series "w": Thursdays from 3 December 2026, 10:00
// Paris (09:00 UTC), as booking keys.
var weeklyKeys = []string{
	"20261203T090000Z", "20261210T090000Z", "20261217T090000Z", "20261224T090000Z", "20261231T090000Z",
	"20270107T090000Z", "20270114T090000Z", "20270121T090000Z", "20270128T090000Z", "20270204T090000Z",
}

var firstThursday = at(2026, 12, 3, 10, 0)

// bookOthers books single meetings of other members on the given
// Thursdays (weeks after 3 December), 10:00–11:00.
func bookOthers(t *testing.T, h *harness, weeks ...int) {
	t.Helper()
	for _, w := range weeks {
		s := firstThursday.AddDate(0, 0, 7*w)
		got := h.handle(meeting("REQUEST", "other-"+strconv.Itoa(w), bob, 0, s, s.Add(time.Hour)).bytes())
		if got.Action != gateway.ActionAccepted {
			t.Fatalf("booking week %d: %+v", w, got)
		}
	}
}

// statuses lists the status of each booking of uid, by key.
func statuses(h *harness, uid string) map[string]gateway.BookingStatus {
	m := map[string]gateway.BookingStatus{}
	for _, b := range h.st.bookings() {
		if b.UID == uid {
			m[b.RecurrenceID] = b.Status
		}
	}
	return m
}

// wantStatuses builds the expected map: every weekly key accepted except
// those listed with another status.
func wantStatuses(except map[int]gateway.BookingStatus) map[string]gateway.BookingStatus {
	m := map[string]gateway.BookingStatus{}
	for i, k := range weeklyKeys {
		m[k] = gateway.StatusAccepted
		if s, ok := except[i]; ok {
			if s == "" {
				delete(m, k)
				continue
			}
			m[k] = s
		}
	}
	return m
}

func checkStatuses(t *testing.T, h *harness, uid string, want map[string]gateway.BookingStatus) {
	t.Helper()
	got := statuses(h, uid)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("booking %s %s = %q, want %q", uid, k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected booking %s %s (%s)", uid, k, g)
		}
	}
}

// replyItems summarizes a REPLY: one "RECURRENCE-ID line | PARTSTAT" per VEVENT.
func replyItems(t *testing.T, c *ical.Calendar) []string {
	t.Helper()
	var out []string
	for _, ev := range c.Events {
		rid := "master"
		if ev.RecurrenceID != nil {
			rid = ev.RecurrenceID.Prop.String()
		}
		out = append(out, rid+" | "+partStat(t, ev))
	}
	return out
}

func TestSeries(t *testing.T) {
	const (
		dec = gateway.StatusDeclined
		can = gateway.StatusCancelled
	)
	t.Run("two busy dates of ten", func(t *testing.T) {
		h := newHarness(t)
		bookOthers(t, h, 1, 3)
		n := len(h.st.outbox())
		got := public(h.handle(weekly("w", alice, 0, firstThursday, 10).bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "8 date(s) accepted, 2 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		m, r := h.onlyMail(n)
		wantItems := []string{
			"master | ACCEPTED",
			"RECURRENCE-ID;TZID=Europe/Paris:20261210T100000 | DECLINED",
			"RECURRENCE-ID;TZID=Europe/Paris:20261224T100000 | DECLINED",
		}
		if items := replyItems(t, r.Cal); !slices.Equal(items, wantItems) {
			t.Errorf("reply items:\n%q\nwant\n%q", items, wantItems)
		}
		occ := r.Cal.Events[1]
		if occ.UID != "w" || occ.Prop("DTSTART").String() != "DTSTART;TZID=Europe/Paris:20261210T100000" ||
			occ.Prop("DURATION").String() != "DURATION:PT1H" || occ.Prop("SEQUENCE").Value != "0" {
			t.Errorf("declined occurrence: UID %q %q %q", occ.UID, occ.Prop("DTSTART"), occ.Prop("DURATION"))
		}
		if len(r.Cal.Timezones) != 1 {
			t.Errorf("reply has %d VTIMEZONEs, want 1", len(r.Cal.Timezones))
		}
		// The series is named, not its first date (which might be one
		// of the declined ones); the declined dates follow.
		subject, _ := new(mime.WordDecoder).DecodeHeader(r.Header.Get("Subject"))
		if want := "Room booked except 2 dates: Weekly w — every Thursday from 3 December 2026 to 4 February 2027, 10:00–11:00"; plain(subject) != want {
			t.Errorf("subject = %q, want %q", subject, want)
		}
		wantText := "Salle Opteos is booked for your meeting “Weekly w”:\n" +
			"every Thursday from 3 December 2026 to 4 February 2027, 10:00–11:00 (Paris time), except on the dates below.\n\n" +
			"Add this link to your invitation for your participants:\n" + joinURL + "\n\n" +
			"The room cannot take these 2 dates:\n" +
			"- Thursday 10 December 2026, 10:00–11:00: the room is already taken\n  nearest free slot: Thursday 10 December 2026, 11:15–12:15\n" +
			"- Thursday 24 December 2026, 10:00–11:00: the room is already taken\n  nearest free slot: Thursday 24 December 2026, 11:15–12:15\n"
		if !strings.Contains(r.Text, wantText) {
			t.Errorf("accept text lacks\n%s\n----\n%s", wantText, r.Text)
		}
		if !strings.Contains(r.Text, hostKey) || !strings.Contains(r.Text, passcode) || m.UID != "w" {
			t.Errorf("accepted series mail lacks the room details")
		}
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{1: dec, 3: dec}))
	})

	t.Run("the next free slot of a busy date is days away", func(t *testing.T) {
		h := newHarness(t)
		bookOthers(t, h, 1, 3)
		// The rest of 10 December and all of 11 December are taken too.
		for i, sl := range [][2]time.Time{
			{at(2026, 12, 10, 11, 10), at(2026, 12, 10, 19, 10)},
			{at(2026, 12, 11, 8, 0), at(2026, 12, 11, 16, 0)},
			{at(2026, 12, 11, 16, 10), at(2026, 12, 11, 20, 0)},
		} {
			if got := h.handle(meeting("REQUEST", "full-"+strconv.Itoa(i), bob, 0, sl[0], sl[1]).bytes()); got.Action != gateway.ActionAccepted {
				t.Fatalf("booking %d: %+v", i, got)
			}
		}
		n := len(h.st.outbox())
		h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
		_, r := h.onlyMail(n)
		wantText := "- Thursday 10 December 2026, 10:00–11:00: the room is already taken\n  nearest free slot: Saturday 12 December 2026, 08:00–09:00\n" +
			"- Thursday 24 December 2026, 10:00–11:00: the room is already taken\n  nearest free slot: Thursday 24 December 2026, 11:15–12:15\n"
		if !strings.Contains(r.Text, wantText) {
			t.Errorf("accept text lacks\n%s\n----\n%s", wantText, r.Text)
		}
	})

	t.Run("six busy dates of ten", func(t *testing.T) {
		h := newHarness(t)
		bookOthers(t, h, 1, 2, 3, 5, 6, 8)
		n := len(h.st.outbox())
		got := public(h.handle(weekly("w", alice, 0, firstThursday, 10).bytes()))
		if want := out(gateway.KindRequest, gateway.ActionDeclined, "w", "0 date(s) accepted, 10 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		m, r := h.onlyMail(n)
		if items := replyItems(t, r.Cal); !slices.Equal(items, []string{"master | DECLINED"}) {
			t.Errorf("reply items %q, want the master declined", items)
		}
		noSecrets(t, m.Raw, r)
		// Only the busy dates are listed, not the free ones declined with them.
		wantText := "Too many dates of this recurring meeting are already taken, so the room\ndeclines the whole series.\n\nDates the room cannot take:\n"
		for _, d := range []string{"Thursday 10 December 2026", "Thursday 17 December 2026", "Thursday 24 December 2026",
			"Thursday 7 January 2027", "Thursday 14 January 2027", "Thursday 28 January 2027"} {
			wantText += "- " + d + ", 10:00–11:00: the room is already taken\n  nearest free slot: " + d + ", 11:15–12:15\n"
		}
		wantText += "\n"
		if !strings.Contains(r.Text, wantText) {
			t.Errorf("decline text lacks\n%s\n----\n%s", wantText, r.Text)
		}
		all := map[int]gateway.BookingStatus{}
		for i := range weeklyKeys {
			all[i] = dec
		}
		checkStatuses(t, h, "w", wantStatuses(all))
		if b := h.booking("w", weeklyKeys[0]); b.Reason != "series-busy: declined with the rest of the series: 6 of the series' 10 dates are busy (at most 8 and 50% may be)" {
			t.Errorf("reason of a free date = %q", b.Reason)
		}
	})

	t.Run("an occurrence moved", func(t *testing.T) {
		h := newHarness(t)
		bookOthers(t, h, 1)
		h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
		n := len(h.st.outbox())
		moved := occurrence("REQUEST", "w", alice, 1, "RECURRENCE-ID;TZID=Europe/Paris:20261217T100000", at(2026, 12, 17, 14, 0))
		got := public(h.handle(moved.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "1 date(s) accepted, 0 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		_, r := h.onlyMail(n)
		if items := replyItems(t, r.Cal); !slices.Equal(items, []string{"RECURRENCE-ID;TZID=Europe/Paris:20261217T100000 | ACCEPTED"}) {
			t.Errorf("reply items %q", items)
		}
		b := h.booking("w", "20261217T090000Z")
		if !b.Start.Equal(at(2026, 12, 17, 14, 0)) || b.Sequence != 1 || b.Status != gateway.StatusAccepted {
			t.Errorf("moved booking = %v seq %d %s", b.Start.In(paris), b.Sequence, b.Status)
		}
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{1: dec}))
		// Moved onto a busy slot: only that date is declined.
		busy := occurrence("REQUEST", "w", alice, 2, "RECURRENCE-ID;TZID=Europe/Paris:20261231T100000", at(2026, 12, 10, 10, 30))
		got = public(h.handle(busy.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionDeclined, "w", "0 date(s) accepted, 1 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{1: dec, 4: dec}))
	})

	t.Run("cancel one date, then this and future", func(t *testing.T) {
		h := newHarness(t)
		bookOthers(t, h, 1, 3)
		h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
		n := len(h.st.outbox())
		one := occurrence("CANCEL", "w", alice, 1, "RECURRENCE-ID;TZID=Europe/Paris:20261231T100000", at(2026, 12, 31, 10, 0))
		got := public(h.handle(one.bytes()))
		if want := out(gateway.KindCancel, gateway.ActionCancelled, "w", "1 booking(s) freed", gateway.FolderProcessed, 0); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{1: dec, 3: dec, 4: can}))
		rest := occurrence("CANCEL", "w", alice, 2, "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:20270114T100000", at(2027, 1, 14, 10, 0))
		got = public(h.handle(rest.bytes()))
		if want := out(gateway.KindCancel, gateway.ActionCancelled, "w", "4 booking(s) freed", gateway.FolderProcessed, 0); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{1: dec, 3: dec, 4: can, 6: can, 7: can, 8: can, 9: can}))
		if q := h.queuedSince(n); len(q) != 0 {
			t.Errorf("%d mails queued for cancels", len(q))
		}
		// The freed date can be booked by someone else.
		got = public(h.handle(meeting("REQUEST", "dave-1", dave, 0, at(2027, 1, 21, 10, 0), at(2027, 1, 21, 11, 0)).bytes()))
		if got.Action != gateway.ActionAccepted {
			t.Errorf("freed date: %+v", got)
		}
	})

	t.Run("EXDATE", func(t *testing.T) {
		h := newHarness(t)
		got := public(h.handle(weekly("w", alice, 0, firstThursday, 10, "EXDATE;TZID=Europe/Paris:20261217T100000").bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "9 date(s) accepted, 0 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{2: ""}))
		// An update that excludes another date frees it.
		upd := weekly("w", alice, 1, firstThursday, 10, "EXDATE;TZID=Europe/Paris:20261217T100000,20261224T100000")
		upd.Events[0].Stamp = t0.Add(time.Minute)
		got = public(h.handle(upd.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "8 date(s) accepted, 0 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{2: "", 3: can}))
	})

	t.Run("endless FREQ=SECONDLY", func(t *testing.T) {
		h := newHarness(t)
		iv := weekly("w", alice, 0, firstThursday, 1)
		iv.Events[0].Lines = []string{"RRULE:FREQ=SECONDLY"}
		got := public(h.handle(iv.bytes())) // how fast: BenchmarkPathologicalRRULE in ical
		if want := out(gateway.KindRequest, gateway.ActionDeclined, "w", "the series has more than 500 dates in the booking window", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		_, r := h.onlyMail(0)
		if items := replyItems(t, r.Cal); !slices.Equal(items, []string{"master | DECLINED"}) {
			t.Errorf("reply items %q", items)
		}
		if !strings.Contains(r.Text, "This recurring meeting has too many dates for the room.") {
			t.Errorf("text:\n%s", r.Text)
		}
	})

	t.Run("series not allowed", func(t *testing.T) {
		h := newHarness(t, func(o *gateway.Options) { o.Policy.AllowSeries = false })
		got := public(h.handle(weekly("w", alice, 0, firstThursday, 10).bytes()))
		if want := out(gateway.KindRequest, gateway.ActionDeclined, "w", "recurring series are not accepted", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
	})

	t.Run("minor re-send and stale version", func(t *testing.T) {
		h := newHarness(t)
		bookOthers(t, h, 1)
		h.handle(weekly("w", alice, 1, firstThursday, 10).bytes())
		again := weekly("w", alice, 1, firstThursday, 10)
		again.Events[0].Stamp = t0.Add(time.Minute)
		got := public(h.handle(again.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "9 date(s) accepted, 1 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("re-sent: outcome %+v, want %+v", got, want)
		}
		stale := weekly("w", alice, 0, firstThursday, 10)
		stale.Events[0].Stamp = t0.Add(2 * time.Minute)
		got = public(h.handle(stale.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionIgnored, "w", "stale: SEQUENCE 0 < 1", gateway.FolderProcessed, 0); got != want {
			t.Fatalf("stale: outcome %+v, want %+v", got, want)
		}
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{1: dec}))
	})

	t.Run("naked occurrences", func(t *testing.T) {
		h := newHarness(t)
		bookOthers(t, h, 1)
		iv := occurrence("REQUEST", "w", alice, 0, "RECURRENCE-ID;TZID=Europe/Paris:20261203T100000", at(2026, 12, 3, 10, 0))
		iv2 := occurrence("REQUEST", "w", alice, 0, "RECURRENCE-ID;TZID=Europe/Paris:20261210T100000", at(2026, 12, 10, 10, 0))
		iv.Events = append(iv.Events, iv2.Events...)
		n := len(h.st.outbox())
		got := public(h.handle(iv.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "1 date(s) accepted, 1 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		_, r := h.onlyMail(n)
		want := []string{"RECURRENCE-ID;TZID=Europe/Paris:20261203T100000 | ACCEPTED", "RECURRENCE-ID;TZID=Europe/Paris:20261210T100000 | DECLINED"}
		if items := replyItems(t, r.Cal); !slices.Equal(items, want) {
			t.Errorf("reply items %q, want %q", items, want)
		}
		checkStatuses(t, h, "w", map[string]gateway.BookingStatus{weeklyKeys[0]: gateway.StatusAccepted, weeklyKeys[1]: dec})
	})

	t.Run("update to an endless rule releases the dates", func(t *testing.T) {
		h := newHarness(t)
		h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
		upd := weekly("w", alice, 1, firstThursday, 1)
		upd.Events[0].Lines, upd.Events[0].Stamp = []string{"RRULE:FREQ=SECONDLY"}, t0.Add(time.Minute)
		got := public(h.handle(upd.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionDeclined, "w", "the series has more than 500 dates in the booking window", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		all := map[int]gateway.BookingStatus{}
		for i := range weeklyKeys {
			all[i] = dec
		}
		checkStatuses(t, h, "w", wantStatuses(all))
		// The dates are free again.
		if got := h.handle(meeting("REQUEST", "d", dave, 0, firstThursday, firstThursday.Add(time.Hour)).bytes()); got.Action != gateway.ActionAccepted {
			t.Errorf("released date: %+v", got)
		}
	})

	t.Run("series made a single meeting", func(t *testing.T) {
		h := newHarness(t)
		h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
		single := meeting("REQUEST", "w", alice, 1, firstThursday, firstThursday.Add(time.Hour))
		single.Events[0].Stamp = t0.Add(time.Minute)
		got := public(h.handle(single.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "the account is free", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		want := map[string]gateway.BookingStatus{"": gateway.StatusAccepted}
		for _, k := range weeklyKeys {
			want[k] = can
		}
		checkStatuses(t, h, "w", want)
	})

	t.Run("single meeting made a series", func(t *testing.T) {
		h := newHarness(t)
		h.handle(meeting("REQUEST", "w", alice, 0, firstThursday, firstThursday.Add(time.Hour)).bytes())
		series := weekly("w", alice, 1, firstThursday, 10)
		series.Events[0].Stamp = t0.Add(time.Minute)
		got := public(h.handle(series.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "10 date(s) accepted, 0 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		want := wantStatuses(nil)
		want[""] = can
		checkStatuses(t, h, "w", want)
		// The old single version, delivered late, changes nothing.
		late := meeting("REQUEST", "w", alice, 0, firstThursday, firstThursday.Add(time.Hour))
		late.Events[0].Stamp = t0.Add(2 * time.Minute)
		got = public(h.handle(late.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionIgnored, "w", "stale: SEQUENCE 0 < 1", gateway.FolderProcessed, 0); got != want {
			t.Fatalf("late version: outcome %+v, want %+v", got, want)
		}
		checkStatuses(t, h, "w", want)
	})

	t.Run("series across the DST change", func(t *testing.T) {
		h := newHarness(t)
		got := public(h.handle(weekly("w", alice, 0, at(2027, 3, 18, 10, 0), 4).bytes()))
		if got.Action != gateway.ActionAccepted {
			t.Fatalf("outcome %+v", got)
		}
		want := map[string]gateway.BookingStatus{"20270318T090000Z": gateway.StatusAccepted, "20270325T090000Z": gateway.StatusAccepted,
			"20270401T080000Z": gateway.StatusAccepted, "20270408T080000Z": gateway.StatusAccepted}
		checkStatuses(t, h, "w", want)
	})
}

// An override with RANGE=THISANDFUTURE in a REQUEST moves every later date
// by its shift (RFC 5545 §3.8.4.4), with or without the master beside it.
func TestSeriesThisAndFuture(t *testing.T) {
	const (
		acc = gateway.StatusAccepted
		dec = gateway.StatusDeclined
		can = gateway.StatusCancelled
	)
	// rangeFrom24Dec is the override moving 24 December and every later
	// Thursday from 10:00 to start, for an hour.
	rangeFrom24Dec := func(seq int, start time.Time, extra ...string) vevent {
		return vevent{UID: "w", Seq: seq, Stamp: t0.Add(time.Duration(seq) * time.Minute), Start: start, End: start.Add(time.Hour),
			Paris: true, Organizer: alice, Attendees: []string{roomAddr}, Summary: "Weekly w",
			Lines: append([]string{"RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:20261224T100000"}, extra...)}
	}
	startOf := func(h *harness, key string) string { return h.booking("w", key).Start.In(paris).Format("Jan 2 15:04") }
	// starts checks the start of every date of "w", in Paris time.
	starts := func(t *testing.T, h *harness, want ...string) {
		t.Helper()
		for i, w := range want {
			if s := startOf(h, weeklyKeys[i]); s != w {
				t.Errorf("date %d starts %s, want %s", i, s, w)
			}
		}
	}
	// holdSlot books [s, e) for another member.
	holdSlot := func(t *testing.T, h *harness, uid string, s, e time.Time) {
		t.Helper()
		if got := h.handle(meeting("REQUEST", uid, bob, 0, s, e).bytes()); got.Action != gateway.ActionAccepted {
			t.Fatalf("booking %s: %+v", uid, got)
		}
	}

	t.Run("with the master: later dates move, a busy one is declined", func(t *testing.T) {
		h := newHarness(t)
		holdSlot(t, h, "bob-7jan", at(2027, 1, 7, 11, 0), at(2027, 1, 7, 12, 0))
		h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
		n := len(h.st.outbox())
		upd := weekly("w", alice, 1, firstThursday, 10)
		upd.Events = append(upd.Events, rangeFrom24Dec(1, at(2026, 12, 24, 11, 0)))
		got := public(h.handle(upd.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "9 date(s) accepted, 1 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		starts(t, h, "Dec 3 10:00", "Dec 10 10:00", "Dec 17 10:00", "Dec 24 11:00", "Dec 31 11:00",
			"Jan 7 11:00", "Jan 14 11:00", "Jan 21 11:00", "Jan 28 11:00", "Feb 4 11:00")
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{5: dec}))
		_, r := h.onlyMail(n)
		wantItems := []string{
			"master | ACCEPTED",
			"RECURRENCE-ID;TZID=Europe/Paris:20261224T100000 | ACCEPTED", // the override, answered for itself
			"RECURRENCE-ID;TZID=Europe/Paris:20270107T100000 | DECLINED",
		}
		if items := replyItems(t, r.Cal); !slices.Equal(items, wantItems) {
			t.Errorf("reply items:\n%q\nwant\n%q", items, wantItems)
		}
		if len(r.Cal.Events) == 3 {
			if p := r.Cal.Events[2].Prop("DTSTART").String(); p != "DTSTART;TZID=Europe/Paris:20270107T110000" {
				t.Errorf("declined moved date: %s, want its new start", p)
			}
		}
		if !strings.Contains(r.Text, "Thursday 7 January 2027, 11:00–12:00: the room is already taken") {
			t.Errorf("mail does not list the moved busy date:\n%s", r.Text)
		}
	})

	t.Run("without the master: the stored dates from the override on move", func(t *testing.T) {
		h := newHarness(t)
		holdSlot(t, h, "bob-14jan", at(2027, 1, 14, 14, 30), at(2027, 1, 14, 15, 30))
		h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
		n := len(h.st.outbox())
		got := public(h.handle(invite{Events: []vevent{rangeFrom24Dec(1, at(2026, 12, 24, 14, 0))}}.bytes()))
		if want := out(gateway.KindRequest, gateway.ActionAccepted, "w", "6 date(s) accepted, 1 declined", gateway.FolderProcessed, 1); got != want {
			t.Fatalf("outcome %+v, want %+v", got, want)
		}
		starts(t, h, "Dec 3 10:00", "Dec 10 10:00", "Dec 17 10:00", "Dec 24 14:00", "Dec 31 14:00",
			"Jan 7 14:00", "Jan 14 14:00", "Jan 21 14:00", "Jan 28 14:00", "Feb 4 14:00")
		checkStatuses(t, h, "w", wantStatuses(map[int]gateway.BookingStatus{6: dec}))
		if b := h.booking("w", weeklyKeys[4]); b.Sequence != 1 {
			t.Errorf("moved date keeps SEQUENCE %d, want the override's 1", b.Sequence)
		}
		// Without a master, each date of the range is answered.
		_, r := h.onlyMail(n)
		items := replyItems(t, r.Cal)
		if len(items) != 7 || items[0] != "RECURRENCE-ID;TZID=Europe/Paris:20261224T100000 | ACCEPTED" ||
			!slices.Contains(items, "RECURRENCE-ID;TZID=Europe/Paris:20270114T100000 | DECLINED") {
			t.Errorf("reply items %q", items)
		}
		for _, ev := range r.Cal.Events {
			if ev.RecurrenceID == nil || ev.RecurrenceID.ThisAndFuture {
				t.Errorf("reply item %v: want one RECURRENCE-ID without RANGE", ev.RecurrenceID)
			}
		}
		// A minor update of the override keeps the moved dates.
		again := invite{Events: []vevent{rangeFrom24Dec(1, at(2026, 12, 24, 14, 0))}}
		again.Events[0].Stamp = t0.Add(time.Hour) // a minor update: same SEQUENCE
		h.handle(again.bytes())
		if s := startOf(h, weeklyKeys[9]); s != "Feb 4 14:00" {
			t.Errorf("after a minor update the last date starts %s", s)
		}
	})

	t.Run("the room dropped from this date on", func(t *testing.T) {
		h := newHarness(t)
		h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
		n := len(h.st.outbox())
		ev := rangeFrom24Dec(1, at(2026, 12, 24, 10, 0))
		ev.Attendees = []string{"carol@coop.example"}
		upd := weekly("w", alice, 1, firstThursday, 10)
		upd.Events = append(upd.Events, ev)
		h.handle(upd.bytes())
		want := map[string]gateway.BookingStatus{}
		for i, k := range weeklyKeys {
			want[k] = acc
			if i >= 3 {
				want[k] = can
			}
		}
		checkStatuses(t, h, "w", want)
		_, r := h.onlyMail(n)
		if items := replyItems(t, r.Cal); !slices.Equal(items, []string{"master | ACCEPTED"}) {
			t.Errorf("reply items %q", items)
		}
	})
}
