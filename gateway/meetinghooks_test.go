package gateway_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// hookCall is one BookingSaved the decisions made.
type hookCall struct {
	site string // the decision that saved: "file.go:(*Gateway).method"
	tx   gateway.Tx
	b    gateway.Booking
	// stored is set when tx reads the booking back as it was passed:
	// saved, in that transaction, before the hook.
	stored bool
}

// recordingHooks is a MeetingHooks that records every BookingSaved.
type recordingHooks struct {
	mu    sync.Mutex
	calls []hookCall
}

func (r *recordingHooks) BookingSaved(ctx context.Context, tx gateway.Tx, b *gateway.Booking) error {
	got, err := tx.BookingByID(ctx, b.ID)
	if err != nil {
		return err
	}
	stored := got != nil && got.Status == b.Status && got.Start.Equal(b.Start) && got.End.Equal(b.End) &&
		got.Summary == b.Summary && got.Options == b.Options && got.Host == b.Host && got.Provider == b.Provider
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, hookCall{site: saveSite(), tx: tx, b: *b, stored: stored})
	return nil
}

func (r *recordingHooks) AcceptQueued(context.Context, gateway.Tx, *gateway.OutboxMail, gateway.HeldAccept) error {
	return nil
}

func (r *recordingHooks) Reminder(_ context.Context, _ gateway.Tx, _ *gateway.Booking, tmpl string, v gateway.MailView) (string, gateway.MailView, error) {
	return tmpl, v, nil
}

// since returns the calls made after the first n.
func (r *recordingHooks) since(n int) []hookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls[n:])
}

func (r *recordingHooks) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// saveSite names the function of package gateway that called
// saveBooking or saveBookings, as siteName writes it.
func saveSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		file := filepath.Base(f.File)
		if strings.Contains(f.Function, "/gateway.") && file != "meetinghooks.go" && !strings.HasSuffix(file, "_test.go") {
			return file + ":" + funcName(f.Function)
		}
		if !more {
			return "?"
		}
	}
}

// funcName is a runtime function name without its package path and
// closure suffixes: "(*Gateway).acceptOne".
func funcName(fn string) string {
	fn = fn[strings.LastIndex(fn, "/")+1:]
	fn = strings.TrimPrefix(fn, "gateway.")
	for {
		i := strings.LastIndex(fn, ".")
		if i < 0 || !(strings.HasPrefix(fn[i+1:], "func") || isDigits(fn[i+1:])) {
			return fn
		}
		fn = fn[:i]
	}
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// saveSites parses package gateway's source (tests excluded) and returns
// every function that calls saveBooking or saveBookings, and every call
// of SaveBooking or SaveBookings outside meetinghooks.go (a decision that
// would save without telling the meeting layer).
func saveSites(t *testing.T) (sites []string, bypass []string) {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch sel.Sel.Name {
				case "saveBooking", "saveBookings":
					if name != "meetinghooks.go" {
						if s := name + ":" + declName(fd); !slices.Contains(sites, s) {
							sites = append(sites, s)
						}
					}
				case "SaveBooking", "SaveBookings":
					if name != "meetinghooks.go" {
						bypass = append(bypass, fset.Position(call.Pos()).String())
					}
				}
				return true
			})
		}
	}
	slices.Sort(sites)
	return sites, bypass
}

// declName writes a function declaration's name as funcName does.
func declName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	switch rt := fd.Recv.List[0].Type.(type) {
	case *ast.StarExpr:
		return "(*" + rt.X.(*ast.Ident).Name + ")." + fd.Name.Name
	case *ast.Ident:
		return rt.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// TestNoSaveBypassesHooks: no code of package gateway saves a booking
// but through saveBooking or saveBookings, which tell the meeting layer.
func TestNoSaveBypassesHooks(t *testing.T) {
	sites, bypass := saveSites(t)
	if len(bypass) > 0 {
		t.Errorf("bookings saved without telling the meeting layer (use g.saveBooking / g.saveBookings): %v", bypass)
	}
	if len(sites) < 10 {
		t.Errorf("only %d functions save bookings: the parse went wrong? %v", len(sites), sites)
	}
}

// TestEveryDecisionTellsTheMeetingLayer drives every path that saves or
// frees a booking and checks that the meeting layer was told of each
// booking saved, with its final state, inside the decision's own
// transaction (one transaction per decision, the booking readable in it
// as passed); a decision that saves nothing tells nothing. The paths
// driven must cover every function that saves bookings (TestNoSave-
// BypassesHooks' parse): a new one fails this test until it is driven
// here. What is not told: a message that saves no booking (an outsider's
// request); a hand-over (tx.HandOver gives the meeting's bookings, IDs,
// slots and statuses kept, to another organizer: their meetings do not
// change, so no hook is called).
func TestEveryDecisionTellsTheMeetingLayer(t *testing.T) {
	h := newHarness(t, waitlistOn, counterOn, approvalOn)
	rec := &recordingHooks{}
	h.g.SetMeetingHooks(rec)
	ctx := context.Background()
	covered := map[string]bool{}
	// step runs do and checks the calls it made: want is the final
	// status of each booking saved, by "uid/recurrence-id".
	step := func(name string, do func(), want map[string]gateway.BookingStatus) {
		t.Helper()
		n := rec.count()
		do()
		calls := rec.since(n)
		last := map[string]hookCall{}
		key := func(b gateway.Booking) string {
			if strings.Contains(b.UID, ".chat@") {
				return "~chat"
			}
			return b.UID + "/" + b.RecurrenceID
		}
		for _, c := range calls {
			covered[c.site] = true
			if !c.stored {
				t.Errorf("%s: %s told of booking %s/%s (%s) that its transaction does not hold so", name, c.site, c.b.UID,
					c.b.RecurrenceID, c.b.Status)
			}
			if c.tx != calls[0].tx {
				t.Errorf("%s: the calls came from more than one transaction", name)
			}
			last[key(c.b)] = c
		}
		got := map[string]gateway.BookingStatus{}
		for k, c := range last {
			got[k] = c.b.Status
			stored := h.booking(c.b.UID, c.b.RecurrenceID)
			if stored.Status != c.b.Status || !stored.Start.Equal(c.b.Start) || stored.Summary != c.b.Summary ||
				stored.Options != c.b.Options {
				t.Errorf("%s: the layer was last told %s/%s is %s %v %q, the store holds %s %v %q", name, c.b.UID,
					c.b.RecurrenceID, c.b.Status, c.b.Start, c.b.Summary, stored.Status, stored.Start, stored.Summary)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: told of %v, want %v", name, got, want)
			return
		}
		for k, s := range want {
			if got[k] != s {
				t.Errorf("%s: told of %v, want %v", name, got, want)
				return
			}
		}
	}
	handle := func(iv invite) func() { return func() { h.handle(iv.bytes()) } }
	acc, cxl, wait := gateway.StatusAccepted, gateway.StatusCancelled, gateway.StatusWaiting

	// Single meetings: accept, move, retitle, new options.
	step("accept", handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))),
		map[string]gateway.BookingStatus{"a-1/": acc})
	step("move", handle(stamped(meeting("REQUEST", "a-1", alice, 1, tomorrow(12, 0), tomorrow(13, 0)), time.Minute)),
		map[string]gateway.BookingStatus{"a-1/": acc})
	retitled := stamped(meeting("REQUEST", "a-1", alice, 2, tomorrow(12, 0), tomorrow(13, 0)), 2*time.Minute)
	retitled.Events[0].Summary = "Assemblée"
	step("retitle", handle(retitled), map[string]gateway.BookingStatus{"a-1/": acc})
	opts := stamped(meeting("REQUEST", "a-1", alice, 3, tomorrow(12, 0), tomorrow(13, 0)), 3*time.Minute)
	opts.Events[0].Summary = "Assemblée"
	opts.Events[0].Lines = []string{"DESCRIPTION:roomgate: muted"}
	step("options", handle(opts), map[string]gateway.BookingStatus{"a-1/": acc})
	if !h.booking("a-1", "").Options.Muted {
		t.Fatal("setup: the options line was not read")
	}
	// Declines: one for the policy records the request declined; an
	// outsider's request saves nothing, and tells nothing; one for a
	// taken slot saves the request waiting.
	step("decline, too far ahead", handle(meeting("REQUEST", "far-1", carol, 0, at(2028, 1, 4, 10, 0), at(2028, 1, 4, 11, 0))),
		map[string]gateway.BookingStatus{"far-1/": gateway.StatusDeclined})
	step("outsider", handle(meeting("REQUEST", "x-1", "mallory@evil.example", 0, tomorrow(15, 0), tomorrow(16, 0))), nil)
	step("decline, waiting", handle(meeting("REQUEST", "b-1", bob, 0, tomorrow(12, 30), tomorrow(13, 30))),
		map[string]gateway.BookingStatus{"b-1/": wait})
	// The organizer cancels: the waiting request takes the slot.
	step("cancel, waiter promoted", handle(stamped(meeting("CANCEL", "a-1", alice, 4, tomorrow(12, 0), tomorrow(13, 0)), 4*time.Minute)),
		map[string]gateway.BookingStatus{"a-1/": cxl, "b-1/": acc})

	// A series: accepted, one date moved, one cancelled.
	step("series accept", handle(weekly("w", carol, 0, firstThursday, 3)),
		map[string]gateway.BookingStatus{"w/" + weeklyKeys[0]: acc, "w/" + weeklyKeys[1]: acc, "w/" + weeklyKeys[2]: acc})
	rid := "RECURRENCE-ID;TZID=Europe/Paris:20261210T100000"
	step("series exception", handle(occurrence("REQUEST", "w", carol, 1, rid, firstThursday.AddDate(0, 0, 7).Add(4*time.Hour))),
		map[string]gateway.BookingStatus{"w/" + weeklyKeys[1]: acc})
	step("cancel one date", handle(occurrence("CANCEL", "w", carol, 2, "RECURRENCE-ID;TZID=Europe/Paris:20261217T100000",
		firstThursday.AddDate(0, 0, 14))), map[string]gateway.BookingStatus{"w/" + weeklyKeys[2]: cxl})

	// Approval: asked (held pending), granted; asked, refused.
	day5 := func(hh, mm int) time.Time { return tomorrow(hh, mm).AddDate(0, 0, 4) }
	n := len(h.st.outbox())
	step("approval asked", handle(meeting("REQUEST", "long-1", alice, 0, day5(8, 30), day5(18, 30))),
		map[string]gateway.BookingStatus{"long-1/": gateway.StatusPending})
	approve, _ := approvalLinks(t, h, n)
	step("approval granted", func() {
		if _, err := h.g.DecideApproval(ctx, approve, ""); err != nil {
			t.Fatal(err)
		}
	}, map[string]gateway.BookingStatus{"long-1/": acc})
	n = len(h.st.outbox())
	day3 := func(hh int) time.Time { return tomorrow(hh, 0).AddDate(0, 0, 5) }
	step("approval asked again", handle(meeting("REQUEST", "long-2", dave, 0, day3(8), day3(18))),
		map[string]gateway.BookingStatus{"long-2/": gateway.StatusPending})
	_, refuse := approvalLinks(t, h, n)
	step("approval refused", func() {
		if _, err := h.g.DecideApproval(ctx, refuse, "no"); err != nil {
			t.Fatal(err)
		}
	}, map[string]gateway.BookingStatus{"long-2/": gateway.StatusDeclined})

	// COUNTER: a Thunderbird user's request for a taken slot waits and
	// holds the proposed one; accepting the proposal books it and frees
	// the hold; a waiting request promoted frees its hold; the organizer
	// declining the proposal (DECLINECOUNTER) frees it.
	day4 := func(hh, mm int) time.Time { return tomorrow(hh, mm).AddDate(0, 0, 3) }
	h.handle(meeting("REQUEST", "o-1", alice, 0, day4(10, 0), day4(11, 0)).bytes())
	thunderbird := func(iv invite) invite { iv.ProdID = thunderbirdProdID; return iv }
	n = len(h.st.outbox())
	step("decline with a COUNTER", handle(thunderbird(meeting("REQUEST", "tb-1", bob, 2, day4(10, 30), day4(11, 30)))),
		map[string]gateway.BookingStatus{"tb-1/": wait, "tb-1/hold": gateway.StatusHeld})
	_, ev := counterMail(t, h, n)
	if ev == nil {
		t.Fatal("no COUNTER")
	}
	step("COUNTER accepted", handle(thunderbird(stamped(meeting("REQUEST", "tb-1", bob, 3, ev.Start, ev.End), 5*time.Minute))),
		map[string]gateway.BookingStatus{"tb-1/hold": cxl, "tb-1/": acc})
	step("another COUNTER", handle(thunderbird(meeting("REQUEST", "tb-2", carol, 0, day4(9, 30), day4(10, 30)))),
		map[string]gateway.BookingStatus{"tb-2/": wait, "tb-2/hold": gateway.StatusHeld})
	step("promoted, its hold freed", handle(stamped(meeting("CANCEL", "o-1", alice, 1, day4(10, 0), day4(11, 0)), 6*time.Minute)),
		map[string]gateway.BookingStatus{"o-1/": cxl, "tb-2/": acc, "tb-2/hold": cxl})
	step("a third COUNTER", handle(thunderbird(meeting("REQUEST", "tb-3", dave, 0, day4(9, 0), day4(10, 0)))),
		map[string]gateway.BookingStatus{"tb-3/": wait, "tb-3/hold": gateway.StatusHeld})
	step("DECLINECOUNTER", handle(thunderbird(stamped(meeting("DECLINECOUNTER", "tb-3", dave, 0, day4(9, 0), day4(10, 0)), 7*time.Minute))),
		map[string]gateway.BookingStatus{"tb-3/hold": cxl})

	// A re-sent invitation, same SEQUENCE and slot, a new title: answered
	// as before, the title kept.
	resent := stamped(meeting("REQUEST", "tb-1", bob, 3, ev.Start, ev.End), 8*time.Minute)
	resent.Events[0].Summary = "Réunion de bob"
	step("minor update", handle(thunderbird(resent)), map[string]gateway.BookingStatus{"tb-1/": acc})

	// A new version of the series declined as a whole (too many dates):
	// its dates are released.
	hourly := weekly("w", carol, 3, firstThursday, 3)
	hourly.Events[0].Lines = []string{"RRULE:FREQ=HOURLY;COUNT=900"}
	step("series declined whole", handle(hourly),
		map[string]gateway.BookingStatus{"w/" + weeklyKeys[0]: gateway.StatusDeclined, "w/" + weeklyKeys[1]: gateway.StatusDeclined})

	// The operator cancels; Zoom API mode releases a no-show.
	step("operator cancel", func() {
		if _, err := h.g.CancelBooking(ctx, h.booking("tb-2", "").ID, ""); err != nil {
			t.Fatal(err)
		}
	}, map[string]gateway.BookingStatus{"tb-2/": cxl, "tb-3/": acc}) // tb-3 waited for that slot
	step("release", func() {
		if err := h.g.ReleaseForTest(ctx, h.booking("b-1", "").ID); err != nil {
			t.Fatal(err)
		}
	}, map[string]gateway.BookingStatus{"b-1/": gateway.StatusReleased})

	// A booking made in the chat (its UID is the room's).
	step("chat booking", func() { h.chatBook(alice, day3(19), day3(20)) }, map[string]gateway.BookingStatus{"~chat": acc})

	// A series without end (approved: a rule of approvalOn) gets its new
	// dates as the window moves.
	n = len(h.st.outbox())
	h.handle(openWeekly("open", "erin@coop.example", at(2026, 12, 7, 18, 0), 5).bytes())
	approve, _ = approvalLinks(t, h, n)
	if _, err := h.g.DecideApproval(ctx, approve, ""); err != nil {
		t.Fatal(err)
	}
	h.clock.advance(50 * 24 * time.Hour)
	n = rec.count()
	if k, err := h.g.ExtendSeries(ctx); err != nil || k != 1 {
		t.Fatalf("ExtendSeries = %d, %v", k, err)
	}
	extended := rec.since(n)
	if len(extended) == 0 {
		t.Error("extend: the meeting layer was told of no new date")
	}
	for _, c := range extended {
		covered[c.site] = true
		if c.b.UID != "open" || c.b.Status != acc || !c.stored || c.tx != extended[0].tx {
			t.Errorf("extend: told of %s/%s %s (stored %v)", c.b.UID, c.b.RecurrenceID, c.b.Status, c.stored)
		}
	}

	sites, _ := saveSites(t)
	for _, s := range sites {
		if !covered[s] {
			t.Errorf("%s saves bookings but no path of this test goes through it", s)
		}
	}
	t.Logf("paths driven: %d functions that save bookings: %v", len(covered), sites)
}
