package web

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromiumPath finds Debian's chromium, or skips the test (fails it when
// ROOMGATE_TEST_STRICT=1, as in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("ROOMGATE_TEST_STRICT") == "1" {
		t.Fatal("chromium is not installed (apt-get install chromium); ROOMGATE_TEST_STRICT=1 forbids skipping")
	}
	t.Skip("chromium is not installed: apt-get install chromium to run the browser test")
	return ""
}

// runChromium runs headless chromium with the given extra arguments and
// returns its standard output.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// TestBrowser renders the agenda in a real browser on a phone-sized
// window: the bookings are there, the hostile title is text, and no script
// ran. The screenshot is kept in ROOMGATE_ARTIFACTS when set.
func TestBrowser(t *testing.T) {
	bin := chromiumPath(t)
	srv := httptest.NewServer(newServer(t, sampleStore()))
	defer srv.Close()
	url := srv.URL + "/?week=2026-11-30&token=" + memberToken

	dom := string(runChromium(t, bin, "--dump-dom", url))
	wantContains(t, "DOM", dom, "Week of Monday 30 November 2026", "Point mensuel", "Formation",
		`<span class="title">&lt;script&gt;alert(1)&lt;/script&gt;</span>`, "by Mallory &lt;b&gt;bold&lt;/b&gt;",
		`<li class="free"><span class="time">08:00–09:50</span> Free</li>`)
	wantLacks(t, "DOM", dom, "<script", "<b>bold")

	shot := filepath.Join(t.TempDir(), "agenda-phone.png")
	runChromium(t, bin, "--screenshot="+shot, "--window-size=412,915", url)
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", shot, len(png))
	}
	t.Logf("screenshot: %s", shot)
	if dir := os.Getenv("ROOMGATE_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		kept := filepath.Join(dir, "agenda-phone.png")
		if err := os.WriteFile(kept, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot kept: %s", kept)
	}
}
