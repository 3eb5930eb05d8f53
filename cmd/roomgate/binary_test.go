package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/db/dbtest"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// runBin runs the binary to completion and returns its exit code and
// combined output.
func runBin(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(roomgateBinary(t), args...)
	cmd.Env = binEnv(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("%v: %v", args, err)
	}
	return 0, string(out)
}

// binConfig writes a configuration for the binary; extra is appended.
func binConfig(t *testing.T, srv *mailtest.IMAPServer, sink *mailtest.SMTPSink, listen, extra string) string {
	t.Helper()
	driver, dsn := dbtest.New(t)
	dir := t.TempDir()
	for name, secret := range map[string]string{"imap_password": srv.Password(), "host_key": "483920",
		"http_token": testMemberToken, "operator_token": testOperatorToken} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(secret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`language = "en"
log_level = "info"
[database]
driver = %q
dsn = %q
[imap]
address = %q
security = "insecure"
username = %q
password_file = "${CREDENTIALS_DIRECTORY:-%s}/imap_password"
poll_interval = "200ms"
[smtp]
address = %q
security = "insecure"
[account]
host_key_file = "${CREDENTIALS_DIRECTORY:-%s}/host_key"
[policy]
organizers = ["@coop.example"]
[http]
listen = %q
token_file = "%s/http_token"
operator_token_file = "%s/operator_token"
[[rooms]]
name = "Salle Opteos"
address = "zoom@coop.example"
join_url = "https://zoom.us/j/81234567890"
%s`, driver, dsn, srv.Addr(), srv.Username(), dir, sink.Addr(), dir, listen, dir, dir, extra)
	path := filepath.Join(dir, "roomgate.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// binaryCommands runs the built binary's own commands: version, demo,
// check (passing, failing), backup and healthcheck.
func binaryCommands(t *testing.T) {
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	cfg := binConfig(t, srv, sink, "", "")
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"version", []string{"version"}, 0, []string{"roomgate ", runtimeVersion()}},
		{"help", []string{"help"}, 0, []string{"Commands:", "backup", "healthcheck", "roomgate "}},
		{"demo", []string{"demo", "-lang", "en"}, 0, []string{"ACCEPTED, reply to alice@coop.example", "DECLINED", "10 minutes kept free", "Invitation unreadable: nothing is booked", "filed in roomgate/Other"}},
		{"check", []string{"check", "-config", cfg, "-skip", "placeholders"}, 0, []string{"config      ok", "database    ok", "imap        ok", "smtp        ok"}},
		{"check skipping", []string{"check", "-config", cfg, "-skip", "imap,smtp,placeholders"}, 0, []string{"imap        skipped", "smtp        skipped"}},
		{"backup", []string{"backup", "-config", cfg, filepath.Join(t.TempDir(), "b.db")}, 0, []string{"backup written to", "schema version"}},
		{"healthcheck of nothing", []string{"healthcheck", "-url", "http://" + freeAddr(t) + "/healthz"}, 1, []string{"not answering"}},
	}
	for i := range tests {
		if tests[i].name == "backup" && os.Getenv(dbtest.EnvBackend) == "postgres" {
			tests[i].code, tests[i].want = 1, []string{"backed up with pg_dump"}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			began := time.Now()
			code, out := runBin(t, tt.args...)
			if code != tt.code {
				t.Logf("the run took %s", time.Since(began))
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	srv.Close() // IMAP unreachable: check says so and fails
	code, out := runBin(t, "check", "-config", cfg)
	if code != 1 || !strings.Contains(out, "imap        FAIL") || !strings.Contains(out, "placeholders FAIL") {
		t.Errorf("check with IMAP down: exit %d:\n%s", code, out)
	}
}

func runtimeVersion() string {
	out, _ := exec.Command("go", "env", "GOVERSION").Output()
	return strings.TrimSpace(string(out))
}

// serveProcess is `roomgate serve` run from the binary, with its log.
type serveProcess struct {
	cmd  *exec.Cmd
	logs *logBuffer
	done chan struct{}
}

func startServe(t *testing.T, cfg string) *serveProcess {
	t.Helper()
	p := &serveProcess{cmd: exec.Command(roomgateBinary(t), "serve", "-config", cfg), logs: &logBuffer{t: t}, done: make(chan struct{})}
	p.cmd.Env = binEnv(t)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(p.logs, sc.Text())
		}
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// count is how many log lines hold sub.
func (p *serveProcess) count(sub string) int { return strings.Count(p.logs.String(), sub) }

// binaryServe runs `roomgate serve` as a facilitator would: it logs in,
// says it started, answers an invitation and /healthz, keeps running
// through a refused reload and its metrics through an accepted one, and
// stops cleanly on SIGTERM.
func binaryServe(t *testing.T) {
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	listen := freeAddr(t)
	cfg := binConfig(t, srv, sink, listen, "")
	p := startServe(t, cfg)
	started := p.logs.waitLine(t, "roomgate started", 20*time.Second)
	logs := p.logs.String()
	if i, j := strings.Index(logs, "IMAP logged in"), strings.Index(logs, started); i < 0 || i > j {
		t.Errorf("\"roomgate started\" is not after the IMAP login:\n%s", logs)
	}
	if !strings.Contains(p.logs.line("roomgate starting"), "version=") {
		t.Errorf("the first line does not give the version:\n%s", logs)
	}
	srv.Append(t, "INBOX", request("bin-1", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)).mail())
	checkReply(t, sink.Wait(t, 1, 20*time.Second)[0], "alice@coop.example", "ACCEPTED", true)
	base := "http://" + listen
	waitHTTP(t, base+"/healthz", http.StatusOK, `"version":"`)
	if code, out := runBin(t, "healthcheck", "-config", cfg); code != 0 || !strings.Contains(out, `"status":"ok"`) {
		t.Errorf("healthcheck: exit %d:\n%s", code, out)
	}
	accepted := `roomgate_messages_total{action="accepted",kind="request"} 1`
	waitHTTP(t, base+"/metrics?token="+testOperatorToken, http.StatusOK, accepted)

	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rewrite := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rewrite(string(good) + "\nnot_a_key = 1\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.logs.waitLine(t, "reload refused", 10*time.Second)
	if n := p.count("roomgate stopped"); n != 0 {
		t.Errorf("a refused reload stopped the daemon:\n%s", p.logs.String())
	}
	rewrite(strings.Replace(string(good), `language = "en"`, `language = "fr"`, 1))
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the reload", 20*time.Second, func() bool { return p.count("roomgate started") == 2 })
	waitHTTP(t, base+"/metrics?token="+testOperatorToken, http.StatusOK, accepted) // survived

	p.cmd.Process.Signal(syscall.SIGTERM)
	// The whole log first: Wait closes the pipe, and a read still under
	// way would lose the last lines (os/exec: "it is incorrect to call Wait
	// before all reads from the pipe have completed").
	<-p.done
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, p.logs.String())
	}
	if p.count("roomgate stopped") != 2 {
		t.Errorf("want one stop for the reload and one for SIGTERM:\n%s", p.logs.String())
	}
	if strings.Contains(p.logs.String(), "483920") || strings.Contains(p.logs.String(), testOperatorToken) {
		t.Errorf("the log shows a secret:\n%s", p.logs.String())
	}
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(within)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBinary runs the binary built with -cover as a facilitator would,
// then checks that its coverage data shows the commands' own code run.
func TestBinary(t *testing.T) {
	t.Parallel() // its own servers and database
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Run("commands", binaryCommands)
	t.Run("serve", binaryServe)
	_, dir := coverBinary(t)
	out, err := exec.Command("go", "tool", "covdata", "func", "-i="+dir).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool covdata: %v\n%s", err, out)
	}
	cover := map[string]float64{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && strings.HasSuffix(f[2], "%") {
			pct, _ := strconv.ParseFloat(strings.TrimSuffix(f[2], "%"), 64)
			cover[f[1]] = max(cover[f[1]], pct)
		}
	}
	for _, fn := range []string{"runServe", "serveWith", "waitReload", "runDemo", "runCheck", "runBackup", "runVersion", "runHealthcheck"} {
		if cover[fn] == 0 {
			t.Errorf("%s: not run by the binary's tests (coverage %v%%)", fn, cover[fn])
		}
	}
}
