package main

import (
	"context"
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
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// Zoom API mode against the fake as Zoom's Meetings API document
// describes Zoom (issue 20): files without ID or size, participant audio
// files, meetings held twice, waiting rooms, the daily limit, passcode
// rules, fixed rooms outside the lists, meetings in progress.

// openJob returns the job of that kind of a booking that is not done;
// false when there is none (done, or never queued).
func (e *zoomEnv) openJob(bookingID int64, kind string) (meetings.Job, bool) {
	e.t.Helper()
	js, err := e.app.store.ListZoomJobs(context.Background(), 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, j := range js {
		if j.BookingID == bookingID && j.Kind == kind {
			return j, true
		}
	}
	return meetings.Job{}, false
}

// holdTwice holds meeting id twice (the second instance's UUID starts with
// "/"), running each for rec; it returns the instances' UUIDs.
func holdTwice(env *zoomEnv, id int64, s time.Time, rec func(i int)) []string {
	for i := range 2 {
		env.clock.Set(s.Add(time.Duration(i) * 20 * time.Minute))
		env.zoom.StartMeeting(id)
		if i == 1 {
			env.zoom.SetUUID(id, "/Xq9+"+strconv.Itoa(int(id%1000))+"//kR==")
		}
		rec(i)
		env.clock.Add(15 * time.Minute)
		env.zoom.EndMeeting(id)
	}
	return env.zoom.Instances(id)
}

// TestZoomRecordingsAsZoomListsThem: a meeting held twice, with CC and
// TIMELINE files (no ID, no size) and participant audio files: every
// file of both instances is copied under a name of its own, none taken
// for another, and nothing is trashed until the last participant audio
// file is copied.
func TestZoomRecordingsAsZoomListsThem(t *testing.T) {
	env := newZoomEnv(t, func(c *Config) { c.ZoomAPI.Attendance = false })
	s, e := tomorrowAt(10, 0), tomorrowAt(11, 0)
	env.handle(request("z-files", "alice@coop.example", 0, s, e))
	env.jobs()
	env.flushN(1)
	m := env.meeting("z-files")
	uuids := holdTwice(env, m.ID, s, func(i int) {
		env.zoom.AddRecording(m.ID,
			zoomtest.RecordingFile{FileType: "MP4", Extension: "MP4", RecordingType: "shared_screen_with_speaker_view",
				Content: []byte(strings.Repeat(fmt.Sprint("video ", i), 900))},
			zoomtest.RecordingFile{FileType: "CC", Extension: "VTT", Content: []byte(fmt.Sprint("WEBVTT\n\n", i))},
			zoomtest.RecordingFile{FileType: "TIMELINE", Extension: "JSON", Content: []byte(fmt.Sprintf(`{"timeline":[%d]}`, i))},
			zoomtest.RecordingFile{FileType: "M4A", ParticipantAudio: true, FileName: "Alice.m4a", Content: []byte(fmt.Sprint("alice ", i))},
			zoomtest.RecordingFile{FileType: "M4A", ParticipantAudio: true, FileName: "Chloe.m4a", Content: []byte(fmt.Sprint("chloe ", i))})
	})
	if len(uuids) != 2 {
		t.Fatalf("instances %v", uuids)
	}
	env.clock.Set(e.Add(11 * time.Minute))
	env.zoom.ShortenFile("Chloe.m4a", 100) // a participant audio file fails, however often tried
	env.recordings()
	for _, u := range uuids {
		if trashed, _, _ := env.zoom.InstanceRecording(u); trashed {
			t.Fatalf("instance %s trashed though a participant audio file was not copied", u)
		}
	}
	b := env.booking("z-files")
	if j, ok := env.openJob(b.ID, meetings.JobRecordings); !ok || j.Status != meetings.JobPending || !strings.Contains(j.LastError, "size") {
		t.Fatalf("job after a failed copy: %+v", j)
	}
	env.zoom.ShortenFile("Chloe.m4a", 0)
	env.clock.Add(time.Hour)
	env.recordings()
	for _, u := range uuids {
		if trashed, _, _ := env.zoom.InstanceRecording(u); !trashed {
			t.Errorf("instance %s not trashed after every copy", u)
		}
	}
	recs, err := env.app.store.ZoomRecordings(context.Background(), b.ID)
	if err != nil || len(recs) != 10 {
		t.Fatalf("%d copies (%v), want 10", len(recs), err)
	}
	dir := meetings.Recordings{Root: env.cfg.ZoomAPI.RecordingsDir}.Dir(b.ID)
	keys, names := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		data, err := os.ReadFile(filepath.Join(dir, r.Name))
		if err != nil || len(data) == 0 || int64(len(data)) != r.Size {
			t.Errorf("copy %s: %v, %d bytes", r.Name, err, len(data))
		}
		if keys[r.FileID] || names[r.Name] {
			t.Errorf("two copies share %s / %s", r.FileID, r.Name)
		}
		keys[r.FileID], names[r.Name] = true, true
	}
	for _, want := range []string{"_CC_", "_TIMELINE_", "_participant_Alice_", "_participant_Chloe_"} {
		n := 0
		for name := range names {
			if strings.Contains(name, want) {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d copies named %s, want one per instance", n, want)
		}
	}
	_, subject, _ := mailText(t, env.flushN(1)[0])
	if !strings.HasPrefix(subject, "Recordings of your meeting") {
		t.Errorf("subject %q", subject)
	}
	// The second instance's UUID went encoded twice.
	if env.zoom.Count("DELETE", "/v2/meetings/%252FXq9") != 1 {
		t.Error("the instance whose UUID holds / was not trashed by its double-encoded UUID")
	}
}

// TestZoomAttendanceAsZoomReportsIt: the report of a meeting held twice
// covers both instances, leaves out (and lists apart) those left in the
// waiting room, and an instance with one participant, which Zoom does
// not report, is skipped at once.
func TestZoomAttendanceAsZoomReportsIt(t *testing.T) {
	env := newZoomEnv(t, func(c *Config) { c.ZoomAPI.Recordings = false })
	s, e := tomorrowAt(10, 0), tomorrowAt(11, 0)
	env.handle(request("z-rep", "alice@coop.example", 0, s, e))
	env.jobs()
	env.flushN(1)
	m := env.meeting("z-rep")
	holdTwice(env, m.ID, s, func(i int) {
		at := env.clock.Now()
		add := func(name string, waiting bool) {
			env.zoom.AddParticipant(m.ID, zoomtest.Participant{Name: name, Join: at, Leave: at.Add(10 * time.Minute), Waiting: waiting})
		}
		add("Alice", false)
		if i == 1 {
			add("Chloé", false)
			add("Intrus", true)
		}
	})
	env.clock.Set(e.Add(11 * time.Minute))
	env.jobs()
	got := env.flushN(1)[0]
	_, _, text := mailText(t, got)
	wantIn(t, "report", text, "Alice", "Chloé", "Left in the waiting room, never admitted", "Intrus")
	_, csv := attachment(t, got.Raw)
	if strings.Contains(string(csv), "Intrus") || strings.Count(string(csv), "\r\n") != 3 {
		t.Errorf("CSV:\n%s", csv)
	}
	if n := env.zoom.Count("GET", "/v2/report/meetings/"); n != 1 {
		t.Errorf("%d report calls, want 1 (the instance with one participant has none)", n)
	}

	// A meeting attended by one person: no report, and no day of waiting.
	env.handle(request("z-solo", "bob@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	env.jobs()
	env.flushN(1)
	solo := env.meeting("z-solo")
	env.clock.Set(tomorrowAt(14, 0))
	env.zoom.StartMeeting(solo.ID)
	env.zoom.AddParticipant(solo.ID, zoomtest.Participant{Name: "Bob", Join: env.clock.Now(), Leave: env.clock.Now().Add(time.Hour)})
	env.clock.Set(tomorrowAt(15, 0))
	env.zoom.EndMeeting(solo.ID)
	env.clock.Add(11 * time.Minute)
	env.jobs()
	env.flushN(0)
	if j, ok := env.openJob(env.booking("z-solo").ID, meetings.JobAttendance); ok {
		t.Errorf("attendance job of a one-person meeting still open: %+v", j)
	}
	if n := env.zoom.Count("GET", "/v2/report/meetings/"); n != 1 {
		t.Errorf("the report of a one-person meeting was asked (%d calls in all)", n)
	}
}

// TestZoomDailyLimit: Zoom's daily 429 (no Retry-After, the time in its
// message) makes the creation wait until that time, without retrying at
// once, and the facilitators are told once.
func TestZoomDailyLimit(t *testing.T) {
	env := newZoomEnvWith(t, zoomtest.Options{DailyMeetingLimit: 1}, nil)
	env.handle(request("z-day1", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)))
	env.jobs()
	env.flushN(1)
	env.handle(request("z-day2", "bob@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	env.handle(request("z-day3", "carol@coop.example", 0, tomorrowAt(16, 0), tomorrowAt(17, 0)))
	env.jobs()
	if n := env.zoom.Count(http.MethodPost, "/v2/users/"); n != 3 {
		t.Fatalf("%d creations sent, want 3 (one each, no retry at once)", n)
	}
	midnight := env.clock.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	for _, uid := range []string{"z-day2", "z-day3"} {
		j, ok := env.openJob(env.booking(uid).ID, meetings.JobSync)
		if !ok || j.Status != meetings.JobPending || !j.NextAttempt.Equal(midnight) {
			t.Fatalf("%s: job %+v, want pending until %s", uid, j, midnight)
		}
	}
	env.clock.Set(env.clock.Now().Add(10 * time.Second)) // past the held accept mails' wait
	mails := env.flush()
	alerts := 0
	for _, m := range mails {
		if m.To[0] == "facil@coop.example" {
			alerts++
			_, subject, text := mailText(t, m)
			if !strings.Contains(subject, "daily limit") {
				t.Errorf("alert subject %q", subject)
			}
			wantIn(t, "alert", text, midnight.In(paris(t)).Format("15:04"))
		}
	}
	if alerts != 1 {
		t.Fatalf("%d alerts, want 1 (of %d mails)", alerts, len(mails))
	}
	env.clock.Set(midnight.Add(-time.Minute))
	env.jobs()
	if n := env.zoom.Count(http.MethodPost, "/v2/users/"); n != 3 {
		t.Fatalf("tried again before Zoom's time: %d creations", n)
	}
	env.clock.Set(midnight.Add(time.Second))
	env.jobs()
	// Zoom's new day allows one more (the fake's limit is 1 a day): one
	// of the two is created, the other waits for the next midnight.
	if n := len(env.zoom.Meetings()); n != 2 {
		t.Fatalf("%d meetings after the limit lifted, want 2", n)
	}
}

// TestZoomPasscodeRules: when the account's passcode rules refuse
// roomgate's passcode, the meeting is created without one and the
// passcode Zoom generated is mailed; the facilitators are told once, and
// later creations do not try roomgate's passcode again.
func TestZoomPasscodeRules(t *testing.T) {
	env := newZoomEnvWith(t, zoomtest.Options{
		PasscodeRule:      func(p string) bool { return strings.ContainsAny(p, "@-_*") },
		GeneratedPasscode: "Zx@81_qk"}, nil)
	env.handle(request("z-pw1", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)))
	env.jobs()
	m := env.meeting("z-pw1")
	if m.Password != "Zx@81_qk" {
		t.Fatalf("passcode %q, want Zoom's", m.Password)
	}
	var accept, alert string
	for _, sent := range env.flushN(2) {
		_, _, text := mailText(t, sent)
		if sent.To[0] == "facil@coop.example" {
			alert = text
		} else {
			accept = text
		}
	}
	wantIn(t, "accept", accept, "Zx@81_qk")
	wantIn(t, "alert", alert, "passcode rules", "Zoom generates a")
	env.handle(request("z-pw2", "bob@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)))
	env.jobs()
	if n := env.zoom.Count(http.MethodPost, "/v2/users/"); n != 3 {
		t.Errorf("%d creations sent, want 3 (refused, again without passcode, then the second booking's)", n)
	}
	env.flushN(1) // bob's accept, no second alert
}

// TestZoomFixedRoomInUse: the no-show check reads the room's fixed
// meeting by its number (a personal meeting that no list shows): in use,
// the booking is kept; not in use, it is released.
func TestZoomFixedRoomInUse(t *testing.T) {
	env := newZoomEnv(t, nil)
	env.zoom.AddPersonalMeeting(85550001111)
	s := tomorrowAt(10, 0)
	env.handle(request("z-fixed", "alice@coop.example", 0, s, s.Add(2*time.Hour)))
	env.jobs()
	env.flushN(1)
	env.zoom.StartMeeting(85550001111)
	live, err := newZoomClientForList(env)
	if err != nil || live != 0 {
		t.Fatalf("the fixed room is in the live list (%d, %v): the test would not test anything", live, err)
	}
	env.clock.Set(s.Add(16 * time.Minute))
	env.jobs()
	if st := env.booking("z-fixed").Status; st != gateway.StatusAccepted {
		t.Fatalf("released while its fixed room was in use: %s", st)
	}
	if env.zoom.Count(http.MethodGet, "/v2/meetings/85550001111") == 0 {
		t.Fatal("the fixed meeting was not read by its number")
	}
}

// newZoomClientForList counts the live meetings Zoom lists.
func newZoomClientForList(env *zoomEnv) (int, error) {
	a, err := newZoomClient(env)
	if err != nil {
		return 0, err
	}
	live, err := a.LiveMeetings(context.Background())
	return len(live), err
}

// TestZoomCancelInProgress: a booking withdrawn while its meeting runs
// (started early): Zoom refuses the deletion (3002); the meeting is left
// running with an audit line, the job does not fail, and the meeting is
// deleted once it has ended.
func TestZoomCancelInProgress(t *testing.T) {
	env := newZoomEnv(t, nil)
	s := tomorrowAt(10, 0)
	inv := request("z-live", "alice@coop.example", 0, s, s.Add(time.Hour))
	env.handle(inv)
	env.jobs()
	env.flushN(1)
	m := env.meeting("z-live")
	env.clock.Set(s.Add(-40 * time.Minute))
	env.zoom.StartMeeting(m.ID)
	cancel := inv
	cancel.Method, cancel.Sequence, cancel.Stamp = "CANCEL", 1, inv.Stamp.Add(time.Minute)
	env.handle(cancel)
	for range 3 {
		env.jobs()
	}
	b := env.booking("z-live")
	j, ok := env.openJob(b.ID, meetings.JobSync)
	if !ok || j.Status != meetings.JobPending || !j.NextAttempt.Equal(env.clock.Now().Add(15*time.Minute).UTC()) {
		t.Fatalf("sync job: %+v (open %v), want pending, tried again in 15 minutes", j, ok)
	}
	if zm, _ := env.zoom.Meeting(m.ID); zm.Deleted || zm.Status != "started" {
		t.Fatalf("the meeting in progress was touched: %+v", zm)
	}
	audit, err := env.app.store.ListAudit(context.Background(), s.Add(-48*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, a := range audit {
		if a.Action == gateway.ActionZoomLeftRunning && strings.Contains(a.Reason, "left running") {
			lines++
		}
	}
	if lines != 1 {
		t.Fatalf("%d audit lines for the meeting left running, want 1", lines)
	}
	env.zoom.EndMeeting(m.ID)
	env.clock.Add(16 * time.Minute)
	env.jobs()
	if zm, _ := env.zoom.Meeting(m.ID); !zm.Deleted {
		t.Error("the meeting was not deleted once it ended")
	}
	if _, ok := env.openJob(b.ID, meetings.JobSync); ok {
		t.Error("the sync job is still open")
	}
}

// TestZoomWebhookResentLate: Zoom re-sends an unanswered event at +5,
// +20 and +60 minutes, with its first timestamp: roomgate refuses it as
// too old, and polling still copies the recordings.
func TestZoomWebhookResentLate(t *testing.T) {
	const secret = "webhook-secret-token"
	env := newZoomEnv(t, func(c *Config) {
		c.ZoomAPI.Webhook, c.ZoomAPI.WebhookSecret, c.ZoomAPI.Attendance = true, secret, false
	})
	s, e := tomorrowAt(10, 0), tomorrowAt(11, 0)
	env.handle(request("z-late", "alice@coop.example", 0, s, e))
	env.jobs()
	env.flushN(1)
	m := env.meeting("z-late")
	env.zoom.AddRecording(m.ID, zoomtest.RecordingFile{FileType: "MP4", Extension: "MP4", Content: []byte("video")})
	first := time.Now().Add(-20 * time.Minute)
	rec := httptest.NewRecorder()
	env.web().ServeHTTP(rec, zoomtest.WebhookRequest("http://roomgate.test/zoom/webhook", secret, first,
		env.zoom.RecordingCompletedEvent(m.ID, first)))
	if rec.Code == http.StatusOK {
		t.Fatalf("an event re-sent with a timestamp 20 minutes old was taken: %d", rec.Code)
	}
	env.clock.Set(e.Add(11 * time.Minute))
	env.recordings()
	if trashed, _, _ := env.zoom.Recording(m.ID); !trashed {
		t.Fatal("polling did not copy the recordings the refused event announced")
	}
}
