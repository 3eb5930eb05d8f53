package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// The pool of these tests: two licensed users, each with a fixed room.
var (
	hostA = gateway.Host{Name: "salle-a", HostKey: "271828", JoinURL: "https://zoom.us/j/81111111111?pwd=a",
		MeetingID: "811 1111 1111", Passcode: "alpha", ZoomUser: "a@coop.example"}
	hostB = gateway.Host{Name: "salle-b", HostKey: "314159", JoinURL: "https://zoom.us/j/82222222222?pwd=b",
		MeetingID: "822 2222 2222", Passcode: "beta", ZoomUser: "b@coop.example"}
)

// poolOn gives the account the pool of two hosts.
func poolOn(o *gateway.Options) { o.Hosts = []gateway.Host{hostA, hostB} }

// fakeTool is a FreeTool for tests. It is no fake of a peer: it opens
// rooms without any server, as the Jitsi provider does, and differs from
// meetings/jitsi in that its links carry no signed token (the "jwt"
// parameter is the key itself). Open fails when fail is set.
type fakeTool struct {
	name  string
	fail  error
	calls int
}

func (f *fakeTool) Name() string { return f.name }

func (f *fakeTool) Open(ctx context.Context, s gateway.ToolSpec) (gateway.ToolRoom, error) {
	f.calls++
	if f.fail != nil {
		return gateway.ToolRoom{}, f.fail
	}
	base := "https://meet.coop.example/" + s.Key
	return gateway.ToolRoom{ID: s.Key, JoinURL: base, HostURL: base + "?jwt=moderator-" + s.Key,
		ValidFrom: s.Start.Add(-time.Hour), ValidUntil: s.End.Add(time.Hour)}, nil
}

// toolOn configures the fake tool and a second address meaning any tool.
func toolOn(tool *fakeTool) func(*gateway.Options) {
	return func(o *gateway.Options) {
		o.FreeTools = []gateway.FreeTool{tool}
		o.Rooms = append(o.Rooms, gateway.Room{Name: "Visio", Address: visioAddr, JoinURL: joinURL,
			MeetingID: "812 3456 7890", Passcode: passcode, Tools: gateway.AnyTool})
	}
}

const visioAddr = "visio@coop.example"

// visio invites the any-tool address instead of the Zoom room.
func visio(iv invite) invite {
	for i := range iv.Events {
		iv.Events[i].Attendees = []string{visioAddr}
	}
	return iv
}

// TestPoolHosts: each booking gets the first free host, and its mail
// gives that host's room and key only; a full pool declines; a moved
// meeting keeps its host.
func TestPoolHosts(t *testing.T) {
	h := newHarness(t, poolOn)
	steps := []struct {
		iv       invite
		action   gateway.Action
		host     string
		has, not []string
	}{
		{meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)), gateway.ActionAccepted, "salle-a",
			[]string{hostA.HostKey, hostA.JoinURL, hostA.Passcode}, []string{hostB.HostKey, hostKey, joinURL}},
		{meeting("REQUEST", "b-1", bob, 0, tomorrow(10, 30), tomorrow(11, 30)), gateway.ActionAccepted, "salle-b",
			[]string{hostB.HostKey, hostB.JoinURL, hostB.MeetingID}, []string{hostA.HostKey, hostKey}},
		{meeting("REQUEST", "c-1", carol, 0, tomorrow(10, 45), tomorrow(11, 15)), gateway.ActionDeclined, "",
			[]string{"hosts only 2 meetings at a time"}, []string{hostA.HostKey, hostB.HostKey}},
		// Alice moves hers later: salle-a is still free then, she keeps it.
		{stamped(meeting("REQUEST", "a-1", alice, 1, tomorrow(11, 0), tomorrow(12, 0)), time.Minute), gateway.ActionAccepted, "salle-a",
			[]string{hostA.HostKey}, []string{hostB.HostKey}},
		// Carol, declined, moves hers to 9:00: both hosts are free, she
		// gets the first.
		{stamped(meeting("REQUEST", "c-1", carol, 1, tomorrow(9, 0), tomorrow(10, 0)), time.Minute), gateway.ActionAccepted, "salle-a",
			[]string{hostA.HostKey}, nil},
	}
	for i, s := range steps {
		n := len(h.st.outbox())
		out := h.handle(s.iv.bytes())
		uid := s.iv.Events[0].UID
		if out.Action != s.action {
			t.Fatalf("step %d (%s): %+v", i, uid, out)
		}
		b := h.booking(uid, "")
		if out.Action == gateway.ActionAccepted && (b.Host != s.host || b.Provider != "") {
			t.Errorf("step %d: %s has host %q provider %q, want %q", i, uid, b.Host, b.Provider, s.host)
		}
		_, r := h.onlyMail(n)
		for _, w := range s.has {
			if !strings.Contains(r.Text, w) {
				t.Errorf("step %d: mail lacks %q:\n%s", i, w, r.Text)
			}
		}
		for _, w := range s.not {
			if strings.Contains(r.Text, w) || strings.Contains(r.HTML, w) {
				t.Errorf("step %d: mail gives %q away", i, w)
			}
		}
	}
	checkPlaces(t, h)
}

// TestPoolOldRows: a booking recorded before the pool (Host "") counts as
// the first host's, so switching a configuration to a pool double-books
// nobody; a host removed from the configuration still counts in the
// account's total.
func TestPoolOldRows(t *testing.T) {
	h := newHarness(t, poolOn)
	seed := func(uid, host string, s, e time.Time) {
		err := h.st.Update(context.Background(), func(tx gateway.Tx) error {
			return tx.SaveBooking(context.Background(), &gateway.Booking{UID: uid, Room: roomAddr, Organizer: dave,
				Start: s, End: e, Status: gateway.StatusAccepted, Host: host})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	seed("old-1", "", tomorrow(10, 0), tomorrow(11, 0))
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	if b := h.booking("a-1", ""); b.Status != gateway.StatusAccepted || b.Host != "salle-b" {
		t.Errorf("beside an old row: %s on %q, want accepted on salle-b", b.Status, b.Host)
	}
	seed("gone-1", "salle-z", tomorrow(14, 0), tomorrow(15, 0))
	seed("gone-2", "salle-z", tomorrow(14, 0), tomorrow(15, 0))
	if o := h.handle(meeting("REQUEST", "b-1", bob, 0, tomorrow(14, 0), tomorrow(15, 0)).bytes()); o.Action != gateway.ActionDeclined {
		t.Errorf("two meetings of a removed host fill the account's two: %+v", o)
	}
}

// TestPoolSeriesOneHost: a series whose dates are all free for one host
// gets that host for every date; one host busy at one of its dates gives
// the whole series to the other.
func TestPoolSeriesOneHost(t *testing.T) {
	h := newHarness(t, poolOn)
	// salle-a is taken on the second Tuesday only.
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0).AddDate(0, 0, 7), tomorrow(11, 0).AddDate(0, 0, 7)).bytes())
	iv := meeting("REQUEST", "s-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.Events[0].Lines = []string{"RRULE:FREQ=WEEKLY;COUNT=4"}
	n := len(h.st.outbox())
	if o := h.handle(iv.bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("series: %+v", o)
	}
	for _, b := range h.st.bookings() {
		if b.UID == "s-1" && (b.Status != gateway.StatusAccepted || b.Host != "salle-b") {
			t.Errorf("date %s: %s on %q, want accepted on salle-b", b.RecurrenceID, b.Status, b.Host)
		}
	}
	_, r := h.onlyMail(n)
	if !strings.Contains(r.Text, hostB.HostKey) || strings.Contains(r.Text, "On these dates") {
		t.Errorf("series mail:\n%s", r.Text)
	}
	checkPlaces(t, h)
}

// TestPoolSeriesSplit: when no host is free at every date, each date gets
// the first host free then, and the mail lists the dates of the other
// host with its room and key.
func TestPoolSeriesSplit(t *testing.T) {
	h := newHarness(t, poolOn)
	// Second Tuesday: alice takes salle-a; third: carol takes both.
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0).AddDate(0, 0, 7), tomorrow(11, 0).AddDate(0, 0, 7)).bytes())
	h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(10, 0).AddDate(0, 0, 14), tomorrow(11, 0).AddDate(0, 0, 14)).bytes())
	h.handle(meeting("REQUEST", "c-2", carol, 0, tomorrow(10, 0).AddDate(0, 0, 14), tomorrow(11, 0).AddDate(0, 0, 14)).bytes())
	if b := h.booking("c-2", ""); b.Status != gateway.StatusAccepted {
		t.Fatalf("setup: c-2 %s", b.Status)
	}
	// Carol frees salle-a on the third Tuesday: only salle-b is taken then.
	h.handle(stamped(meeting("CANCEL", "c-1", carol, 1, tomorrow(10, 0).AddDate(0, 0, 14), tomorrow(11, 0).AddDate(0, 0, 14)), time.Minute).bytes())
	iv := meeting("REQUEST", "s-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.Events[0].Lines = []string{"RRULE:FREQ=WEEKLY;COUNT=3"}
	n := len(h.st.outbox())
	if o := h.handle(iv.bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("series: %+v", o)
	}
	hosts := map[string]string{}
	for _, b := range h.st.bookings() {
		if b.UID == "s-1" {
			hosts[b.RecurrenceID] = b.Host
		}
	}
	w1, w2, w3 := gateway.RecurrenceKey(tomorrow(10, 0)), gateway.RecurrenceKey(tomorrow(10, 0).AddDate(0, 0, 7)), gateway.RecurrenceKey(tomorrow(10, 0).AddDate(0, 0, 14))
	if hosts[w1] != "salle-a" || hosts[w2] != "salle-b" || hosts[w3] != "salle-a" {
		t.Errorf("hosts per date %v", hosts)
	}
	_, r := h.onlyMail(n)
	for _, w := range []string{hostA.HostKey, "On these dates your meeting is in another room", "Tuesday 8 December 2026, 10:00–11:00: " + hostB.JoinURL, "host key " + hostB.HostKey} {
		if !strings.Contains(flat(r.Text), flat(w)) {
			t.Errorf("series mail lacks %q:\n%s", w, r.Text)
		}
	}
	checkPlaces(t, h)
}

// TestFreeToolOffered: with Zoom full, the decline holds a room on the
// free tool for exactly that slot (a booking with its provider), gives the
// moderator and guest links, and the member's CANCEL frees it.
func TestFreeToolOffered(t *testing.T) {
	tool := &fakeTool{name: "jitsi"}
	h := newHarness(t, toolOn(tool))
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	n := len(h.st.outbox())
	o := h.handle(meeting("REQUEST", "b-1", bob, 0, tomorrow(10, 30), tomorrow(11, 30)).bytes())
	if o.Action != gateway.ActionDeclined || o.Queued != 1 {
		t.Fatalf("bob: %+v", o)
	}
	b := h.booking("b-1", "")
	if b.Status != gateway.StatusAccepted || b.Provider != "jitsi" || b.Host != "" || !strings.HasPrefix(b.ToolRoom.HostURL, "https://meet.coop.example/") ||
		!b.Start.Equal(tomorrow(10, 30)) || !b.End.Equal(tomorrow(11, 30)) {
		t.Fatalf("bob's booking: %+v", b)
	}
	_, r := h.onlyMail(n)
	if ps := partStat(t, r.Cal.Events[0]); ps != "DECLINED" {
		t.Errorf("REPLY %s, want DECLINED (Zoom is full)", ps)
	}
	for _, w := range []string{"this slot is already taken", "The room still holds a room for you on Jitsi Meet", b.ToolRoom.HostURL, b.ToolRoom.JoinURL} {
		if !strings.Contains(flat(r.Text), flat(w)) {
			t.Errorf("decline lacks %q:\n%s", w, r.Text)
		}
		if strings.HasPrefix(w, "https://") && !strings.Contains(r.HTML, `href="`+w+`"`) {
			t.Errorf("decline's HTML lacks the link %s", w)
		}
	}
	for _, w := range []string{hostKey, joinURL, "proposes another time"} {
		if strings.Contains(r.Text, w) {
			t.Errorf("decline gives %q", w)
		}
	}
	// Zoom still hosts one meeting more elsewhere: the tool took nothing.
	if o := h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(14, 0), tomorrow(15, 0)).bytes()); o.Action != gateway.ActionAccepted || h.booking("c-1", "").Provider != "" {
		t.Errorf("carol on Zoom: %+v", o)
	}
	checkPlaces(t, h)
	h.clock.advance(time.Minute)
	if o := h.handle(stamped(meeting("CANCEL", "b-1", bob, 1, tomorrow(10, 30), tomorrow(11, 30)), time.Minute).bytes()); o.Action != gateway.ActionCancelled {
		t.Errorf("bob cancels: %+v", o)
	}
	if s := h.booking("b-1", "").Status; s != gateway.StatusCancelled {
		t.Errorf("bob's tool room is %s after his CANCEL", s)
	}
}

// TestFreeToolAnyAddress: the any-tool address is accepted on Zoom when a
// host is free, else on the tool; a tool that fails leaves a plain
// decline.
func TestFreeToolAnyAddress(t *testing.T) {
	tool := &fakeTool{name: "jitsi"}
	h := newHarness(t, toolOn(tool))
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	n := len(h.st.outbox())
	if o := h.handle(visio(meeting("REQUEST", "v-1", bob, 0, tomorrow(14, 0), tomorrow(15, 0))).bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("visio when Zoom is free: %+v", o)
	}
	if b := h.booking("v-1", ""); b.Provider != "" || tool.calls != 0 {
		t.Errorf("visio when Zoom is free went to %q (%d opens)", b.Provider, tool.calls)
	}
	_, r := h.onlyMail(n)
	if !strings.Contains(r.Text, hostKey) {
		t.Errorf("Zoom accept lacks the host key:\n%s", r.Text)
	}
	n = len(h.st.outbox())
	if o := h.handle(visio(meeting("REQUEST", "v-2", carol, 0, tomorrow(10, 0), tomorrow(11, 0))).bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("visio when Zoom is full: %+v", o)
	}
	b := h.booking("v-2", "")
	_, r = h.onlyMail(n)
	if b.Provider != "jitsi" || partStat(t, r.Cal.Events[0]) != "ACCEPTED" || !strings.Contains(flat(r.Text), "Zoom is full then, so your meeting takes place on Jitsi Meet") ||
		strings.Contains(r.Text, hostKey) || strings.Contains(r.Text, "Claim Host") {
		t.Errorf("visio on the tool: %+v\n%s", b, r.Text)
	}
	tool.fail = errors.New("unreachable")
	if o := h.handle(visio(meeting("REQUEST", "v-3", dave, 0, tomorrow(10, 0), tomorrow(11, 0))).bytes()); o.Action != gateway.ActionDeclined || h.booking("v-3", "").Provider != "" {
		t.Errorf("a failing tool: %+v", o)
	}
	checkPlaces(t, h)
}

// TestMeetingOptionsMail: the options line of the description is stored
// on the booking and shown in the accept mail; words the room does not
// know are named, and none of their line applies.
func TestMeetingOptionsMail(t *testing.T) {
	h := newHarness(t)
	iv := meeting("REQUEST", "o-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.Events[0].Lines = []string{`DESCRIPTION:Ordre du jour\nroomgate : micro coupé\, enregistrement cloud\n`}
	n := len(h.st.outbox())
	h.handle(iv.bytes())
	if got := h.booking("o-1", "").Options; got != (gateway.MeetingOptions{Muted: true, CloudRecording: true}) {
		t.Errorf("options %+v", got)
	}
	_, r := h.onlyMail(n)
	for _, w := range []string{"Options of this meeting:\n- participants muted on entry\n- cloud recording from the start\nSet them in the meeting once you are host."} {
		if !strings.Contains(r.Text, w) {
			t.Errorf("accept lacks %q:\n%s", w, r.Text)
		}
	}
	iv = meeting("REQUEST", "o-2", bob, 0, tomorrow(14, 0), tomorrow(15, 0))
	iv.Events[0].Lines = []string{`DESCRIPTION:roomgate: muted\, cloud recordin`}
	n = len(h.st.outbox())
	h.handle(iv.bytes())
	if got := h.booking("o-2", "").Options; got.Any() {
		t.Errorf("options of a line with an unknown word: %+v", got)
	}
	_, r = h.onlyMail(n)
	if !strings.Contains(flat(r.Text), flat(`holds words the room does not know: “cloud recordin”. No option of that line was applied.`)) {
		t.Errorf("accept:\n%s", r.Text)
	}
}

// checkPlaces checks what every decision path must leave: a booking that
// takes a slot is on Zoom with a configured host (or "" without a pool),
// or on a free tool with its room and no host; no host holds two
// meetings at once (buffers included) and the account never more than its
// capacity.
func checkPlaces(t *testing.T, h *harness) {
	t.Helper()
	opt := h.g.Options()
	names := map[string]bool{}
	for _, x := range opt.Hosts {
		names[x.Name] = true
	}
	now := h.clock.Now()
	var zoom []gateway.Booking
	for _, b := range h.st.bookings() {
		if !b.Occupies(now) {
			continue
		}
		switch {
		case b.Provider != "":
			if b.Host != "" || b.ToolRoom.JoinURL == "" {
				t.Errorf("%s %s on %s: host %q, room %+v", b.UID, b.RecurrenceID, b.Provider, b.Host, b.ToolRoom)
			}
		case len(opt.Hosts) > 0 && !names[b.Host]:
			t.Errorf("%s %s (%s): host %q is not in the pool", b.UID, b.RecurrenceID, b.Status, b.Host)
		default:
			zoom = append(zoom, b)
		}
	}
	buf := opt.Policy.Buffer
	for i, a := range zoom {
		for _, b := range zoom[i+1:] {
			meet := a.Start.Add(-buf).Before(b.End) && b.Start.Add(-buf).Before(a.End)
			if meet && a.Host == b.Host && len(opt.Hosts) > 0 {
				t.Errorf("host %q holds %s %s and %s %s at once", a.Host, a.UID, a.RecurrenceID, b.UID, b.RecurrenceID)
			}
		}
	}
}

// flat is a mail text with its line breaks and spaces made one space.
func flat(s string) string { return strings.Join(strings.Fields(plain(s)), " ") }

// TestRemindersPlace: a reminder gives the booking's own place: its pool
// host's room and key, or its free tool's links without any host key.
func TestRemindersPlace(t *testing.T) {
	tool := &fakeTool{name: "jitsi"}
	h := newHarness(t, relayOptions, poolOn, toolOn(tool))
	h.book("r-a", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	h.book("r-b", bob, 0, tomorrow(10, 0), tomorrow(11, 0))
	h.handle(meeting("REQUEST", "r-c", carol, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()) // Zoom full: jitsi
	room := h.booking("r-c", "").ToolRoom
	h.setNow(tomorrow(9, 50).UTC())
	got := map[string]relayed{}
	for _, r := range h.remind() {
		got[r.To] = r
	}
	checks := []struct {
		to         string
		has, lacks []string
	}{
		{alice, []string{hostA.JoinURL, hostA.HostKey}, []string{hostB.HostKey, hostKey}},
		{bob, []string{hostB.JoinURL, hostB.HostKey}, []string{hostA.HostKey, hostKey}},
		{carol, []string{room.HostURL, room.JoinURL, "Your room on Jitsi Meet"}, []string{hostA.HostKey, hostB.HostKey, hostKey, "Claim Host"}},
	}
	for _, c := range checks {
		r, ok := got[c.to]
		if !ok {
			t.Errorf("no reminder to %s", c.to)
			continue
		}
		for _, w := range c.has {
			if !strings.Contains(r.Text, w) || !strings.Contains(r.HTML, w) {
				t.Errorf("reminder to %s lacks %q:\n%s", c.to, w, r.Text)
			}
		}
		for _, w := range c.lacks {
			if strings.Contains(r.Text, w) || strings.Contains(r.HTML, w) {
				t.Errorf("reminder to %s holds %q", c.to, w)
			}
		}
	}
}

// TestPoolHostGoneReminder: in fixed-rooms mode, the reminder of a
// booking whose host was removed from the configuration gives no host
// key (the account's would not open that host's room, another host's is
// not the member's) and sends the member to the facilitators for it, in
// both languages.
func TestPoolHostGoneReminder(t *testing.T) {
	for _, c := range []struct{ lang, ask string }{
		{"en", "ask the facilitators for the host key of this meeting"},
		{"fr", "demandez aux facilitateurs la clé hôte de cette réunion"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			h := newHarness(t, relayOptions, poolOn, func(o *gateway.Options) { o.Lang = c.lang })
			err := h.st.Update(context.Background(), func(tx gateway.Tx) error {
				return tx.SaveBooking(context.Background(), &gateway.Booking{UID: "gone-1", Room: roomAddr, Organizer: dave,
					Summary: "Atelier", Start: tomorrow(10, 0), End: tomorrow(11, 0), Status: gateway.StatusAccepted, Host: "salle-z"})
			})
			if err != nil {
				t.Fatal(err)
			}
			h.setNow(tomorrow(9, 50).UTC())
			rs := h.remind()
			if len(rs) != 1 || rs[0].To != dave {
				t.Fatalf("reminders: %+v", rs)
			}
			for _, part := range []string{rs[0].Text, rs[0].HTML} {
				flat := strings.NewReplacer("<strong>", "", "</strong>", "").Replace(strings.Join(strings.Fields(part), " "))
				if !strings.Contains(flat, c.ask) {
					t.Errorf("reminder lacks %q:\n%s", c.ask, part)
				}
				for _, key := range []string{hostKey, hostA.HostKey, hostB.HostKey} {
					if strings.Contains(part, key) {
						t.Errorf("reminder gives key %q:\n%s", key, part)
					}
				}
			}
		})
	}
}

// TestPoolOptions: hosts and tools must be named, once each.
func TestPoolOptions(t *testing.T) {
	for name, edit := range map[string]func(*gateway.Options){
		"host without name": func(o *gateway.Options) { o.Hosts = []gateway.Host{{HostKey: "271828"}} },
		"host twice":        func(o *gateway.Options) { o.Hosts = []gateway.Host{hostA, hostA} },
		"tool without name": func(o *gateway.Options) { o.FreeTools = []gateway.FreeTool{&fakeTool{}} },
		"tool twice":        func(o *gateway.Options) { o.FreeTools = []gateway.FreeTool{&fakeTool{name: "j"}, &fakeTool{name: "j"}} },
	} {
		opt := baseOptions(t, newMemStore(), &fakeClock{now: t0})
		edit(&opt)
		if _, err := gateway.New(opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestFreeToolSeriesDates: a weekly series whose second date Zoom cannot
// take gets, for that date, a room on the free tool held like a booking;
// the other dates are on Zoom, and the accept mail says which date is on
// which tool, with its links, in English and in French.
func TestFreeToolSeriesDates(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			tool := &fakeTool{name: "jitsi"}
			h := newHarness(t, toolOn(tool), func(o *gateway.Options) { o.Lang = lang })
			second := firstThursday.AddDate(0, 0, 7)
			h.handle(meeting("REQUEST", "o-1", bob, 0, second, second.Add(time.Hour)).bytes())
			n := len(h.st.outbox())
			if o := h.handle(weekly("w", alice, 0, firstThursday, 3).bytes()); o.Action != gateway.ActionAccepted {
				t.Fatalf("series: %+v", o)
			}
			on := map[string]string{}
			var held gateway.Booking
			for _, b := range h.st.bookings() {
				if b.UID == "w" {
					on[b.RecurrenceID] = string(b.Status) + " " + b.Provider
					if b.Provider != "" {
						held = b
					}
				}
			}
			want := map[string]string{weeklyKeys[0]: "accepted ", weeklyKeys[1]: "accepted jitsi", weeklyKeys[2]: "accepted "}
			if fmt.Sprint(on) != fmt.Sprint(want) {
				t.Fatalf("dates: %v, want %v", on, want)
			}
			if !held.Start.Equal(second) || held.ToolRoom.JoinURL == "" {
				t.Fatalf("the date on the tool: %+v", held)
			}
			_, r := h.onlyMail(n)
			heading := "On this date Zoom is full: your meeting takes place on"
			if lang == "fr" {
				heading = "À cette date, Zoom est complet : votre réunion a lieu sur"
			}
			for _, w := range []string{heading, "Jitsi Meet", held.ToolRoom.HostURL, held.ToolRoom.JoinURL} {
				if !strings.Contains(flat(r.Text), flat(w)) {
					t.Errorf("series mail lacks %q:\n%s", w, r.Text)
				}
			}
			// The count says where the dates are, not that all are on Zoom.
			count, untrue := "All 3 dates of the series are booked: 2 on Zoom, 1 on Jitsi Meet.", "All 3 dates of the series are booked."
			if lang == "fr" {
				count, untrue = "Les 3 dates de la série sont réservées : 2 sur Zoom, 1 sur Jitsi Meet.", "Les 3 dates de la série sont réservées."
			}
			for _, part := range []string{r.Text, r.HTML} {
				if !strings.Contains(flat(part), count) || strings.Contains(flat(part), untrue) {
					t.Errorf("series mail lacks %q, or says %q:\n%s", count, untrue, part)
				}
			}
			checkPlaces(t, h)
		})
	}
}

// TestFreeToolSeriesLimit: dates held on a free tool are no busy dates for
// the series limit (series_max_busy_percent): a series whose dates are
// mostly busy on Zoom is accepted when the tool takes them; without a
// tool that opens rooms it is declined whole, and nothing is held.
func TestFreeToolSeriesLimit(t *testing.T) {
	for _, works := range []bool{true, false} {
		t.Run(fmt.Sprint("tool works ", works), func(t *testing.T) {
			tool := &fakeTool{name: "jitsi"}
			if !works {
				tool.fail = errors.New("jitsi down")
			}
			h := newHarness(t, toolOn(tool))
			for w := 1; w <= 2; w++ {
				s := firstThursday.AddDate(0, 0, 7*w)
				h.handle(meeting("REQUEST", fmt.Sprint("o-", w), bob, 0, s, s.Add(time.Hour)).bytes())
			}
			o := h.handle(weekly("w", alice, 0, firstThursday, 3).bytes())
			held := 0
			for _, b := range h.st.bookings() {
				if b.UID == "w" && b.Provider != "" && b.Status == gateway.StatusAccepted {
					held++
				}
			}
			switch {
			case works && (o.Action != gateway.ActionAccepted || held != 2):
				t.Errorf("2 of 3 dates busy, the tool works: %+v, %d held on the tool; want accepted, 2", o, held)
			case !works && (o.Action != gateway.ActionDeclined || held != 0):
				t.Errorf("2 of 3 dates busy, no tool: %+v, %d held on the tool; want declined whole, none", o, held)
			}
			checkPlaces(t, h)
		})
	}
}

// TestFreeToolSeriesAllDates: a series none of whose dates Zoom can take
// is declined on Zoom, and its mail lists every date held on the tool,
// each with its own links (not the first date's room alone).
func TestFreeToolSeriesAllDates(t *testing.T) {
	tool := &fakeTool{name: "jitsi"}
	h := newHarness(t, toolOn(tool))
	for w := range 2 {
		s := firstThursday.AddDate(0, 0, 7*w)
		h.handle(meeting("REQUEST", fmt.Sprint("o-", w), bob, 0, s, s.Add(time.Hour)).bytes())
	}
	n := len(h.st.outbox())
	if o := h.handle(weekly("w", alice, 0, firstThursday, 2).bytes()); o.Action != gateway.ActionDeclined {
		t.Fatalf("series: %+v", o)
	}
	var rooms []gateway.ToolRoom
	for _, b := range h.st.bookings() {
		if b.UID == "w" && b.Provider == "jitsi" && b.Status == gateway.StatusAccepted {
			rooms = append(rooms, b.ToolRoom)
		}
	}
	if len(rooms) != 2 || rooms[0].JoinURL == rooms[1].JoinURL {
		t.Fatalf("rooms on the tool: %+v", rooms)
	}
	_, r := h.onlyMail(n)
	want := []string{"On these dates Zoom is full: your meeting takes place on another tool"}
	for _, room := range rooms {
		want = append(want, room.HostURL, room.JoinURL)
	}
	for _, w := range want {
		if !strings.Contains(flat(r.Text), flat(w)) {
			t.Errorf("decline lacks %q:\n%s", w, r.Text)
		}
	}
	if c := strings.Count(r.Text, rooms[0].HostURL); c != 1 {
		t.Errorf("the first date's moderator link given %d times:\n%s", c, r.Text)
	}
	for _, e := range r.Cal.Events {
		if ps := partStat(t, e); ps != "DECLINED" {
			t.Errorf("REPLY component %s, want DECLINED on Zoom", ps)
		}
	}
	checkPlaces(t, h)
}
