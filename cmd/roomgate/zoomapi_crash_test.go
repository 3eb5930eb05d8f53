package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/db/dbtest"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// TestZoomCrashBetweenCreateAndRecord kills `roomgate serve` with SIGKILL
// after Zoom created a booking's meeting but before roomgate heard the
// answer, then starts it again: the meeting exists once, roomgate finds
// it by its marker and records it, and the member gets the fixed room's
// details (the accept mail could wait no longer) then the meeting's own
// link.
func TestZoomCrashBetweenCreateAndRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("starts separate processes and waits out a job's (short) lease")
	}
	bin := roomgateBinary(t)
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	fake := zoomtest.New(zoomtest.Options{})
	defer fake.Close()
	driver, dsn := dbtest.New(t)
	// A short lease: the restarted run takes the killed run's job over
	// once it ended. Its 3 s run still leaves the fake ample time.
	cfg := zoomInstanceConfig(t, srv, sink, fake, driver, dsn, "job_lease = \"4s\"\n")

	var mu sync.Mutex
	var in *instance
	killed := make(chan struct{})
	fake.Fail(zoomtest.Fault{Method: http.MethodPost, Path: "/v2/users/", Status: http.StatusBadGateway, After: true,
		Hook: func() {
			mu.Lock()
			defer mu.Unlock()
			in.kill() // Zoom made the meeting; roomgate never hears of it
			close(killed)
		}})
	mu.Lock()
	in = startInstance(t, bin, cfg)
	mu.Unlock()
	srv.Append(t, "INBOX", request("crash-1", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)).mail())
	select {
	case <-killed:
	case <-time.After(30 * time.Second):
		t.Fatal("roomgate never asked Zoom for the meeting")
	}
	if n := len(fake.Meetings()); n != 1 {
		t.Fatalf("%d meetings on Zoom at the crash, want 1", n)
	}
	startInstance(t, bin, cfg)
	got := sink.Wait(t, 2, 90*time.Second) // the crashed run's 4 s lease, then the search
	m := fake.Meetings()
	if len(m) != 1 || m[0].Deleted {
		t.Fatalf("%d meetings after the restart, want the one made before the crash: %+v", len(m), m)
	}
	if n := fake.Count(http.MethodPost, "/v2/users/"); n != 1 {
		t.Errorf("%d creations asked, want 1", n)
	}
	ps, _, first := describeReply(got[0].Data)
	if ps != "ACCEPTED" || !strings.Contains(first, "https://zoom.us/j/85550001111") {
		t.Errorf("first mail (%s) lacks the fixed room:\n%s", ps, first)
	}
	_, subject, second := describeReply(got[1].Data)
	if link := fmt.Sprintf("https://zoom.us/j/%d?pwd=", m[0].ID); !strings.Contains(second, link) || !strings.Contains(second, m[0].Password) {
		t.Errorf("second mail %q lacks the meeting's link %s:\n%s", subject, link, second)
	}
	checkZoomRecord(t, driver, dsn, m[0].ID)
}

// checkZoomRecord verifies that the database recorded the meeting.
func checkZoomRecord(t *testing.T, driver, dsn string, meetingID int64) {
	t.Helper()
	store, err := db.Open(context.Background(), db.Options{Driver: driver, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	zm, err := store.ZoomMeetingByID(context.Background(), meetingID)
	if err != nil || zm == nil || zm.State != "created" {
		t.Errorf("meeting %d recorded as %+v (%v)", meetingID, zm, err)
	}
}

// zoomInstanceConfig writes the configuration of a daemon in Zoom API mode.
// extra is added to its [zoom_api] section.
func zoomInstanceConfig(t *testing.T, srv *mailtest.IMAPServer, sink *mailtest.SMTPSink, fake *zoomtest.Server, driver, dsn, extra string) string {
	t.Helper()
	cfg := fmt.Sprintf(`language = "en"
timezone = "Europe/Paris"
log_level = "warn"
[database]
driver = %q
dsn = %q
[imap]
address = %q
security = "insecure"
username = %q
password = %q
poll_interval = "1s"
[smtp]
address = %q
security = "insecure"
[account]
host_key = "483920"
[policy]
organizers = ["@coop.example"]
[zoom_api]
enabled = true
account_id = %q
client_id = %q
client_secret = %q
user = %q
api_url = %q
oauth_url = %q
per_booking_meetings = true
create_timeout = "2s"
%s[[rooms]]
name = "Salle Opteos"
address = "zoom@coop.example"
join_url = "https://zoom.us/j/85550001111?pwd=fixed"
meeting_id = "855 5000 1111"
`, driver, dsn, srv.Addr(), srv.Username(), srv.Password(), sink.Addr(), zoomtest.DefaultAccountID, zoomtest.DefaultClientID,
		zoomtest.DefaultClientSecret, zoomtest.DefaultUser.Email, fake.APIURL(), fake.TokenURL(), extra)
	path := filepath.Join(t.TempDir(), "roomgate.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
