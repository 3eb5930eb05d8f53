package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// poolConfig writes the example configuration turned into a pool of two
// hosts (keys in files), with extra appended and the rooms' meeting
// removed; edit are more (old, new) pairs for writeConfig.
func poolConfig(t *testing.T, hosts string, edit ...string) string {
	t.Helper()
	dir := t.TempDir()
	for f, v := range map[string]string{"key_a": "271828", "key_b": "314159"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	repl := append([]string{"\nhost_key_file = ", "\n# host_key_file = ", "\nconcurrent_meetings = 1", "\n# concurrent_meetings = 1",
		"\njoin_url = \"https://zoom.us/j/81234567890", "\n# join_url = \"", "\nmeeting_id = \"812", "\n# meeting_id = \"",
		"\npasscode = \"…\"\n# tools", "\n# passcode\n# tools"}, edit...)
	return appendConfig(t, writeConfig(t, repl...), strings.ReplaceAll(hosts, "DIR", dir))
}

const twoHosts = `
[[account.hosts]]
name = "salle-a"
host_key_file = "DIR/key_a"
join_url = "https://zoom.us/j/81111111111?pwd=a"
meeting_id = "811 1111 1111"
passcode = "alpha"

[[account.hosts]]
name = "salle-b"
host_key_file = "DIR/key_b"
join_url = "https://zoom.us/j/82222222222?pwd=b"
`

// TestPoolConfig: a pool reaches the gateway's options, with its keys
// read from their files, and the capacity is the number of hosts.
func TestPoolConfig(t *testing.T) {
	c, err := LoadConfig(poolConfig(t, twoHosts+"\n[[rooms]]\nname = \"Visio\"\naddress = \"visio@coop.example\"\ntools = \"any\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := c.gatewayOptions()
	want := []gateway.Host{
		{Name: "salle-a", HostKey: "271828", JoinURL: "https://zoom.us/j/81111111111?pwd=a", MeetingID: "811 1111 1111", Passcode: "alpha", Meetings: 1},
		{Name: "salle-b", HostKey: "314159", JoinURL: "https://zoom.us/j/82222222222?pwd=b", Meetings: 1},
	}
	if len(o.Hosts) != 2 || o.Hosts[0] != want[0] || o.Hosts[1] != want[1] || o.HostKey != "" || o.Concurrent != 2 {
		t.Errorf("hosts %+v, host key %q, concurrent %d", o.Hosts, o.HostKey, o.Concurrent)
	}
	if len(o.Rooms) != 2 || o.Rooms[1].Tools != gateway.AnyTool || o.Rooms[0].JoinURL != "" {
		t.Errorf("rooms %+v", o.Rooms)
	}
	var out bytes.Buffer
	printPool(&out, c)
	wantOut := "hosts       pool of 2, one meeting each\n" +
		"            - salle-a: https://zoom.us/j/81111111111?pwd=a (host key set)\n" +
		"            - salle-b: https://zoom.us/j/82222222222?pwd=b (host key set)\n" +
		"rooms       visio@coop.example: any tool (Zoom first)\n"
	if out.String() != wantOut {
		t.Errorf("check prints:\n%s\nwant:\n%s", out.String(), wantOut)
	}
	if strings.Contains(out.String(), "271828") {
		t.Error("check prints a host key")
	}
}

// TestPoolConfigErrors: each mistake in a pool is refused with a clear
// error, which never holds a host key.
func TestPoolConfigErrors(t *testing.T) {
	tests := []struct {
		name, hosts string
		edit        []string
		want        string
	}{
		{"account key kept", twoHosts, []string{"\n# host_key_file = ", "\nhost_key_file = "}, "account.host_key: with [[account.hosts]] each host has its own host_key"},
		{"concurrent kept", twoHosts, []string{"\n# concurrent_meetings = 1", "\nconcurrent_meetings = 3"}, "capacity is the number of hosts (2); remove concurrent_meetings"},
		{"room meeting kept", twoHosts, []string{`name = "Salle Opteos"`, `name = "Salle Opteos"` + "\nmeeting_id = \"812 3456 7890\""}, "rooms[0]: with [[account.hosts]] a booking gets its host's meeting"},
		{"same name", strings.Replace(twoHosts, "salle-b", "salle-a", 1), nil, `account.hosts[1].name: "salle-a" is used twice`},
		{"bad name", strings.Replace(twoHosts, "salle-b", "Salle B", 1), nil, `account.hosts[1].name: "Salle B" must be 1 to 32 lower-case`},
		{"no key", strings.Replace(twoHosts, `host_key_file = "DIR/key_b"`, "", 1), nil, "account.hosts[1].host_key is required"},
		{"bad key", strings.Replace(twoHosts, `host_key_file = "DIR/key_b"`, `host_key = "12ab56"`, 1), nil, "account.hosts[1].host_key must be the user's 6 to 10 digits"},
		{"missing key file", strings.Replace(twoHosts, "DIR/key_b", "/nonexistent/key", 1), nil, "account.hosts[1].host_key_file"},
		{"no room", strings.Replace(twoHosts, `join_url = "https://zoom.us/j/82222222222?pwd=b"`, "", 1), nil, "account.hosts[1].join_url must be an https:// link"},
		{"misspelt key", strings.Replace(twoHosts, "join_url = \"https://zoom.us/j/8222", "join_ulr = \"https://zoom.us/j/8222", 1), nil, "account.hosts.join_ulr (did you mean account.hosts.join_url?)"},
		{"misspelt tools", twoHosts + "\n[[rooms]]\nname = \"V\"\naddress = \"visio@coop.example\"\ntools = \"anny\"\n", nil, `rooms[1].tools: "anny" is not "any" (did you mean any?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(poolConfig(t, tt.hosts, tt.edit...))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "314159") || strings.Contains(err.Error(), "12ab56") {
				t.Errorf("the error shows a host key: %v", err)
			}
		})
	}
}

// TestPoolConfigAPIMode: with Zoom API mode a host needs its zoom_user,
// not a room; without it, a room and no zoom_user.
func TestPoolConfigAPIMode(t *testing.T) {
	tests := []struct {
		name string
		api  bool
		host HostConfig
		want string
	}{
		{"api: user by e-mail", true, HostConfig{Name: "a", HostKey: "271828", ZoomUser: "salle-a@coop.example"}, ""},
		{"api: user by ID", true, HostConfig{Name: "a", HostKey: "271828", ZoomUser: "KDcuGIm1QgePTO8WbOqwIQ"}, ""},
		{"api: no user", true, HostConfig{Name: "a", HostKey: "271828", JoinURL: "https://zoom.us/j/1"}, "account.hosts[0].zoom_user"},
		{"api: not a user", true, HostConfig{Name: "a", HostKey: "271828", ZoomUser: "a b@c"}, "account.hosts[0].zoom_user"},
		{"fixed: a user only", false, HostConfig{Name: "a", HostKey: "271828", ZoomUser: "salle-a@coop.example"}, "account.hosts[0].join_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{ZoomAPI: ZoomAPIConfig{Enabled: tt.api}}
			var got []string
			c.validateHost(0, tt.host, map[string]bool{}, func(f string, a ...any) { got = append(got, fmt.Sprintf(f, a...)) })
			if tt.want == "" && len(got) > 0 || tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)) {
				t.Errorf("errors %q, want one with %q", got, tt.want)
			}
		})
	}
}

// TestProcessPool: through `roomgate process` and the database, two
// meetings at once get the two hosts of the pool, each mail its own
// host's key and room only, and a third meeting then is declined.
func TestProcessPool(t *testing.T) {
	cfg := poolConfig(t, twoHosts, `booking_window_days = 180`, `booking_window_days = 365`,
		`dsn = "/var/lib/roomgate/roomgate.db"`, `dsn = "`+filepath.Join(t.TempDir(), "pool.db")+`"`)
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	at := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		who, action string
		has, lacks  []string
	}{
		{"alice@coop.example", "accepted", []string{"271828", "81111111111"}, []string{"314159", "82222222222"}},
		{"bob@coop.example", "accepted", []string{"314159", "82222222222"}, []string{"271828", "81111111111"}},
		{"carol@coop.example", "declined", nil, []string{"271828", "314159"}},
	}
	for i, s := range steps {
		req := request(fmt.Sprintf("pool-%d", i), s.who, 0, at, at.Add(time.Hour))
		req.Stamp = t0
		out := t.TempDir()
		line := cmd(t, 0, "process", "-config", cfg, "-outbox", out, "-now", t0.Format(time.RFC3339), writeMail(t, "req.eml", req.mail()))
		if !strings.Contains(line, `"action":"`+s.action+`"`) {
			t.Fatalf("%s: %s", s.who, line)
		}
		sent := strings.ReplaceAll(readAll(t, out), "=\r\n", "") // quoted-printable's soft breaks
		for _, w := range s.has {
			if !strings.Contains(sent, w) {
				t.Errorf("%s's mail lacks %q", s.who, w)
			}
		}
		for _, w := range s.lacks {
			if strings.Contains(sent, w) {
				t.Errorf("%s's mail holds %q", s.who, w)
			}
		}
	}
	var bs []bookingLine
	out := cmd(t, 0, "bookings", "list", "-config", cfg, "-from", "2026-03-09", "-to", "2026-03-10", "-status", "all", "-json")
	if err := json.Unmarshal([]byte(out), &bs); err != nil {
		t.Fatalf("bookings list: %v\n%s", err, out)
	}
	hosts := map[string]string{}
	for _, b := range bs {
		hosts[b.UID] = b.Status + " " + b.Host
	}
	if hosts["pool-0"] != "accepted salle-a" || hosts["pool-1"] != "accepted salle-b" || hosts["pool-2"] != "waiting " {
		t.Errorf("bookings list: %v", hosts)
	}
}
