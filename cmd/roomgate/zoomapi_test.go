package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
	"codeberg.org/opteos/roomgate/meetings/layer"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// TestZoomAcceptMoveCancel: an accepted booking gets a meeting of its own,
// created once, and the accept mail waits for its link; moving the booking
// updates the meeting, cancelling it deletes the meeting.
func TestZoomAcceptMoveCancel(t *testing.T) {
	env := newZoomEnv(t, nil)
	s, e := tomorrowAt(10, 0), tomorrowAt(11, 0)
	inv := request("z-1", "alice@coop.example", 0, s, e)
	if out := env.handle(inv); out.Action != gateway.ActionAccepted {
		t.Fatalf("outcome %+v", out)
	}
	env.flushN(0) // the accept mail waits for the meeting
	env.jobs()
	env.jobs() // nothing more to do
	if n := env.zoom.Count(http.MethodPost, "/v2/users/"); n != 1 {
		t.Fatalf("%d meetings created, want 1", n)
	}
	m := env.meeting("z-1")
	checks := []struct {
		name      string
		got, want any
	}{
		{"topic", m.Topic, "Réunion de alice"},
		{"start", m.StartTime, s.UTC()},
		{"duration", m.Duration, 60},
		{"zone", m.Timezone, "Europe/Paris"},
		{"passcode length", len(m.Password), 10},
		{"waiting room", *m.Settings.WaitingRoom, true},
		{"join before host", *m.Settings.JoinBeforeHost, false},
		{"agenda marker", strings.HasPrefix(m.Agenda, "roomgate rg-"), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	ps, subject, text := mailText(t, env.flushN(1)[0])
	if ps != "ACCEPTED" || !strings.HasPrefix(subject, "Room booked: Réunion de alice") {
		t.Errorf("reply %s %q", ps, subject)
	}
	wantIn(t, "accept", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", m.ID), m.Password, FormatID(m.ID),
		"https://salles.coop.example/start/", "Open your start link")
	wantOut(t, "accept", text, "483920", fixedJoin)

	moved := inv
	moved.Sequence, moved.Start, moved.End, moved.Stamp = 1, tomorrowAt(14, 0), tomorrowAt(15, 30), inv.Stamp.Add(time.Minute)
	env.handle(moved)
	_, _, text = mailText(t, env.flushN(1)[0]) // the meeting exists: no wait
	wantIn(t, "accept after a move", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", m.ID))
	env.jobs()
	if m2 := env.meeting("z-1"); m2.ID != m.ID || !m2.StartTime.Equal(moved.Start.UTC()) || m2.Duration != 90 {
		t.Errorf("after the move: meeting %d at %s for %d min", m2.ID, m2.StartTime, m2.Duration)
	}
	if n := env.zoom.Count(http.MethodPatch, "/v2/meetings/"); n != 1 {
		t.Errorf("%d updates, want 1", n)
	}

	cancel := moved
	cancel.Method, cancel.Sequence, cancel.Stamp = "CANCEL", 2, moved.Stamp.Add(time.Minute)
	env.handle(cancel)
	env.jobs()
	if zm, _ := env.zoom.Meeting(m.ID); !zm.Deleted {
		t.Error("the meeting of a cancelled booking was not deleted")
	}
	if n := env.zoom.Count(http.MethodPost, "/v2/users/"); n != 1 {
		t.Errorf("%d meetings created in all, want 1", n)
	}
}

// FormatID is how mails write a meeting number.
func FormatID(id int64) string { return layer.FormatMeetingID(id) }

// TestZoomLostAnswer: Zoom creates the meeting but its answer is lost
// (a 502 after the work); the retry finds it by its marker instead of
// making a second one.
func TestZoomLostAnswer(t *testing.T) {
	env := newZoomEnv(t, nil)
	env.zoom.Fail(zoomtest.Fault{Method: http.MethodPost, Path: "/v2/users/", Status: http.StatusBadGateway, After: true})
	env.handle(request("z-lost", "alice@coop.example", 0, tomorrowAt(9, 0), tomorrowAt(10, 0)))
	env.jobs()
	if n := len(env.zoom.Meetings()); n != 1 {
		t.Fatalf("%d meetings on Zoom after the lost answer, want 1", n)
	}
	env.clock.Add(15 * time.Second) // past the first retry, before create_timeout
	env.jobs()
	if n := len(env.zoom.Meetings()); n != 1 {
		t.Fatalf("%d meetings on Zoom after the retry, want 1", n)
	}
	if n := env.zoom.Count(http.MethodPost, "/v2/users/"); n != 1 {
		t.Errorf("%d creations asked, want 1", n)
	}
	m := env.meeting("z-lost")
	_, _, text := mailText(t, env.flushN(1)[0])
	wantIn(t, "accept", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", m.ID), m.Password)
}

// TestZoomDown: with Zoom failing, the accept mail leaves after
// create_timeout with the fixed room's details, as without the API; once
// the meeting exists, a second mail gives its link.
func TestZoomDown(t *testing.T) {
	env := newZoomEnv(t, nil)
	env.zoom.Fail(zoomtest.Fault{Method: http.MethodPost, Path: "/v2/users/", Status: http.StatusServiceUnavailable})
	env.handle(request("z-down", "alice@coop.example", 0, tomorrowAt(9, 0), tomorrowAt(10, 0)))
	env.jobs() // fails
	env.flushN(0)
	env.clock.Add(31 * time.Second) // create_timeout is 30s
	ps, _, text := mailText(t, env.flushN(1)[0])
	if ps != "ACCEPTED" {
		t.Errorf("fallback PARTSTAT %s", ps)
	}
	wantIn(t, "fallback", text, fixedJoin, "483920", "Claim Host")
	env.jobs() // Zoom answers again
	m := env.meeting("z-down")
	ps, subject, text := mailText(t, env.flushN(1)[0])
	if ps != "?" || !strings.HasPrefix(subject, "Your meeting's own Zoom link: Réunion de alice") {
		t.Errorf("second mail: %s %q", ps, subject)
	}
	wantIn(t, "second mail", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", m.ID), m.Password, "/start/",
		"The room's usual link, sent before, still works")
	if n := len(env.zoom.Meetings()); n != 1 {
		t.Errorf("%d meetings, want 1", n)
	}
}

// TestZoomStartLink: a start link redirects to a fresh start_url only
// within its window, and never with a forged signature.
func TestZoomStartLink(t *testing.T) {
	env := newZoomEnv(t, nil)
	s, e := tomorrowAt(10, 0), tomorrowAt(11, 0)
	env.handle(request("z-start", "alice@coop.example", 0, s, e))
	env.jobs()
	_, _, text := mailText(t, env.flushN(1)[0])
	path := startPath(t, text)
	h := env.web()
	forged := path[:len(path)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(path, "A")]
	tests := []struct {
		name   string
		at     time.Time
		path   string
		status int
		body   string
	}{
		{"a day early", env.clock.Now(), path, http.StatusForbidden, "This start link opens on"},
		{"forged", s.Add(-time.Minute), forged, http.StatusForbidden, "This start link is not valid"},
		{"another booking", s.Add(-time.Minute), "/start/999/" + strings.Split(path, "/")[3], http.StatusForbidden, "not valid"},
		{"not a number", s.Add(-time.Minute), "/start/x/y", http.StatusForbidden, "not valid"},
		{"in its window", s.Add(-4 * time.Minute), path, http.StatusSeeOther, ""},
		{"during the meeting", s.Add(30 * time.Minute), path, http.StatusSeeOther, ""},
		{"after its end", e, path, http.StatusGone, "This booking is over"},
	}
	m := env.meeting("z-start")
	for _, tt := range tests {
		env.clock.Set(tt.at)
		before := env.meeting("z-start").StartURLs
		rec := get(t, h, tt.path)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("%s: %d %q, want %d %q", tt.name, rec.Code, rec.Body.String(), tt.status, tt.body)
		}
		loc := rec.Header().Get("Location")
		fresh := env.meeting("z-start").StartURLs - before
		if tt.status == http.StatusSeeOther {
			if !strings.HasPrefix(loc, fmt.Sprintf("https://zoom.us/s/%d?zak=", m.ID)) || fresh != 1 {
				t.Errorf("%s: redirect to %q, %d start_url fetched", tt.name, loc, fresh)
			}
		} else if loc != "" || fresh != 0 {
			t.Errorf("%s: redirect %q, %d start_url fetched", tt.name, loc, fresh)
		}
	}
}

// TestZoomRecordings: after the meeting, its recordings are copied and
// verified, the organizer mailed a link, and only then trashed on Zoom; a
// copy that fails leaves everything on Zoom.
func TestZoomRecordings(t *testing.T) {
	env := newZoomEnv(t, func(c *Config) { c.ZoomAPI.Attendance = false })
	s, e := tomorrowAt(10, 0), tomorrowAt(11, 0)
	env.handle(request("z-rec", "alice@coop.example", 0, s, e))
	env.jobs()
	env.flushN(1)
	m := env.meeting("z-rec")
	video := []byte(strings.Repeat("not really an MP4 ", 5000))
	audio := []byte("not really an M4A")
	env.zoom.AddRecording(m.ID,
		zoomtest.RecordingFile{FileType: "MP4", Extension: "MP4", RecordingType: "shared_screen_with_speaker_view", Content: video},
		zoomtest.RecordingFile{FileType: "M4A", Extension: "M4A", RecordingType: "audio_only", Content: audio})
	env.clock.Set(e.Add(11 * time.Minute))

	env.zoom.ShortenDownloads(100) // every download cut short
	env.recordings()
	if trashed, _, _ := env.zoom.Recording(m.ID); trashed {
		t.Fatal("recordings trashed though their copy failed")
	}
	dir := meetings.Recordings{Root: env.cfg.ZoomAPI.RecordingsDir}.Dir(env.booking("z-rec").ID)
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("a failed copy left %d file(s)", len(files))
	}
	env.flushN(0)
	op := get(t, env.web(), "/operator/zoom?token=operator-token-0123456789")
	if op.Code != http.StatusOK {
		t.Fatalf("operator page: %d", op.Code)
	}
	wantIn(t, "operator page", op.Body.String(), "Zoom jobs pending or failed", "recordings", "size mismatch")

	env.zoom.ShortenDownloads(0)
	env.clock.Add(time.Hour) // past the retry
	env.recordings()
	if trashed, _, _ := env.zoom.Recording(m.ID); !trashed {
		t.Fatal("recordings not trashed after a verified copy")
	}
	recs, err := env.app.store.ZoomRecordings(context.Background(), env.booking("z-rec").ID)
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d copies recorded (%v)", len(recs), err)
	}
	for _, r := range recs {
		b, err := os.ReadFile(filepath.Join(dir, r.Name))
		sum := sha256.Sum256(b)
		if err != nil || hex.EncodeToString(sum[:]) != r.SHA256 || int64(len(b)) != r.Size {
			t.Errorf("copy %s: %v, %d bytes, recorded %s", r.Name, err, len(b), r.SHA256)
		}
	}
	_, subject, text := mailText(t, env.flushN(1)[0])
	if !strings.HasPrefix(subject, "Recordings of your meeting: Réunion de alice") {
		t.Errorf("subject %q", subject)
	}
	link := text[strings.Index(text, "https://salles.coop.example/recordings/"):]
	link = strings.TrimPrefix(strings.Fields(link)[0], "https://salles.coop.example")
	h := env.web()
	page := get(t, h, link)
	if page.Code != http.StatusOK {
		t.Fatalf("recordings page: %d", page.Code)
	}
	wantIn(t, "recordings page", page.Body.String(), recs[0].Name, recs[1].Name, recs[0].SHA256)
	file := get(t, h, link+"/"+strconv.FormatInt(recs[0].ID, 10))
	if file.Code != http.StatusOK || file.Body.String() != string(video) {
		t.Errorf("file: %d, %d bytes", file.Code, file.Body.Len())
	}
	op = get(t, h, "/operator/zoom?token=operator-token-0123456789")
	wantIn(t, "operator page", op.Body.String(), "Copies of the recordings", recs[1].Name, recs[1].SHA256)
	wantOut(t, "operator page", op.Body.String(), "size mismatch")
	if get(t, h, link+"x").Code != http.StatusNotFound {
		t.Error("a wrong token opened the recordings")
	}
	env.clock.Set(e.Add(31 * 24 * time.Hour)) // recordings_keep is 30 days
	if code := get(t, h, link).Code; code != http.StatusGone {
		t.Errorf("expired link: %d", code)
	}
	env.watch() // removes the expired copies
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d expired copies left", len(files))
	}
}

// TestZoomAttendance: the organizer gets the participants report as a
// table and a CSV file.
func TestZoomAttendance(t *testing.T) {
	env := newZoomEnv(t, func(c *Config) { c.ZoomAPI.Recordings = false })
	s, e := tomorrowAt(10, 0), tomorrowAt(11, 0)
	env.handle(request("z-att", "alice@coop.example", 0, s, e))
	env.jobs()
	env.flushN(1)
	m := env.meeting("z-att")
	env.clock.Set(s)
	env.zoom.StartMeeting(m.ID)
	env.zoom.AddParticipant(m.ID, zoomtest.Participant{Name: "Alice", Email: "alice@coop.example", Join: s, Leave: e})
	env.zoom.AddParticipant(m.ID, zoomtest.Participant{Name: "=HYPERLINK(\"x\")", Join: s.Add(5 * time.Minute), Leave: s.Add(40 * time.Minute)})
	env.clock.Set(e)
	env.zoom.EndMeeting(m.ID)
	env.clock.Set(e.Add(11 * time.Minute))
	env.jobs()
	env.jobs()
	got := env.flushN(1)[0]
	_, subject, text := mailText(t, got)
	if !strings.HasPrefix(subject, "Attendance: Réunion de alice") {
		t.Errorf("subject %q", subject)
	}
	wantIn(t, "report", text, "- Alice (alice@coop.example): 10:00–11:00, 60 minutes", "35 minutes")
	name, csv := attachment(t, got.Raw)
	day := s.Format("2006-01-02")
	want := "Name,E-mail,Joined,Left,Minutes\r\n" +
		"Alice,alice@coop.example," + day + " 10:00," + day + " 11:00,60\r\n" +
		"\"'=HYPERLINK(\"\"x\"\")\",," + day + " 10:05," + day + " 10:40,35\r\n"
	if name != "attendance-"+day+".csv" || string(csv) != want {
		t.Errorf("attachment %q:\n%q\nwant\n%q", name, csv, want)
	}
}

// TestZoomNoShowReleased: a meeting not started release_after its start
// frees the booking, which answers its organizer and gives the slot to the
// waiting list in the same transaction.
func TestZoomNoShowReleased(t *testing.T) {
	env := newZoomEnv(t, func(c *Config) { c.Policy.Waitlist = ptr(true) })
	s := tomorrowAt(10, 0)
	env.handle(request("z-alice", "alice@coop.example", 0, s, s.Add(2*time.Hour)))
	if out := env.handle(request("z-bob", "bob@coop.example", 0, s.Add(time.Hour), s.Add(2*time.Hour))); out.Action != gateway.ActionDeclined {
		t.Fatalf("bob: %+v", out)
	}
	if st := env.booking("z-bob").Status; st != gateway.StatusWaiting {
		t.Fatalf("bob's request is %s, want waiting", st)
	}
	env.jobs()
	env.flushN(2)
	alice := env.meeting("z-alice")

	env.clock.Set(s.Add(14 * time.Minute))
	env.jobs()
	if st := env.booking("z-alice").Status; st != gateway.StatusAccepted {
		t.Fatalf("released before release_after: %s", st)
	}
	env.clock.Set(s.Add(16 * time.Minute))
	env.jobs()
	if st := env.booking("z-alice").Status; st != gateway.StatusReleased {
		t.Fatalf("alice's booking is %s, want released", st)
	}
	if st := env.booking("z-bob").Status; st != gateway.StatusAccepted {
		t.Fatalf("bob's waiting request is %s, want accepted", st)
	}
	if zm, _ := env.zoom.Meeting(alice.ID); !zm.Deleted {
		t.Error("the released booking's meeting was not deleted")
	}
	mails := env.flushN(2)
	byTo := map[string]zoomSent{}
	for _, m := range mails {
		byTo[m.To[0]] = m
	}
	ps, subject, _ := mailText(t, byTo["alice@coop.example"])
	if ps != "DECLINED" || !strings.HasPrefix(subject, "Room freed, the meeting had not started: Réunion de alice") {
		t.Errorf("alice: %s %q", ps, subject)
	}
	ps, subject, text := mailText(t, byTo["bob@coop.example"])
	bob := env.meeting("z-bob")
	if ps != "ACCEPTED" || !strings.HasPrefix(subject, "The room is free after all") {
		t.Errorf("bob: %s %q", ps, subject)
	}
	wantIn(t, "bob's accept", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", bob.ID))
	// The released slot no longer occupies the account.
	if out := env.handle(request("z-carol", "carol@coop.example", 0, s.Add(20*time.Minute), s.Add(40*time.Minute))); out.Action != gateway.ActionAccepted {
		t.Errorf("carol, in the freed slot: %+v", out)
	}
}

// TestZoomStartedNotReleased: a meeting that started keeps its booking.
func TestZoomStartedNotReleased(t *testing.T) {
	env := newZoomEnv(t, nil)
	s := tomorrowAt(10, 0)
	env.handle(request("z-on", "alice@coop.example", 0, s, s.Add(time.Hour)))
	env.jobs()
	env.clock.Set(s.Add(2 * time.Minute))
	env.zoom.StartMeeting(env.meeting("z-on").ID)
	env.clock.Set(s.Add(16 * time.Minute))
	env.jobs()
	if st := env.booking("z-on").Status; st != gateway.StatusAccepted {
		t.Errorf("a started meeting's booking is %s", st)
	}
}

// TestZoomUnbookedAndOverrun: the facilitators hear once of a meeting that
// runs without a booking; a meeting running into the next booking is
// warned about, then ended.
func TestZoomUnbookedAndOverrun(t *testing.T) {
	env := newZoomEnv(t, nil)
	s := tomorrowAt(10, 0)
	env.handle(request("z-a", "alice@coop.example", 0, s, s.Add(time.Hour)))
	env.handle(request("z-b", "bob@coop.example", 0, s.Add(70*time.Minute), s.Add(2*time.Hour)))
	env.jobs()
	env.flushN(2)

	stray := createStray(t, env)
	env.zoom.StartMeeting(stray)
	env.watch()
	env.watch()
	alert := env.flushN(1)[0]
	_, subject, text := mailText(t, alert)
	if alert.To[0] != "facil@coop.example" || !strings.HasPrefix(subject, "Zoom: a meeting runs without a booking") {
		t.Errorf("alert to %v: %q", alert.To, subject)
	}
	wantIn(t, "alert", text, "Stray meeting", FormatID(stray))
	env.zoom.EndMeeting(stray)

	a := env.meeting("z-a")
	env.clock.Set(s)
	env.zoom.StartMeeting(a.ID)
	env.clock.Set(s.Add(66 * time.Minute)) // past its end, 4 minutes before bob's
	env.watch()
	env.watch()
	_, subject, text = mailText(t, env.flushN(1)[0])
	if !strings.HasPrefix(subject, "Your meeting runs over: Réunion de alice") {
		t.Errorf("warning %q", subject)
	}
	wantIn(t, "warning", text, "begins at 11:10", "will be ended then")
	if zm, _ := env.zoom.Meeting(a.ID); zm.Status != "started" {
		t.Fatal("ended before the next booking")
	}
	env.clock.Set(s.Add(70 * time.Minute))
	env.watch()
	if zm, _ := env.zoom.Meeting(a.ID); zm.Status != "ended" {
		t.Errorf("the overrunning meeting is %s, want ended", zm.Status)
	}
}

// createStray makes a meeting on the account behind roomgate's back.
func createStray(t *testing.T, env *zoomEnv) int64 {
	t.Helper()
	c, err := newZoomClient(env)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.CreateMeeting(context.Background(), meetings.Spec{Topic: "Stray meeting", Start: env.clock.Now(),
		Duration: time.Hour, Timezone: "Europe/Paris", Marker: "not-ours"})
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

// TestZoomSeries: a series gets one meeting per date, and one accept mail
// gives every date's link.
func TestZoomSeries(t *testing.T) {
	env := newZoomEnv(t, nil)
	inv := request("z-series", "alice@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0))
	raw := strings.ReplaceAll(string(inv.mail()), "SUMMARY:", "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:")
	if out := env.handleRaw(raw); out.Action != gateway.ActionAccepted {
		t.Fatalf("outcome %+v", out)
	}
	env.flushN(0)
	env.jobs()
	ms := env.zoom.Meetings()
	if len(ms) != 3 {
		t.Fatalf("%d meetings, want one per date", len(ms))
	}
	_, _, text := mailText(t, env.flushN(1)[0])
	wantIn(t, "series accept", text, "Each date has a Zoom link of its own")
	for i, m := range ms {
		if want := inv.Start.AddDate(0, 0, 7*i).UTC(); !m.StartTime.Equal(want) {
			t.Errorf("meeting %d starts %s, want %s", i, m.StartTime, want)
		}
		wantIn(t, "series accept", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", m.ID), m.Password)
	}
	if n := strings.Count(text, "https://salles.coop.example/start/"); n != 3 {
		t.Errorf("%d start links, want 3", n)
	}
}

// TestZoomReminder: the reminder gives the booking's own meeting and its
// start link, not the host key.
func TestZoomReminder(t *testing.T) {
	env := newZoomEnv(t, func(c *Config) { c.Relay.ReminderBefore = &Duration{time.Hour} })
	s := tomorrowAt(10, 0)
	env.handle(request("z-rem", "alice@coop.example", 0, s, s.Add(time.Hour)))
	env.jobs()
	env.flushN(1)
	env.clock.Set(s.Add(-50 * time.Minute))
	if n, err := env.app.gw.QueueReminders(context.Background()); err != nil || n != 1 {
		t.Fatalf("%d reminders (%v)", n, err)
	}
	m := env.meeting("z-rem")
	_, subject, text := mailText(t, env.flushN(1)[0])
	if !strings.HasPrefix(subject, "Reminder: Réunion de alice at 10:00") {
		t.Errorf("subject %q", subject)
	}
	wantIn(t, "reminder", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", m.ID), "https://salles.coop.example/start/")
	wantOut(t, "reminder", text, "483920", fixedJoin)
}

// TestZoomWebhook: a signed meeting.started event of a meeting without a
// booking alerts the facilitators at once; an unsigned one is refused.
func TestZoomWebhook(t *testing.T) {
	const secret = "webhook-secret-token"
	env := newZoomEnv(t, func(c *Config) { c.ZoomAPI.Webhook, c.ZoomAPI.WebhookSecret = true, secret })
	h := env.web()
	stray := createStray(t, env)
	env.zoom.StartMeeting(stray)
	body := env.zoom.MeetingEvent("meeting.started", stray, time.Now())
	for _, tt := range []struct {
		name, secret string
		status       int
	}{{"forged", "not-the-secret", http.StatusUnauthorized}, {"signed", secret, http.StatusOK}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, zoomtest.WebhookRequest("http://roomgate.test/zoom/webhook", tt.secret, time.Now(), body))
		if rec.Code != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, rec.Code, tt.status)
		}
		if tt.status != http.StatusOK {
			env.flushN(0)
		}
	}
	alert := env.flushN(1)[0]
	if alert.To[0] != "facil@coop.example" {
		t.Errorf("alert to %v", alert.To)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, zoomtest.WebhookRequest("http://roomgate.test/zoom/webhook", secret, time.Now(),
		zoomtest.URLValidationEvent("plain-123", time.Now())))
	wantIn(t, "url validation", rec.Body.String(), `"plainToken":"plain-123"`, `"encryptedToken":"`)
}

// TestZoomWithoutStartLinks: without start links the accept mail gives the
// meeting's own link and, to claim host, the host key.
func TestZoomWithoutStartLinks(t *testing.T) {
	env := newZoomEnv(t, func(c *Config) { c.ZoomAPI.StartLinks = false })
	env.handle(request("z-key", "alice@coop.example", 0, tomorrowAt(9, 0), tomorrowAt(10, 0)))
	env.jobs()
	m := env.meeting("z-key")
	_, _, text := mailText(t, env.flushN(1)[0])
	wantIn(t, "accept", text, fmt.Sprintf("https://zoom.us/j/%d?pwd=", m.ID), `"Claim Host"`, "host key: 483920")
	wantOut(t, "accept", text, "/start/", fixedJoin)
}
