package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// restart returns a new Gateway on the same store and clock, as after a
// restart of the daemon.
func (h *harness) restart(edit ...func(*gateway.Options)) *harness {
	h.t.Helper()
	opt := baseOptions(h.t, h.st, h.clock)
	for _, e := range edit {
		e(&opt)
	}
	g, err := gateway.New(opt)
	if err != nil {
		h.t.Fatalf("gateway.New: %v", err)
	}
	return &harness{t: h.t, g: g, st: h.st, clock: h.clock}
}

// remind runs one round of reminders at the clock's time and returns the
// mails queued.
func (h *harness) remind() []relayed {
	h.t.Helper()
	n := len(h.st.outbox())
	if _, err := h.g.QueueReminders(context.Background()); err != nil {
		h.t.Fatalf("QueueReminders: %v", err)
	}
	return h.queuedRelays(n)
}

// book asks for a room and fails unless it is accepted.
func (h *harness) book(uid, org string, seq int, s, e time.Time) {
	h.t.Helper()
	if out := h.handle(meeting("REQUEST", uid, org, seq, s, e).bytes()); out.Action != gateway.ActionAccepted {
		h.t.Fatalf("%s: %s (%s)", uid, out.Action, out.Reason)
	}
}

func (h *harness) setNow(t time.Time) {
	h.clock.mu.Lock()
	defer h.clock.mu.Unlock()
	h.clock.now = t
}

func subjects(rs []relayed) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.To+": "+r.Subject)
	}
	return out
}

// TestReminders: one reminder per booking, 15 minutes before, across a
// restart; none for a cancelled booking; a moved booking is reminded at
// its new time.
func TestReminders(t *testing.T) {
	h := newHarness(t, relayOptions)
	h.book("r-alice", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	h.book("r-bob", bob, 0, tomorrow(14, 0), tomorrow(15, 0))
	h.book("r-carol", carol, 0, tomorrow(16, 0), tomorrow(17, 0))
	steps := []struct {
		at   time.Time
		do   func()
		want []string
	}{
		{tomorrow(9, 44), nil, nil},
		{tomorrow(9, 45), nil, []string{alice + ": Reminder: Meeting r-alice at 10:00 (Salle Opteos)"}},
		{tomorrow(9, 50), nil, nil},
		{tomorrow(9, 55), func() { h = h.restart(relayOptions) }, nil},
		{tomorrow(11, 0), func() { h.handle(meeting("CANCEL", "r-bob", bob, 1, tomorrow(14, 0), tomorrow(15, 0)).bytes()) }, nil},
		{tomorrow(13, 50), nil, nil},
		{tomorrow(14, 0), func() { h.book("r-carol", carol, 1, tomorrow(18, 0), tomorrow(19, 0)) }, nil},
		{tomorrow(15, 50), nil, nil},
		{tomorrow(17, 50), nil, []string{carol + ": Reminder: Meeting r-carol at 18:00 (Salle Opteos)"}},
		{tomorrow(18, 30), func() { h = h.restart(relayOptions) }, nil},
	}
	for _, s := range steps {
		h.setNow(s.at.UTC())
		if s.do != nil {
			s.do()
		}
		if got := subjects(h.remind()); strings.Join(got, "|") != strings.Join(s.want, "|") {
			t.Errorf("at %s: reminders %q, want %q", s.at.Format("15:04"), got, s.want)
		}
	}
}

// TestReminderContent: the join link, the host key and the steps.
func TestReminderContent(t *testing.T) {
	h := newHarness(t, relayOptions)
	h.book("c-alice", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	h.setNow(tomorrow(9, 50).UTC())
	q := h.remind()
	if len(q) != 1 {
		t.Fatalf("%d reminders", len(q))
	}
	for _, want := range []string{joinURL, hostKey, passcode, "Claim Host", "Enable Waiting Room", "End Meeting for All"} {
		if !strings.Contains(q[0].Text, want) || !strings.Contains(q[0].HTML, want) {
			t.Errorf("reminder lacks %q:\n%s", want, q[0].Text)
		}
	}
	off := newHarness(t, relayOptions, func(o *gateway.Options) { o.Relay.ReminderBefore = 0 })
	off.book("c-bob", bob, 0, tomorrow(10, 0), tomorrow(11, 0))
	off.setNow(tomorrow(9, 50).UTC())
	if q := off.remind(); len(q) != 0 {
		t.Errorf("reminders off: %d sent", len(q))
	}
}

// recordingNotice is a classic notice for the room's meeting ID.
func recordingNotice(start time.Time, meetingID string) []byte {
	return zoomMail{Subject: "Cloud Recording - Salle Opteos is now available", Received: t0, AuthResults: []string{passAR},
		Text: "Hi Zoom Account,\r\n\r\nYour cloud recording is now available.\r\n\r\nTopic: Salle Opteos\r\n" +
			"Date: " + start.In(paris).Format("Jan 2, 2006 03:04 PM") + " Paris\r\nMeeting ID: " + meetingID + "\r\n\r\n" +
			"Share recording with viewers:\r\nhttps://zoom.us/rec/share/xyz\r\nPasscode: k#7\r\n"}.bytes()
}

// TestRecordingMatched: among several bookings of the room (one meeting
// ID), the notice goes to the organizer of the one at its time; after
// that booking ends, the organizer is reminded to download it.
func TestRecordingMatched(t *testing.T) {
	h := newHarness(t, relayOptions)
	h.book("m-alice", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	h.book("m-bob", bob, 0, tomorrow(14, 0), tomorrow(15, 0))
	h.book("m-carol", carol, 0, at(2026, 12, 2, 14, 0), at(2026, 12, 2, 15, 0))
	h.setNow(tomorrow(15, 20).UTC())
	out, q := h.handleNow(recordingNotice(tomorrow(14, 2), "812 3456 7890"))
	if out.Kind != gateway.KindZoomRecording || out.Action != gateway.ActionRelayed || out.UID != "m-bob" || len(q) != 1 {
		t.Fatalf("outcome %+v, %d mails; want relayed to bob", out, len(q))
	}
	if q[0].To != bob || q[0].Subject != "Recording available: Meeting m-bob" {
		t.Errorf("mail to %s: %q", q[0].To, q[0].Subject)
	}
	for _, want := range []string{"https://zoom.us/rec/share/xyz", "24 hours", "recordings@coop.example"} {
		if !strings.Contains(q[0].Text, want) {
			t.Errorf("forward lacks %q:\n%s", want, q[0].Text)
		}
	}
	if strings.Contains(q[0].Text, hostKey) {
		t.Error("the forward shows the host key")
	}
	h.setNow(tomorrow(16, 0).UTC())
	if got := subjects(h.remind()); len(got) != 0 {
		t.Errorf("recording reminder before its hour: %q", got)
	}
	h.setNow(tomorrow(16, 21).UTC())
	want := bob + ": To download: the recording of Meeting m-bob"
	if got := subjects(h.remind()); len(got) != 1 || got[0] != want {
		t.Errorf("recording reminders %q, want %q", got, want)
	}
	if got := subjects(h.restart(relayOptions).remind()); len(got) != 0 {
		t.Errorf("after a restart: %q", got)
	}
}

// TestRecordingByTopic: the newer notice has no meeting ID: it is matched
// by topic and time; a notice that fits no booking goes to the
// facilitators.
func TestRecordingByTopic(t *testing.T) {
	h := newHarness(t, relayOptions)
	h.book("t-alice", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	h.book("t-bob", bob, 0, tomorrow(14, 0), tomorrow(15, 0))
	h.setNow(tomorrow(11, 30).UTC())
	assets := zoomMail{Subject: "Meeting assets for Meeting t-alice are ready!", Received: t0, AuthResults: []string{passAR},
		HTML: "<p>Duration: 58 minutes</p><p>Shareable link</p><a href=\"https://zoom.us/rec/share/q\">https://zoom.us/rec/share/q</a>"}
	if out, q := h.handleNow(assets.bytes()); out.UID != "t-alice" || len(q) != 1 || q[0].To != alice {
		t.Errorf("assets: %+v, %+v", out, q)
	}
	out, q := h.handleNow(recordingNotice(tomorrow(14, 0), "999 9999 9999"))
	if out.Action != gateway.ActionRelayed || out.UID != "" || len(q) != 2 || q[0].To != tech {
		t.Fatalf("unmatched: %+v, %+v", out, q)
	}
	if q[0].Subject != "Recording available: Salle Opteos" {
		t.Errorf("subject %q", q[0].Subject)
	}
}

// TestRunReminders: the ticker queues a due reminder and wakes the
// dispatcher; it stops with its context.
func TestRunReminders(t *testing.T) {
	h := newHarness(t, relayOptions, func(o *gateway.Options) { o.Relay.ReminderInterval = 5 * time.Millisecond })
	h.book("run-alice", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	n := len(h.st.outbox())
	h.setNow(tomorrow(9, 50).UTC())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.g.RunReminders(ctx) }()
	waitFor(t, "a reminder", 5*time.Second, func() bool { return len(h.st.outbox()) == n+1 })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunReminders = %v", err)
	}
	if len(h.st.outbox()) != n+1 {
		t.Errorf("%d reminders queued, want 1", len(h.st.outbox())-n)
	}
}
