package zoomapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/zoomapi"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// recorded creates a meeting, holds it and gives it two recording files.
func recorded(t *testing.T, f *fixture) (*zoomapi.Meeting, string, [][]byte) {
	t.Helper()
	m, err := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	if err != nil {
		t.Fatal(err)
	}
	f.srv.StartMeeting(m.ID)
	f.clock.Advance(time.Hour)
	f.srv.EndMeeting(m.ID)
	video := bytes.Repeat([]byte("mp4 frame "), 10000)
	audio := bytes.Repeat([]byte("m4a "), 777)
	tok := f.srv.AddRecording(m.ID,
		zoomtest.RecordingFile{FileType: "MP4", Extension: "MP4", RecordingType: "shared_screen_with_speaker_view", Content: video},
		zoomtest.RecordingFile{FileType: "M4A", Extension: "M4A", RecordingType: "audio_only", Content: audio})
	return m, tok, [][]byte{video, audio}
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// dirNames lists dir, to see that no temporary file is left behind.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestListAndDownloadRecordings(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _, contents := recorded(t, f)
	recs, err := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID))
	if err != nil || len(recs.Files) != 2 || recs.RecordingCount != 2 {
		t.Fatalf("recordings = %+v, %v", recs, err)
	}
	dir := t.TempDir()
	for i, rf := range recs.Files {
		if rf.Status != "completed" || rf.FileSize != int64(len(contents[i])) || rf.MeetingID != recs.UUID {
			t.Fatalf("file %d = %+v", i, rf)
		}
		name := fmt.Sprintf("rec-%d.%s", i, strings.ToLower(rf.FileExtension))
		d, err := f.c.Download(ctx(t), rf, dir, name, zoomapi.DownloadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(d.Path)
		fi, _ := os.Stat(d.Path)
		if !bytes.Equal(got, contents[i]) || d.SHA256 != sum(contents[i]) || d.Size != int64(len(contents[i])) ||
			fi.Mode().Perm() != 0o600 {
			t.Fatalf("download %d: %+v, mode %v", i, d, fi.Mode())
		}
	}
	if names := dirNames(t, dir); strings.Join(names, " ") != "rec-0.mp4 rec-1.m4a" {
		t.Fatalf("dir holds %v", names)
	}
	for _, c := range f.srv.Calls() {
		if strings.HasPrefix(c.Path, "/rec/download/") && (c.Auth != "bearer" || len(c.Query) != 0) {
			t.Fatalf("download sent auth %q query %v; the token goes in the header only", c.Auth, c.Query)
		}
	}
	f.noSecrets(t)
}

func TestDownloadWithDownloadToken(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, tok, contents := recorded(t, f)
	recs, _ := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID))
	f.srv.SetScopes() // the API token could no longer download: only the download token works
	f.srv.RevokeTokens()
	d, err := f.c.Download(ctx(t), recs.Files[1], t.TempDir(), "a.m4a", zoomapi.DownloadOptions{Token: zoomapi.Secret(tok)})
	if err != nil || d.SHA256 != sum(contents[1]) {
		t.Fatalf("download = %+v, %v", d, err)
	}
	_, err = f.c.Download(ctx(t), recs.Files[1], t.TempDir(), "b.m4a", zoomapi.DownloadOptions{Token: "fake-dl-wrong"})
	var e *zoomapi.Error
	if !errors.As(err, &e) || e.Status != http.StatusUnauthorized {
		t.Fatalf("wrong token: %v", err)
	}
	f.noSecrets(t, err.Error())
}

func TestDownloadCutShortIsRetried(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _, contents := recorded(t, f)
	recs, _ := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID))
	f.srv.ShortenDownloads(1)
	dir := t.TempDir()
	d, err := f.c.Download(ctx(t), recs.Files[0], dir, "v.mp4", zoomapi.DownloadOptions{})
	if err != nil || d.SHA256 != sum(contents[0]) {
		t.Fatalf("download = %+v, %v", d, err)
	}
	if w := f.Waits(); len(w) != 1 || w[0] != time.Second {
		t.Fatalf("waits %v, want one retry", w)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("dir holds %v", names)
	}
}

func TestDownloadNeverVerifiedLeavesNothing(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _, _ := recorded(t, f)
	recs, _ := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID))
	f.srv.ShortenDownloads(99)
	dir := t.TempDir()
	_, err := f.c.Download(ctx(t), recs.Files[0], dir, "v.mp4", zoomapi.DownloadOptions{})
	var ve *zoomapi.VerifyError
	if !errors.As(err, &ve) || ve.What != "size" {
		t.Fatalf("err = %v, want a size VerifyError", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Fatalf("dir holds %v after a failed download", names)
	}
	if n := f.srv.Count(http.MethodGet, "/rec/download/"); n != 4 {
		t.Fatalf("%d download attempts, want 4", n)
	}
}

func TestDownloadChecksum(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _, contents := recorded(t, f)
	recs, _ := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID))
	rf := recs.Files[1]
	rf.FileSize = 0 // only a checksum to verify with
	if _, err := f.c.Download(ctx(t), rf, t.TempDir(), "ok.m4a", zoomapi.DownloadOptions{SHA256: strings.ToUpper(sum(contents[1]))}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err := f.c.Download(ctx(t), rf, dir, "bad.m4a", zoomapi.DownloadOptions{SHA256: sum([]byte("other"))})
	var ve *zoomapi.VerifyError
	if !errors.As(err, &ve) || ve.What != "SHA-256" || len(dirNames(t, dir)) != 0 {
		t.Fatalf("err = %v, dir %v", err, dirNames(t, dir))
	}
}

func TestDownloadRefusals(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _, _ := recorded(t, f)
	recs, _ := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID))
	good := recs.Files[0]
	tests := []struct {
		name    string
		mod     func(*zoomapi.RecordingFile)
		file    string
		wantErr string
	}{
		{"foreign host", func(r *zoomapi.RecordingFile) { r.DownloadURL = "https://zoom.us.evil.example/rec/download/x" }, "a.mp4", "not one of Zoom's"},
		{"plain http", func(r *zoomapi.RecordingFile) { r.DownloadURL = "http://zoom.us/rec/download/x" }, "a.mp4", "not https"},
		{"path in name", func(*zoomapi.RecordingFile) {}, "../a.mp4", "plain file name"},
		{"hidden name", func(*zoomapi.RecordingFile) {}, ".a.mp4", "plain file name"},
		{"still processing", func(r *zoomapi.RecordingFile) { r.Status = "processing" }, "a.mp4", "not completed"},
	}
	before := len(f.srv.Calls())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rf := good
			tt.mod(&rf)
			_, err := f.c.Download(ctx(t), rf, t.TempDir(), tt.file, zoomapi.DownloadOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if n := len(f.srv.Calls()); n != before {
		t.Fatalf("%d requests made for refused downloads", n-before)
	}
}

func TestTrashRecordings(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _, _ := recorded(t, f)
	if err := f.c.TrashRecordings(ctx(t), fmt.Sprint(m.ID)); err != nil {
		t.Fatal(err)
	}
	calls := f.srv.Calls()
	if del := calls[len(calls)-1]; del.Method != http.MethodDelete || del.Query.Get("action") != "trash" {
		t.Fatalf("sent %s %v", del.Method, del.Query)
	}
	if trashed, deleted, _ := f.srv.Recording(m.ID); !trashed || deleted {
		t.Fatalf("trashed %v deleted %v", trashed, deleted)
	}
	if _, err := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID)); !errors.Is(err, zoomapi.ErrNotFound) {
		t.Fatalf("list after trash: %v", err)
	}
	if err := f.c.TrashRecordings(ctx(t), fmt.Sprint(m.ID)); err != nil {
		t.Fatalf("second trash: %v", err)
	}
}

func TestRecordingsByDoubleEncodedUUID(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _, _ := recorded(t, f)
	f.srv.SetUUID(m.ID, "/ajXp112QmuoKj4854875==")
	recs, err := f.c.ListRecordings(ctx(t), "/ajXp112QmuoKj4854875==")
	if err != nil || recs.ID != m.ID {
		t.Fatalf("recordings = %+v, %v", recs, err)
	}
	calls := f.srv.Calls()
	if p := calls[len(calls)-1].Path; p != "/v2/meetings/%252FajXp112QmuoKj4854875==/recordings" {
		t.Fatalf("path %s", p)
	}
}

func TestParticipantsReport(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _ := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("x"))
	if _, err := f.c.Participants(ctx(t), fmt.Sprint(m.ID)); !errors.Is(err, zoomapi.ErrNotFound) {
		t.Fatalf("report before the meeting: %v", err)
	}
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	f.srv.StartMeeting(m.ID)
	f.srv.AddParticipant(m.ID, zoomtest.Participant{Name: "Alice", Email: "alice@coop.example", Join: t0, Leave: t0.Add(55 * time.Minute)})
	f.srv.AddParticipant(m.ID, zoomtest.Participant{Name: "Invité", Join: t0.Add(5 * time.Minute), Leave: t0.Add(20 * time.Minute)})
	f.srv.EndMeeting(m.ID)
	ps, err := f.c.Participants(ctx(t), fmt.Sprint(m.ID))
	if err != nil || len(ps) != 2 {
		t.Fatalf("participants = %+v, %v", ps, err)
	}
	if ps[0].Name != "Alice" || ps[0].Email != "alice@coop.example" || !ps[0].JoinTime.Equal(t0) ||
		ps[0].Duration != 3300 || ps[1].Email != "" || ps[1].Duration != 900 || ps[1].Status != "in_meeting" {
		t.Fatalf("participants = %+v", ps)
	}
	calls := f.srv.Calls()
	if q := calls[len(calls)-1].Query; q.Get("page_size") != "300" {
		t.Fatalf("query %v", q)
	}
}

func TestDownloadKeepsFileOnDisk(t *testing.T) {
	// A file already there is replaced whole, never half-written.
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _, contents := recorded(t, f)
	recs, _ := f.c.ListRecordings(ctx(t), fmt.Sprint(m.ID))
	dir := t.TempDir()
	path := filepath.Join(dir, "v.mp4")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.srv.ShortenDownloads(99)
	if _, err := f.c.Download(ctx(t), recs.Files[0], dir, "v.mp4", zoomapi.DownloadOptions{}); err == nil {
		t.Fatal("a short download succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("the old file was touched: %d bytes", len(b))
	}
	f.srv.ShortenDownloads(0)
	if _, err := f.c.Download(ctx(t), recs.Files[0], dir, "v.mp4", zoomapi.DownloadOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, contents[0]) {
		t.Fatal("the new file did not replace the old one")
	}
}
