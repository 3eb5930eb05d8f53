package zoomapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/zoomapi"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

func TestCreateMeetingSendsZoomsShape(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, err := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("roomgate:b42"))
	if err != nil {
		t.Fatal(err)
	}
	var post zoomtest.Call
	for _, c := range f.srv.Calls() {
		if c.Method == http.MethodPost && c.Path == "/v2/users/host@coop.example/meetings" {
			post = c
		}
	}
	want := `{"topic":"Atelier compta","type":2,"start_time":"2026-03-03T10:00:00Z","duration":60,` +
		`"timezone":"Europe/Paris","password":"k7Hq2mPz9a","agenda":"roomgate:b42","settings":{"host_video":false,` +
		`"participant_video":false,"join_before_host":false,"mute_upon_entry":true,"waiting_room":true,"auto_recording":"cloud"}}`
	if string(post.Body) != want {
		t.Fatalf("body\n%s\nwant\n%s", post.Body, want)
	}
	if post.Status != http.StatusCreated {
		t.Fatalf("status %d", post.Status)
	}
	if m.ID != 81234567890 || m.Topic != "Atelier compta" || m.Password != "k7Hq2mPz9a" || m.Duration != 60 ||
		!m.StartTime.Equal(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)) || !strings.HasPrefix(m.JoinURL, "https://zoom.us/j/81234567890") ||
		m.StartURL == "" || m.Settings.WaitingRoom == nil || !*m.Settings.WaitingRoom {
		t.Fatalf("meeting = %+v", m)
	}
	st, _ := f.srv.Meeting(m.ID)
	if st.HostID != zoomtest.DefaultUser.ID || st.Settings.AutoRecording != "cloud" || st.Timezone != "Europe/Paris" {
		t.Fatalf("fake state = %+v", st)
	}
	f.noSecrets(t, fmt.Sprintf("%v %+v", m, m))
}

func TestGetMeetingFreshStartURL(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, err := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.c.GetMeeting(ctx(t), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.c.GetMeeting(ctx(t), m.ID)
	if a.StartURL.Reveal() == b.StartURL.Reveal() || a.StartURL.Reveal() == m.StartURL.Reveal() ||
		!strings.Contains(a.StartURL.Reveal(), "zak=") {
		t.Fatal("start_url is not fresh on every get")
	}
	if a.Status != "waiting" || a.UUID == "" || a.HostID != zoomtest.DefaultUser.ID {
		t.Fatalf("get = %+v", a)
	}
	f.srv.StartMeeting(m.ID)
	if a, _ = f.c.GetMeeting(ctx(t), m.ID); a.Status != "started" {
		t.Fatalf("status %q, want started", a.Status)
	}
}

func TestUpdateMeeting(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _ := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	moved := time.Date(2026, 3, 4, 14, 30, 0, 0, time.UTC)
	if err := f.c.UpdateMeeting(ctx(t), m.ID, zoomapi.MeetingRequest{StartTime: moved, Duration: 45 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	calls := f.srv.Calls()
	patch := calls[len(calls)-1]
	if patch.Method != http.MethodPatch || string(patch.Body) != `{"start_time":"2026-03-04T14:30:00Z","duration":45}` ||
		patch.Status != http.StatusNoContent {
		t.Fatalf("PATCH %s %s -> %d", patch.Path, patch.Body, patch.Status)
	}
	st, _ := f.srv.Meeting(m.ID)
	if !st.StartTime.Equal(moved) || st.Duration != 45 || st.Topic != "Atelier compta" || st.Password != "k7Hq2mPz9a" {
		t.Fatalf("after update: %+v", st)
	}
}

func TestDeleteMeetingTwice(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _ := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	for i := range 2 {
		if err := f.c.DeleteMeeting(ctx(t), m.ID); err != nil {
			t.Fatalf("delete %d: %v", i+1, err)
		}
	}
	_, err := f.c.GetMeeting(ctx(t), m.ID)
	var e *zoomapi.Error
	if !errors.Is(err, zoomapi.ErrNotFound) || !errors.As(err, &e) || e.Code != 3001 {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestCreateAnswerLostThenFound(t *testing.T) {
	// Zoom creates the meeting but the answer is lost: the client does not
	// retry the POST, and the marker finds the meeting, so a booking never
	// gets two meetings.
	f := newFixture(t, zoomtest.Options{}, nil)
	f.srv.Fail(zoomtest.Fault{Method: http.MethodPost, Path: "/v2/users/", Status: 502, After: true})
	_, err := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("roomgate:booking-7"))
	var e *zoomapi.Error
	if !errors.As(err, &e) || !e.Temporary() {
		t.Fatalf("err = %v, want a temporary error", err)
	}
	found, err := f.c.FindMeeting(ctx(t), "host@coop.example", "roomgate:booking-7")
	if err != nil || found == nil {
		t.Fatalf("FindMeeting = %v, %v", found, err)
	}
	if n := f.srv.Count(http.MethodPost, "/v2/users/"); n != 1 {
		t.Fatalf("%d creation requests, want 1", n)
	}
	if len(f.srv.Meetings()) != 1 || found.ID != f.srv.Meetings()[0].ID {
		t.Fatalf("meetings = %+v, found %+v", f.srv.Meetings(), found)
	}
	if other, _ := f.c.FindMeeting(ctx(t), "host@coop.example", "roomgate:booking-8"); other != nil {
		t.Fatalf("found %+v for another booking", other)
	}
}

func TestListMeetingsPagesAndLive(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	var ids []int64
	for i := range 302 {
		m, err := f.c.CreateMeeting(ctx(t), "host@coop.example", booking(fmt.Sprintf("roomgate:b%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	all, err := f.c.ListMeetings(ctx(t), "host@coop.example", zoomapi.ListScheduled)
	if err != nil || len(all) != 302 || all[301].Agenda != "roomgate:b301" {
		t.Fatalf("%d meetings, %v", len(all), err)
	}
	if n := f.srv.Count(http.MethodGet, "/v2/users/host@coop.example/meetings"); n != 2 {
		t.Fatalf("%d list pages, want 2", n)
	}
	f.srv.StartMeeting(ids[5])
	live, err := f.c.ListMeetings(ctx(t), "host@coop.example", zoomapi.ListLive)
	if err != nil || len(live) != 1 || live[0].ID != ids[5] {
		t.Fatalf("live = %+v, %v", live, err)
	}
}

func TestEndMeetingAndPastMeeting(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _ := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	if _, err := f.c.GetPastMeeting(ctx(t), fmt.Sprint(m.ID)); !errors.Is(err, zoomapi.ErrNotFound) {
		t.Fatalf("a meeting never held: %v", err)
	}
	f.srv.StartMeeting(m.ID)
	f.clock.Advance(50 * time.Minute)
	if err := f.c.EndMeeting(ctx(t), m.ID); err != nil {
		t.Fatal(err)
	}
	calls := f.srv.Calls()
	if put := calls[len(calls)-1]; put.Method != http.MethodPut || string(put.Body) != `{"action":"end"}` {
		t.Fatalf("end sent %s %s", put.Method, put.Body)
	}
	p, err := f.c.GetPastMeeting(ctx(t), fmt.Sprint(m.ID))
	if err != nil || p.Duration != 50 || p.ID != m.ID || p.EndTime.Sub(p.StartTime.Time) != 50*time.Minute {
		t.Fatalf("past = %+v, %v", p, err)
	}
}

func TestGetUser(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	u, err := f.c.GetUser(ctx(t), "host@coop.example")
	if err != nil || u.ID != zoomtest.DefaultUser.ID || u.Type != zoomapi.Licensed || u.Status != "active" {
		t.Fatalf("user = %+v, %v", u, err)
	}
	_, err = f.c.GetUser(ctx(t), "nobody@coop.example")
	var e *zoomapi.Error
	if !errors.Is(err, zoomapi.ErrNotFound) || !errors.As(err, &e) || e.Code != 1001 {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestCreateMeetingRefusedByTheFake(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	r := booking("x")
	r.Timezone = "Mars/Olympus"
	_, err := f.c.CreateMeeting(ctx(t), "host@coop.example", r)
	var e *zoomapi.Error
	if !errors.As(err, &e) || e.Status != 400 || e.Code != 300 || e.Message != "Validation Failed." {
		t.Fatalf("err = %v", err)
	}
}
