package db

import (
	"context"
	"reflect"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// aheadAnswers are the answers of every read Prefetch serves, to the
// questions of aheadQuestions.
type aheadAnswers struct {
	Meetings    [][]gateway.Booking
	Versions    [][]gateway.Version
	Overlapping [][]gateway.Booking
	Any         [][]gateway.Booking
	Holds       [][]gateway.Booking
	People      [][]gateway.Booking
	PeopleOpen  [][]bool
	Counts      [][]int
	Last        []time.Time
}

// aheadQuestions are the reads asked after a Prefetch of reads: the same
// questions, and the time-bounded ones with later instants, all still
// within what was read ahead.
type aheadQuestions struct {
	reads       gateway.Reads
	anySpans    [][]gateway.Span // each some of reads.Spans
	holdsAfter  []time.Time
	peopleAfter []time.Time
	since       []time.Time
}

func (q aheadQuestions) ask(ctx context.Context, gtx gateway.Tx) (aheadAnswers, error) {
	var a aheadAnswers
	for _, m := range q.reads.Bookings {
		bs, err := gtx.BookingsOf(ctx, m.Organizer, m.UID)
		if err != nil {
			return a, err
		}
		a.Meetings = append(a.Meetings, bs)
	}
	for _, m := range q.reads.Versions {
		vs, err := gtx.Versions(ctx, m.Organizer, m.UID)
		if err != nil {
			return a, err
		}
		a.Versions = append(a.Versions, vs)
	}
	for _, w := range q.reads.Overlapping {
		bs, err := gtx.Overlapping(ctx, w.Start, w.End)
		if err != nil {
			return a, err
		}
		a.Overlapping = append(a.Overlapping, bs)
	}
	for _, spans := range q.anySpans {
		bs, err := gtx.OverlappingAny(ctx, spans)
		if err != nil {
			return a, err
		}
		a.Any = append(a.Any, bs)
	}
	for _, after := range q.holdsAfter {
		bs, err := gtx.Holds(ctx, after)
		if err != nil {
			return a, err
		}
		a.Holds = append(a.Holds, bs)
	}
	for _, p := range q.reads.People {
		for _, after := range q.peopleAfter {
			bs, open, err := gtx.(gateway.OpenBookingsReader).PersonBookingsOpen(ctx, p, after)
			if err != nil {
				return a, err
			}
			plain, err := gtx.PersonBookings(ctx, p, after)
			if err != nil {
				return a, err
			}
			a.People = append(a.People, bs, plain)
			a.PeopleOpen = append(a.PeopleOpen, open)
		}
	}
	for _, since := range q.since {
		qs := make([]gateway.OutboxQuery, len(q.reads.Counts))
		for i, c := range q.reads.Counts {
			qs[i] = c
			qs[i].Since = since
		}
		ns, last, err := gtx.(gateway.OutboxStamper).CountOutboxesLast(ctx, qs, *q.reads.Last)
		if err != nil {
			return a, err
		}
		a.Counts, a.Last = append(a.Counts, ns), append(a.Last, last)
	}
	return a, nil
}

// TestPrefetchSameAnswers checks, on PostgreSQL, that each read Prefetch
// serves gives what the plain read gives on the same data: at once,
// with later instants, and after each kind of write in the same
// transaction (which must make it read again, not answer stale rows).
func TestPrefetchSameAnswers(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	ctx := t.Context()
	s := openStore(t, newPostgresDB(t))
	s.SetMaxBookingLength(6 * time.Hour)
	const ann, bob = "ann@example.org", "bob@example.org"
	day := 24 * time.Hour
	var series []*gateway.Booking
	for i := range 3 {
		st := at(9, 0).Add(time.Duration(i) * day)
		series = append(series, booking("weekly", gateway.RecurrenceKey(st), st, st.Add(time.Hour), gateway.StatusAccepted))
	}
	pending := booking("single", "", at(10, 0), at(11, 0), gateway.StatusPending)
	pending.Request, pending.Approval = []byte("BEGIN:VCALENDAR"), "nonce"
	waiting := booking("asked", "", at(12, 0), at(13, 0), gateway.StatusWaiting)
	waiting.Organizer, waiting.Actor, waiting.Request = bob, ann, []byte{}
	held := booking("held", "", at(14, 0), at(15, 0), gateway.StatusHeld)
	held.ExpiresAt, held.DTStamp = at(11, 0), at(7, 0)
	declined := booking("declined", "", at(9, 30), at(10, 30), gateway.StatusDeclined)
	saveAll(t, s, append(series, pending, waiting, held, declined))

	now := at(12, 0)
	since := now.Add(-time.Hour)
	err := s.Update(ctx, func(gtx gateway.Tx) error {
		if err := gtx.SaveOpenSeries(ctx, gateway.OpenSeries{Organizer: ann, UID: "weekly", Room: "room@example.org", Calendar: []byte("x"), Horizon: at(20, 0)}); err != nil {
			return err
		}
		if err := gtx.SaveVersions(ctx, ann, "weekly", []gateway.Version{{Sequence: 2, DTStamp: at(7, 0)}, {RecurrenceID: series[1].RecurrenceID, Sequence: 3}}); err != nil {
			return err
		}
		for _, c := range []struct {
			uid     string
			created time.Time
		}{{"weekly", since.Add(-time.Minute)}, {"weekly", since.Add(10 * time.Second)}, {"weekly", since.Add(2 * time.Minute)}, {"other", since.Add(20 * time.Second)}} {
			m := &gateway.OutboxMail{MessageKey: "k", UID: c.uid, From: "room@example.org", To: []string{ann}, Raw: []byte("x"),
				Status: gateway.OutboxPending, NextAttempt: now, CreatedAt: c.created, Kind: gateway.OutboxReply}
			if err := gtx.Enqueue(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// OverlappingAny's spans: the first series date with the pending
	// request, the second, the held one, and the waiting request.
	spans := []gateway.Span{{Start: at(8, 50), End: at(10, 10)}, {Start: at(8, 50).Add(day), End: at(10, 10).Add(day)},
		{Start: at(13, 50), End: at(15, 10)}, {Start: at(11, 50), End: at(13, 10)}}
	q := aheadQuestions{
		reads: gateway.Reads{
			Bookings:    []gateway.MeetingRef{{Organizer: ann, UID: "weekly"}, {Organizer: ann, UID: "single"}, {Organizer: bob, UID: "weekly"}},
			Versions:    []gateway.MeetingRef{{Organizer: ann, UID: "weekly"}, {Organizer: bob, UID: "weekly"}},
			Overlapping: []gateway.Span{{Start: at(9, 30), End: at(12, 30)}},
			Series:      func() gateway.SeriesReads { return gateway.SeriesReads{Spans: spans} },
			Holds:       true, HoldsAfter: at(9, 0),
			People: []string{ann, bob}, PeopleAfter: at(9, 0),
			Counts: []gateway.OutboxQuery{{UID: "weekly", To: ann, Since: since}, {To: ann, Kind: gateway.OutboxReply, Since: since}},
			Last:   &gateway.OutboxQuery{UID: "weekly", To: ann},
		},
		anySpans: [][]gateway.Span{spans, spans[1:3], spans[:1], spans[3:]},
		// Later instants leave rows out: the 9:00 series date, the
		// waiting request, the replies of the first 30 s of the hour.
		holdsAfter:  []time.Time{at(9, 0), at(12, 30).Add(time.Nanosecond), at(14, 30)},
		peopleAfter: []time.Time{at(9, 0), at(10, 30), at(13, 0)},
		since:       []time.Time{since, since.Add(15 * time.Second), since.Add(30*time.Second + 500*time.Nanosecond)},
	}
	same := func(t *testing.T, gtx gateway.Tx, what string) {
		t.Helper()
		got, err := q.ask(ctx, gtx)
		if err != nil {
			t.Fatal(err)
		}
		saved := gtx.(*tx).ahead
		gtx.(*tx).ahead = nil
		want, err := q.ask(ctx, gtx)
		if err != nil {
			t.Fatal(err)
		}
		gtx.(*tx).ahead = saved
		diff(t, what, got, want)
	}
	prefetch := func(t *testing.T, gtx gateway.Tx) {
		t.Helper()
		if err := gtx.(gateway.Prefetcher).Prefetch(ctx, q.reads); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("read ahead", func(t *testing.T) {
		rollback(t, s, func(gtx gateway.Tx) {
			prefetch(t, gtx)
			sent := gtx.(*tx).sent
			got, err := q.ask(ctx, gtx)
			if err != nil {
				t.Fatal(err)
			}
			if n := gtx.(*tx).sent - sent; n != 0 {
				t.Errorf("%d statements sent after the read ahead, want none", n)
			}
			for _, spans := range q.anySpans {
				if _, ok := gtx.(*tx).ahead.overlappingAny(spans, 6*time.Hour); !ok {
					t.Errorf("OverlappingAny(%v) not answered from the read ahead", spans)
				}
			}
			gtx.(*tx).ahead = nil
			want, err := q.ask(ctx, gtx)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "answers read ahead", got, want)
			// The later instants did leave rows out.
			if len(want.Holds[0]) == len(want.Holds[1]) || len(want.People[0]) == len(want.People[2]) || want.Counts[0][0] == want.Counts[1][0] ||
				len(want.Any[0]) != 4 || len(want.Any[1]) != 2 || len(want.Any[2]) != 2 || len(want.Any[3]) != 0 {
				t.Errorf("the later instants change nothing: %+v", want)
			}
		})
	})
	t.Run("count beyond the margin", func(t *testing.T) {
		rollback(t, s, func(gtx gateway.Tx) {
			prefetch(t, gtx)
			q := q
			q.since = []time.Time{since.Add(countMargin + time.Microsecond)}
			sent := gtx.(*tx).sent
			same(t, gtx, "count read again")
			if gtx.(*tx).sent == sent {
				t.Error("a count beyond the margin was answered from the read ahead")
			}
		})
	})

	writes := []struct {
		name  string
		write func(gtx gateway.Tx) error
	}{
		{"a date added to the series", func(gtx gateway.Tx) error {
			b := booking("weekly", gateway.RecurrenceKey(at(10, 0)), at(10, 0), at(10, 30), gateway.StatusAccepted)
			return gtx.SaveBooking(ctx, b)
		}},
		{"a pending request held", func(gtx gateway.Tx) error {
			b := *pending
			b.Status, b.ExpiresAt = gateway.StatusHeld, at(23, 0)
			return gtx.SaveBooking(ctx, &b)
		}},
		{"bookings saved together", func(gtx gateway.Tx) error {
			b := *waiting
			b.Status = gateway.StatusAccepted
			return gtx.SaveBookings(ctx, []*gateway.Booking{&b})
		}},
		{"a reply queued", func(gtx gateway.Tx) error {
			return gtx.Enqueue(ctx, &gateway.OutboxMail{MessageKey: "k2", UID: "weekly", From: "room@example.org", To: []string{ann}, Raw: []byte("y"),
				Status: gateway.OutboxPending, NextAttempt: now, CreatedAt: since.Add(5 * time.Minute), Kind: gateway.OutboxReply})
		}},
		{"versions saved", func(gtx gateway.Tx) error {
			return gtx.SaveVersions(ctx, ann, "weekly", []gateway.Version{{Sequence: 5, DTStamp: at(8, 0)}})
		}},
		{"the open series forgotten", func(gtx gateway.Tx) error { return gtx.DeleteOpenSeries(ctx, ann, "weekly") }},
		{"a series without end saved", func(gtx gateway.Tx) error {
			return gtx.SaveOpenSeries(ctx, gateway.OpenSeries{Organizer: bob, UID: "asked", Room: "room@example.org", Calendar: []byte("x"), Horizon: at(20, 0)})
		}},
		{"a meeting handed over", func(gtx gateway.Tx) error {
			return gtx.HandOver(ctx, gateway.Handover{UID: "weekly", From: ann, To: bob, At: now})
		}},
		{"waiting requests expired", func(gtx gateway.Tx) error {
			_, err := gtx.ExpireWaiting(ctx, at(12, 30))
			return err
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			rollback(t, s, func(gtx gateway.Tx) {
				prefetch(t, gtx)
				before, err := q.ask(ctx, gtx)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.write(gtx); err != nil {
					t.Fatal(err)
				}
				same(t, gtx, "answers after the write")
				after, err := q.ask(ctx, gtx)
				if err != nil {
					t.Fatal(err)
				}
				if diffAnswers(before, after) {
					return
				}
				t.Errorf("the write changed no answer: the test proves nothing")
			})
		})
	}
}

func diffAnswers(a, b aheadAnswers) bool { return !reflect.DeepEqual(a, b) }

// rollback runs fn in a transaction of s that is rolled back.
func rollback(t *testing.T, s *Store, fn func(gtx gateway.Tx)) {
	t.Helper()
	errRollback := errorString("rolled back")
	err := s.Update(t.Context(), func(gtx gateway.Tx) error {
		fn(gtx)
		return errRollback
	})
	if err != errRollback {
		t.Fatalf("Update: %v", err)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// TestSaveBookingBehind checks, on PostgreSQL, that a save kept behind
// after a read ahead gives what the plain save gives: the same ID and
// creation time in the booking, the same row, seen by the reads that
// follow, and stored at the commit.
func TestSaveBookingBehind(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	ctx := t.Context()
	s := openStore(t, newPostgresDB(t))
	const ann = "ann@example.org"
	stored := booking("stored", "", at(9, 0), at(10, 0), gateway.StatusPending)
	stored.CreatedAt = at(7, 0)
	saveAll(t, s, []*gateway.Booking{stored})

	reads := func(uid string) gateway.Reads {
		return gateway.Reads{Bookings: []gateway.MeetingRef{{Organizer: ann, UID: uid}},
			Saves: []gateway.BookingKey{{Organizer: ann, UID: uid}}}
	}
	// Sub-microsecond instants: the stored row keeps microseconds.
	late := at(11, 0).Add(1500 * time.Nanosecond)
	tests := []struct {
		name   string
		reads  gateway.Reads
		b      gateway.Booking
		behind bool
	}{
		{"a stored row updated", reads("stored"), gateway.Booking{UID: "stored", Organizer: ann, Room: "room@example.org",
			Start: at(9, 0), End: at(10, 30), Status: gateway.StatusAccepted, Summary: "moved", UpdatedAt: late}, true},
		{"a new row", reads("fresh"), gateway.Booking{UID: "fresh", Organizer: ann, Room: "room@example.org",
			Start: at(12, 0), End: at(13, 0), Status: gateway.StatusWaiting, Request: []byte("BEGIN"), CreatedAt: late, UpdatedAt: late, DTStamp: late}, true},
		{"a new date of a meeting read", reads("stored"), gateway.Booking{UID: "stored", RecurrenceID: "20300107T090000Z", Organizer: ann,
			Start: at(9, 0), End: at(10, 0), Status: gateway.StatusAccepted, CreatedAt: late, UpdatedAt: late}, false},
		{"a meeting not read ahead", reads("other"), gateway.Booking{UID: "fresh", Organizer: ann,
			Start: at(12, 0), End: at(13, 0), Status: gateway.StatusAccepted, CreatedAt: late, UpdatedAt: late}, false},
	}
	type result struct {
		Saved gateway.Booking
		Rows  []gateway.Booking
		kept  bool // the save was kept behind
	}
	run := func(t *testing.T, b gateway.Booking, r *gateway.Reads, commit bool) (res result) {
		t.Helper()
		errRollback := errorString("rolled back")
		err := s.Update(ctx, func(gtx gateway.Tx) error {
			x := gtx.(*tx)
			if r != nil {
				if err := x.Prefetch(ctx, *r); err != nil {
					return err
				}
			}
			sent := x.sent
			if err := gtx.SaveBooking(ctx, &b); err != nil {
				return err
			}
			res.kept = len(x.pending) > 0
			if behind := x.sent == sent; behind != res.kept {
				t.Errorf("sent %d statements with %d kept", x.sent-sent, len(x.pending))
			}
			res.Saved = b
			if r != nil {
				kept := len(x.pending)
				if err := gtx.Enqueue(ctx, &gateway.OutboxMail{MessageKey: "k", From: "room@example.org", To: []string{ann}, Raw: []byte("x")}); err != nil {
					return err
				}
				if len(x.pending) != kept {
					t.Errorf("queueing a mail sent the kept save")
				}
			}
			rows, err := gtx.BookingsOf(ctx, b.Organizer, b.UID)
			if err != nil {
				return err
			}
			if len(x.pending) > 0 {
				t.Errorf("a read of bookings left %d writes kept", len(x.pending))
			}
			res.Rows = rows
			if commit {
				return nil
			}
			return errRollback
		})
		if err != nil && err != errRollback {
			t.Fatal(err)
		}
		return res
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := run(t, tt.b, nil, false)
			behind := run(t, tt.b, &tt.reads, false)
			if behind.kept != tt.behind || plain.kept {
				t.Errorf("kept behind: %v without reading ahead, %v after, want %v", plain.kept, behind.kept, tt.behind)
			}
			for _, res := range []*result{&plain, &behind} {
				found := false
				for i := range res.Rows {
					if res.Rows[i].RecurrenceID == res.Saved.RecurrenceID {
						found = true
						diff(t, "the row saved", res.Rows[i].ID, res.Saved.ID)
						diff(t, "its creation time", res.Rows[i].CreatedAt, res.Saved.CreatedAt)
						res.Rows[i].ID = 0
					}
				}
				if !found {
					t.Fatalf("the row saved is not read back: %+v", res.Rows)
				}
				res.Saved.ID, res.kept = 0, false
			}
			diff(t, "the save", behind, plain)
		})
	}
	t.Run("committed", func(t *testing.T) {
		b := tests[1].b
		b.UID = "committed"
		r := reads("committed")
		res := run(t, b, &r, true)
		var got []gateway.Booking
		err := s.Update(ctx, func(gtx gateway.Tx) (err error) {
			got, err = gtx.BookingsOf(ctx, ann, "committed")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !res.kept {
			t.Error("the save was not kept behind")
		}
		diff(t, "the rows stored", got, res.Rows)
		if len(got) != 1 || got[0].ID != res.Saved.ID {
			t.Errorf("stored %+v, saved with ID %d", got, res.Saved.ID)
		}
	})
}

// TestAheadWrote: a write of a table a read ahead comes from forgets
// that read, of another known table nothing, of anything else all.
func TestAheadWrote(t *testing.T) {
	full := func() *ahead {
		return &ahead{meetings: map[gateway.MeetingRef][]bookingRow{}, versions: map[gateway.MeetingRef][]gateway.Version{},
			windows: map[[2]time.Time][]bookingRow{}, holds: &afterRows{}, people: map[string]*afterRows{},
			counts: &countsAhead{}, ids: map[gateway.BookingKey]int64{}}
	}
	tests := []struct {
		table string
		want  func(a *ahead) bool // what must remain
	}{
		{"bookings", func(a *ahead) bool {
			return a.meetings == nil && a.windows == nil && a.holds == nil && a.people == nil && a.ids == nil && a.versions != nil && a.counts != nil
		}},
		{"open_series", func(a *ahead) bool { return a.people == nil && a.meetings != nil && a.versions != nil }},
		{"meeting_versions", func(a *ahead) bool { return a.versions == nil && a.meetings != nil && a.counts != nil }},
		{"outbox", func(a *ahead) bool { return a.counts == nil && a.meetings != nil && a.people != nil }},
		{"audit_log", func(a *ahead) bool {
			return a.meetings != nil && a.windows != nil && a.holds != nil && a.people != nil && a.versions != nil && a.counts != nil && a.ids != nil
		}},
		{"bookings AS b", func(a *ahead) bool { return a == nil }},
		{"", func(a *ahead) bool { return a == nil }},
	}
	for _, tt := range tests {
		if a := full().wrote(tt.table); !tt.want(a) {
			t.Errorf("after a write of %q: %+v", tt.table, a)
		}
	}
}

// TestEnqueueBehind checks, on PostgreSQL, that the reply queued after a
// read ahead that reserved its ID (gateway.Reads.Mails) is kept for the
// transaction's last round trip; that a mail queued beyond the
// reservation is inserted at once with a higher ID; that a read of the
// outbox in the transaction sees both; and that both are stored at the
// commit as the plain insert stores them (ID aside).
func TestEnqueueBehind(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	ctx := t.Context()
	s := openStore(t, newPostgresDB(t))
	const ann = "ann@example.org"
	mk := func(uid string) *gateway.OutboxMail {
		m := withMessageID(uid, at(9, 0))
		m.To = []string{ann}
		return m
	}
	reply, extra := mk("reply"), mk("extra")
	err := s.Update(ctx, func(gtx gateway.Tx) error {
		x := gtx.(*tx)
		if err := x.Prefetch(ctx, gateway.Reads{Mails: 1}); err != nil {
			return err
		}
		sent := x.sent
		if err := gtx.Enqueue(ctx, reply); err != nil {
			return err
		}
		if x.sent != sent || len(x.pending) != 2 || reply.ID == 0 { // the row and its bytes
			t.Errorf("the reply was not kept behind: %d statements sent, %d kept, ID %d", x.sent-sent, len(x.pending), reply.ID)
		}
		if err := gtx.Enqueue(ctx, extra); err != nil {
			return err
		}
		if extra.ID <= reply.ID {
			t.Errorf("the mail queued after the reply has ID %d, not above the reply's %d", extra.ID, reply.ID)
		}
		n, err := gtx.CountOutbox(ctx, gateway.OutboxQuery{To: ann})
		if err != nil {
			return err
		}
		if n != 2 || len(x.pending) != 0 {
			t.Errorf("a count in the transaction saw %d mails with %d writes kept, want 2 and none", n, len(x.pending))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	plain := openStore(t, newPostgresDB(t))
	enqueueAll(t, plain, []*gateway.OutboxMail{mk("reply"), mk("extra")})
	got, err := s.ListOutbox(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := plain.ListOutbox(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	// ListOutbox gives the newest first.
	if len(got) != 2 || got[1].ID != reply.ID || got[0].ID != extra.ID {
		t.Fatalf("stored %v, want the other mail (ID %d) then the reply (ID %d), newest first", ids(got), extra.ID, reply.ID)
	}
	for i := range got {
		got[i].ID, want[i].ID = 0, 0
	}
	diff(t, "rows stored behind and at once", got, want)
}
