package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// Zoom API mode against the fake as Zoom's Meetings API document
// describes Zoom (issue 20): files without ID or size, participant audio
// files, meetings held twice, waiting rooms, the daily limit, passcode
// rules, fixed rooms outside the lists, meetings in progress.

// openJob returns the job of that kind of a booking that is not done;
// false when there is none (done, or never queued).
func (e *zoomEnv) openJob(bookingID int64, kind string) (gateway.ZoomJob, bool) {
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
	return gateway.ZoomJob{}, false
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
	if j, ok := env.openJob(b.ID, gateway.ZoomJobRecordings); !ok || j.Status != gateway.ZoomJobPending || !strings.Contains(j.LastError, "size") {
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
	dir := filepath.Join(env.cfg.ZoomAPI.RecordingsDir, strconv.FormatInt(b.ID, 10))
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
	if j, ok := env.openJob(env.booking("z-solo").ID, gateway.ZoomJobAttendance); ok {
		t.Errorf("attendance job of a one-person meeting still open: %+v", j)
	}
	if n := env.zoom.Count("GET", "/v2/report/meetings/"); n != 1 {
		t.Errorf("the report of a one-person meeting was asked (%d calls in all)", n)
	}
}
