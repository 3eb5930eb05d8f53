package gateway_test

import (
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/ical"
)

// The PRODIDs of the clients that apply a COUNTER, as they write them.
const (
	thunderbirdProdID = "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN"
	outlookProdID     = "-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN"
	googleProdID      = "-//Google Inc//Google Calendar 70.9054//EN"
)

func counterOn(o *gateway.Options) { o.Policy.Counter = true }

// bobAsks is bob's Thunderbird invitation for 10:30–11:30 tomorrow, taken
// by alice's 10:00–11:00.
func bobAsks(prodID string, seq int) invite {
	iv := meeting("REQUEST", "tb-1", bob, seq, tomorrow(10, 30), tomorrow(11, 30))
	iv.ProdID = prodID
	return iv
}

// counterMail finds the queued COUNTER and parses it.
func counterMail(t *testing.T, h *harness, n int) (gateway.OutboxMail, *ical.Event) {
	t.Helper()
	for _, m := range h.queuedSince(n) {
		if !strings.Contains(string(m.Raw), "method=COUNTER") {
			continue
		}
		data, err := ical.FindCalendar(m.Raw, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := ical.Parse(data, ical.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cal.Method != "COUNTER" || len(cal.Events) != 1 {
			t.Fatalf("not one COUNTER component:\n%s", data)
		}
		return m, cal.Events[0]
	}
	return gateway.OutboxMail{}, nil
}

// TestCounterProposal: a request declined for a taken slot, from a client
// that applies a COUNTER, gets one proposing the nearest free slot, which
// is held for the organizer; accepting it books it.
func TestCounterProposal(t *testing.T) {
	h := newHarness(t, counterOn)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	n := len(h.st.outbox())
	out := h.handle(bobAsks(thunderbirdProdID, 2).bytes())
	if out.Action != gateway.ActionDeclined || out.Queued != 2 {
		t.Fatalf("outcome %+v, want declined with the reply and a COUNTER", out)
	}
	m, ev := counterMail(t, h, n)
	if ev == nil {
		t.Fatal("no COUNTER queued")
	}
	if m.To[0] != bob || ev.UID != "tb-1" || ev.Sequence != 2 || len(ev.Attendees) != 1 ||
		attendeeLine(t, ev).Param("PARTSTAT") != "TENTATIVE" || ev.Prop("COMMENT") == nil {
		t.Errorf("COUNTER to %v: %s seq %d, %d attendees", m.To, ev.UID, ev.Sequence, len(ev.Attendees))
	}
	want := [2]time.Time{tomorrow(11, 15), tomorrow(12, 15)}
	if !ev.Start.Equal(want[0]) || !ev.End.Equal(want[1]) {
		t.Errorf("proposed %v–%v, want %v–%v", ev.Start, ev.End, want[0], want[1])
	}
	// The decline says so.
	r := decodeReply(t, h.queuedSince(n)[0].Raw)
	if !strings.Contains(r.Text, "The room proposes another time: Tuesday 1 December 2026, 11:15–12:15.") {
		t.Errorf("decline text:\n%s", r.Text)
	}
	// The slot is held: carol cannot take it meanwhile.
	if o := h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(11, 15), tomorrow(12, 15)).bytes()); o.Action != gateway.ActionDeclined {
		t.Errorf("carol during the hold: %+v", o)
	}
	// Thunderbird's "Reschedule": the same UID, a higher SEQUENCE, the
	// proposed time.
	h.clock.advance(5 * time.Minute)
	moved := stamped(meeting("REQUEST", "tb-1", bob, 3, want[0], want[1]), 5*time.Minute)
	moved.ProdID = thunderbirdProdID
	if o := h.handle(moved.bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("bob accepts the proposal: %+v", o)
	}
	if s := h.booking("tb-1", "hold").Status; s != gateway.StatusCancelled {
		t.Errorf("the hold is %s once the proposal is accepted", s)
	}
}

// TestCounterClients: only clients that apply a COUNTER get one, and never
// when the request forbids it.
func TestCounterClients(t *testing.T) {
	tests := []struct {
		name   string
		prodID string
		lines  []string
		want   bool
	}{
		{"Thunderbird", thunderbirdProdID, nil, true},
		{"Outlook", outlookProdID, nil, true},
		{"Exchange", "Microsoft Exchange Server 2010", nil, true},
		{"Outlook, counters forbidden", outlookProdID, []string{"X-MICROSOFT-DISALLOW-COUNTER:TRUE"}, false},
		{"Google", googleProdID, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, counterOn)
			h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
			n := len(h.st.outbox())
			iv := bobAsks(tt.prodID, 0)
			iv.CalLines = tt.lines
			h.handle(iv.bytes())
			if _, ev := counterMail(t, h, n); (ev != nil) != tt.want {
				t.Errorf("COUNTER sent: %v, want %v", ev != nil, tt.want)
			}
		})
	}
}

// TestDeclineCounter: the organizer declining the proposal releases the
// slot at once; a hold that expired lets others book.
func TestDeclineCounter(t *testing.T) {
	h := newHarness(t, counterOn)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(bobAsks(thunderbirdProdID, 0).bytes())
	dc := meeting("DECLINECOUNTER", "tb-1", bob, 0, tomorrow(11, 15), tomorrow(12, 15))
	dc.ProdID = thunderbirdProdID
	got := public(h.handle(dc.bytes()))
	if want := out(gateway.KindOtherCalendar, gateway.ActionCancelled, "tb-1", "the organizer declined the proposal: 1 slot(s) released", gateway.FolderProcessed, 0); got != want {
		t.Fatalf("DECLINECOUNTER:\n got %+v\nwant %+v", got, want)
	}
	if o := h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(11, 15), tomorrow(12, 15)).bytes()); o.Action != gateway.ActionAccepted {
		t.Errorf("carol after the proposal was declined: %+v", o)
	}

	// The hold ends by itself: bob's acceptance after it comes too late
	// once somebody took the slot.
	h2 := newHarness(t, counterOn)
	h2.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h2.handle(bobAsks(thunderbirdProdID, 0).bytes())
	h2.clock.advance(16 * time.Minute)
	if o := h2.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(11, 15), tomorrow(12, 15)).bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("carol once the hold expired: %+v", o)
	}
	late := stamped(meeting("REQUEST", "tb-1", bob, 1, tomorrow(11, 15), tomorrow(12, 15)), 16*time.Minute)
	if o := h2.handle(late.bytes()); o.Action != gateway.ActionDeclined {
		t.Errorf("bob accepts after the hold expired and the slot was taken: %+v", o)
	}
}

// TestCounterHoldBoundary: the hold covers the slot up to, not including,
// its expiry; the organizer's acceptance is never blocked by its own hold,
// even at the last instant.
func TestCounterHoldBoundary(t *testing.T) {
	for _, tt := range []struct {
		name       string
		after      time.Duration
		carolTakes bool
	}{
		{"a second before expiry", 15*time.Minute - time.Second, false},
		{"at expiry", 15 * time.Minute, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, counterOn)
			h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
			h.handle(bobAsks(thunderbirdProdID, 0).bytes())
			h.clock.advance(tt.after)
			carol := h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(11, 15), tomorrow(12, 15)).bytes())
			if got := carol.Action == gateway.ActionAccepted; got != tt.carolTakes {
				t.Fatalf("carol: %s, want accepted = %v", carol.Action, tt.carolTakes)
			}
			moved := stamped(meeting("REQUEST", "tb-1", bob, 1, tomorrow(11, 15), tomorrow(12, 15)), tt.after)
			moved.ProdID = thunderbirdProdID
			want := gateway.ActionAccepted
			if tt.carolTakes {
				want = gateway.ActionDeclined
			}
			if o := h.handle(moved.bytes()); o.Action != want {
				t.Errorf("bob accepts the proposal: %s, want %s", o.Action, want)
			}
		})
	}
}
