package zoomapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/zoomapi"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// The fake behaves as Zoom's Meetings API document says; these tests read
// each of those behaviours through the client.

func TestBareFilesAndParticipantAudio(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _ := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	f.srv.StartMeeting(m.ID)
	f.clock.Advance(time.Hour)
	f.srv.EndMeeting(m.ID)
	cc, timeline := []byte("WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour"), []byte(`{"timeline":[]}`)
	alice := bytes.Repeat([]byte("alice "), 300)
	f.srv.AddRecording(m.ID,
		zoomtest.RecordingFile{FileType: "MP4", Extension: "MP4", RecordingType: "shared_screen_with_speaker_view", Content: []byte("video")},
		zoomtest.RecordingFile{FileType: "CC", Extension: "VTT", Content: cc},
		zoomtest.RecordingFile{FileType: "TIMELINE", Extension: "JSON", Content: timeline},
		zoomtest.RecordingFile{FileType: "M4A", ParticipantAudio: true, FileName: "Alice.m4a", Content: alice})
	recs, err := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID))
	if err != nil || len(recs.Files) != 3 || len(recs.ParticipantAudio) != 1 || len(recs.AllFiles()) != 4 {
		t.Fatalf("recordings = %+v, %v", recs, err)
	}
	for _, rf := range recs.Files[1:] {
		if rf.ID != "" || rf.FileSize != 0 || rf.Status != "" || rf.RecordingType != "" || rf.PlayURL != "" || rf.DownloadURL == "" {
			t.Fatalf("a %s file as Zoom lists it has no id, size, status, type or play URL: %+v", rf.FileType, rf)
		}
	}
	if a := recs.ParticipantAudio[0]; a.ID == "" || a.FileName != "Alice.m4a" || a.FileSize != int64(len(alice)) {
		t.Fatalf("participant audio = %+v", a)
	}
	dir := t.TempDir()
	for i, rf := range recs.AllFiles()[1:] {
		d, err := f.c.Download(ctx(t), rf, dir, fmt.Sprintf("f%d", i), zoomapi.DownloadOptions{})
		if err != nil {
			t.Fatalf("download %s: %v", rf.FileType, err)
		}
		want := map[int]string{0: "complete", 1: "complete", 2: "size"}[i]
		got, _ := os.ReadFile(d.Path)
		if d.Checked != want || d.Size != int64(len(got)) || d.SHA256 != sum(got) {
			t.Fatalf("download %s: %+v, want checked by %s", rf.FileType, d, want)
		}
	}
	// Every download was answered by a redirect to the storage, followed.
	redirects := 0
	for _, c := range f.srv.Calls() {
		if strings.HasPrefix(c.Path, "/rec/download/") && c.Status == http.StatusFound {
			redirects++
		}
	}
	if redirects != 3 || f.srv.Count("GET", "/rec/storage/") != 3 {
		t.Fatalf("%d redirects, %d storage reads", redirects, f.srv.Count("GET", "/rec/storage/"))
	}
	if err := f.c.TrashRecordings(ctx(t), fmt.Sprint(m.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Download(ctx(t), recs.ParticipantAudio[0], dir, "again", zoomapi.DownloadOptions{}); !errors.Is(err, zoomapi.ErrNotFound) {
		t.Fatalf("participant audio after the trash: %v", err)
	}
}

func TestInstancesOfAMeetingHeldTwice(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _ := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	for i, uuid := range []string{"", "/ajXp112QmuoKj4854875=="} {
		f.srv.StartMeeting(m.ID)
		if uuid != "" {
			f.srv.SetUUID(m.ID, uuid)
		}
		f.srv.AddRecording(m.ID, zoomtest.RecordingFile{FileType: "M4A", Extension: "M4A", Content: []byte{byte('a' + i)}})
		f.clock.Advance(time.Hour)
		f.srv.EndMeeting(m.ID)
		f.clock.Advance(time.Hour)
	}
	ins, err := f.c.Instances(ctx(t), m.ID)
	if err != nil || len(ins) != 2 || ins[1].UUID != "/ajXp112QmuoKj4854875==" || ins[0].UUID == ins[1].UUID {
		t.Fatalf("instances = %+v, %v", ins, err)
	}
	for i, in := range ins {
		recs, err := f.c.ListRecordings(ctx(t), in.UUID)
		if err != nil || recs.UUID != in.UUID || len(recs.Files) != 1 {
			t.Fatalf("instance %d: %+v, %v", i, recs, err)
		}
	}
	if got := f.srv.Calls()[len(f.srv.Calls())-1].Path; got != "/v2/meetings/%252FajXp112QmuoKj4854875==/recordings" {
		t.Fatalf("a UUID holding / went as %s", got)
	}
	// The fake refuses a UUID holding "/" encoded once, as Zoom would.
	code, _ := rawGet(t, f, "/v2/meetings/"+strings.ReplaceAll("/ajXp112QmuoKj4854875==", "/", "%2F")+"/recordings")
	if code != http.StatusNotFound {
		t.Fatalf("a UUID encoded once was found: %d", code)
	}
	if ins, err := f.c.Instances(ctx(t), 99); err != nil || len(ins) != 0 {
		t.Fatalf("instances of an unknown meeting: %v, %v", ins, err)
	}
}

// rawGet sends an authorised GET, as a careless client would.
func rawGet(t *testing.T, f *fixture, path string) (int, string) {
	t.Helper()
	treq, _ := http.NewRequest(http.MethodPost, f.srv.TokenURL()+"?grant_type=account_credentials&account_id="+zoomtest.DefaultAccountID, nil)
	treq.SetBasicAuth(zoomtest.DefaultClientID, zoomtest.DefaultClientSecret)
	tresp, err := http.DefaultClient.Do(treq)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(tresp.Body).Decode(&tok)
	tresp.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestReportWaitingRoomAndTwoParticipants(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _ := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	t0 := f.clock.Now()
	f.srv.StartMeeting(m.ID)
	f.srv.AddParticipant(m.ID, zoomtest.Participant{Name: "Alice", Join: t0, Leave: t0.Add(time.Hour)})
	f.srv.AddParticipant(m.ID, zoomtest.Participant{Name: "Bob", Join: t0, Leave: t0.Add(time.Minute), Waiting: true})
	f.srv.EndMeeting(m.ID)
	// One person admitted: no report, but the past meeting says so.
	if _, err := f.c.Participants(ctx(t), fmt.Sprint(m.ID)); !errors.Is(err, zoomapi.ErrNotFound) {
		t.Fatalf("report of a meeting with one participant: %v", err)
	}
	if p, err := f.c.GetPastMeeting(ctx(t), fmt.Sprint(m.ID)); err != nil || p.ParticipantsCount != 1 {
		t.Fatalf("past meeting = %+v, %v", p, err)
	}
	f.srv.StartMeeting(m.ID)
	f.srv.AddParticipant(m.ID, zoomtest.Participant{Name: "Alice", Join: t0, Leave: t0.Add(time.Hour)})
	f.srv.AddParticipant(m.ID, zoomtest.Participant{Name: "Chloé", Join: t0, Leave: t0.Add(time.Hour)})
	f.srv.AddParticipant(m.ID, zoomtest.Participant{Name: "Bob", Join: t0, Leave: t0.Add(time.Minute), Waiting: true})
	f.srv.EndMeeting(m.ID)
	ps, err := f.c.Participants(ctx(t), fmt.Sprint(m.ID))
	if err != nil || len(ps) != 3 || ps[2].Status != "in_waiting_room" || !ps[2].Waiting() || ps[0].Waiting() {
		t.Fatalf("participants = %+v, %v", ps, err)
	}
}

func TestRefusalsAsZoomAnswers(t *testing.T) {
	f := newFixture(t, zoomtest.Options{
		PasscodeRule:      func(p string) bool { return strings.ContainsAny(p, "@-_*") },
		GeneratedPasscode: "Zx@81_qk",
	}, nil)
	_, err := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	if !zoomapi.IsPasscodeRefused(err) {
		t.Fatalf("a passcode the rules refuse: %v", err)
	}
	r := booking("x")
	r.Password, r.DefaultPassword = "", true
	m, err := f.c.CreateMeeting(ctx(t), "host@coop.example", r)
	if err != nil || m.Password != "Zx@81_qk" {
		t.Fatalf("created %+v, %v", m, err)
	}
	if b := f.srv.Calls()[len(f.srv.Calls())-1].Body; !bytes.Contains(b, []byte(`"default_password":true`)) || bytes.Contains(b, []byte(`"password"`)) {
		t.Fatalf("body %s", b)
	}
	f.srv.StartMeeting(m.ID)
	if err := f.c.DeleteMeeting(ctx(t), m.ID); !zoomapi.IsInProgress(err) {
		t.Fatalf("delete a live meeting: %v", err)
	}
	if err := f.c.EndMeeting(ctx(t), m.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.c.DeleteMeeting(ctx(t), m.ID); err != nil {
		t.Fatalf("delete once ended: %v", err)
	}
}

func TestListCutsAgendaAt250(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	r := booking(strings.Repeat("é", 240) + " roomgate rg-far-away")
	m, err := f.c.CreateMeeting(ctx(t), "host@coop.example", r)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := f.c.ListMeetings(ctx(t), "host@coop.example", zoomapi.ListScheduled)
	if len(list) != 1 || len([]rune(list[0].Agenda)) != 250 {
		t.Fatalf("list agenda of %d characters", len([]rune(list[0].Agenda)))
	}
	if got, _ := f.c.GetMeeting(ctx(t), m.ID); len([]rune(got.Agenda)) != 261 {
		t.Fatalf("get agenda of %d characters", len([]rune(got.Agenda)))
	}
	if s, _ := f.c.FindMeeting(ctx(t), "host@coop.example", "rg-far-away"); s != nil {
		t.Fatal("a marker past 250 characters was found in the list")
	}
}

func TestDailyLimitOfTheFake(t *testing.T) {
	f := newFixture(t, zoomtest.Options{DailyMeetingLimit: 1}, nil)
	if _, err := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("a")); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("b"))
	d, _ := zoomapi.RetryAfter(err)
	if !zoomapi.IsDailyLimit(err) || d != 16*time.Hour || len(f.Waits()) != 0 {
		t.Fatalf("second creation: %v, wait %s, waits %v", err, d, f.Waits())
	}
	var last zoomtest.Call
	for _, c := range f.srv.Calls() {
		last = c
	}
	if last.Status != http.StatusTooManyRequests {
		t.Fatalf("last call %+v", last)
	}
}

func TestUnsizedEmptyFileRefused(t *testing.T) {
	// A CC file has no size to check: an empty copy is never taken for one.
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _ := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	f.srv.AddRecording(m.ID, zoomtest.RecordingFile{FileType: "CC", Extension: "VTT"})
	recs, err := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err = f.c.Download(ctx(t), recs.Files[0], dir, "cc.vtt", zoomapi.DownloadOptions{})
	var ve *zoomapi.VerifyError
	if !errors.As(err, &ve) || len(dirNames(t, dir)) != 0 {
		t.Fatalf("empty unsized file: %v, dir %v", err, dirNames(t, dir))
	}
}
