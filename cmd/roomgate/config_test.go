package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeConfig writes the example configuration with its secret files
// moved into a temporary directory, edited by replace (old, new pairs).
func writeConfig(t *testing.T, replace ...string) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile("../../roomgate.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "/etc/roomgate/", dir+"/")
	t.Setenv("CREDENTIALS_DIRECTORY", "") // the default directory is read
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("example config lacks %q", replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	secrets := filepath.Join(dir, "secrets")
	if err := os.Mkdir(secrets, 0o700); err != nil {
		t.Fatal(err)
	}
	for f, v := range map[string]string{"imap_password": "s3cret", "smtp_password": "s3cret", "host_key": "483920"} {
		if err := os.WriteFile(filepath.Join(secrets, f), []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "roomgate.toml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// appendConfig appends text (whole sections) to the configuration file at
// path and returns path.
func appendConfig(t *testing.T, path, text string) string {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeSecret writes value as the secret file name beside the
// configuration file at path, as an operator would, and returns its path.
func writeSecret(t *testing.T, path, name, value string) string {
	t.Helper()
	secret := filepath.Join(filepath.Dir(path), name)
	if err := os.WriteFile(secret, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestExampleConfigLoads(t *testing.T) {
	c, err := LoadConfig(writeConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"imap password from file", c.IMAP.Password, "s3cret"},
		{"buffer", c.Policy.Buffer.Duration, 10 * time.Minute},
		{"max duration", c.Policy.MaxDuration.Duration, 8 * time.Hour},
		{"max message size", int64(c.MaxMessageSize), int64(10 << 20)},
		{"series max busy", *c.Policy.SeriesMaxBusy, 8},
		{"rooms", len(c.Rooms), 1},
		{"zone", c.location.String(), "Europe/Paris"},
		{"keep sent", c.keepSent(), 30 * 24 * time.Hour},
		{"smtp timeout", c.SMTP.Timeout.Duration, time.Minute},
		{"outbox lease", c.outbox.Lease(), 90 * time.Second},
		{"holds per sender", c.gatewayOptions().Policy.MaxHoldsPerSender, 3},
		{"holds per domain", c.gatewayOptions().Policy.MaxHoldsPerDomain, 6},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	o := c.gatewayOptions()
	if o.Policy.DayStart != 8*time.Hour || o.Policy.BookingWindow != 180*24*time.Hour || o.HostKey != "483920" {
		t.Errorf("gateway options not derived from the config: %+v", o.Policy)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name     string
		replace  []string
		wantText string
	}{
		{"unknown key", []string{`inbox = "INBOX"`, `inbx = "INBOX"`}, "unknown keys: imap.inbx (did you mean imap.inbox?)"},
		{"unknown key far from any", []string{`inbox = "INBOX"`, `zzzzzzzz = "INBOX"`}, "unknown keys: imap.zzzzzzzz"},
		{"misspelt zone", []string{`timezone = "Europe/Paris"`, `timezone = "Europe/Pari"`}, `unknown zone "Europe/Pari" (did you mean Europe/Paris?)`},
		{"insecure off loopback", []string{`security = "tls"  `, `security = "insecure"`}, "insecure is only allowed for a loopback address"},
		{"bad language", []string{`language = "fr"`, `language = "de"`}, `language: "de" is not fr or en`},
		{"bad zone", []string{`timezone = "Europe/Paris"`, `timezone = "Mars/Olympus"`}, "unknown zone"},
		{"bad duration", []string{`buffer = "10m"`, `buffer = "ten minutes"`}, "invalid duration"},
		{"bad organizer", []string{`"partner@other.example"`, `"partner"`}, "write a full address or @domain"},
		{"missing secret file", []string{`password_file = "`, `password_file = "/nonexistent/`}, "imap.password_file"},
		{"unset variable in a file name", []string{`${CREDENTIALS_DIRECTORY:-`, `${NO_SUCH_ROOMGATE_VAR}/x`}, "$NO_SUCH_ROOMGATE_VAR is not set"},
		{"bad keep_sent", []string{`keep_sent = "30d"`, `keep_sent = "thirty days"`}, "invalid duration"},
		{"bad join url", []string{`join_url = "https://`, `join_url = "http://`}, "join_url must be an https:// link"},
		{"bad day start", []string{`day_start = "08:00"`, `day_start = "8h"`}, "policy.day_start"},
		{"unknown approval rule", []string{`approval = []`, `approval = ["too-short"]`}, `policy.approval: "too-short" is none of`},
		{"approval without key", []string{`approval = []`, `approval = ["too-long"]`}, "policy.approval_key: at least 32 characters"},
		{"approval without web server", []string{`approval = []`, `approval = ["too-long"]`}, "policy.approval needs the web server"},
		{"approval without public URL", []string{`approval = []`, `approval = ["too-long"]`}, "http.public_url"},
		{"approval with a bad domain", []string{`approval = []`, `approval = ["@bad_domain"]`}, "policy.approval:"},
		{"delegates of a domain", []string{`delegates = {}`, `delegates = { "@coop.example" = ["bob@coop.example"] }`},
			`policy.delegates: key "@coop.example"`},
		{"a bad delegate", []string{`delegates = {}`, `delegates = { "alice@coop.example" = ["bob@coop.example", "mallory@evil.example@coop.example"] }`},
			`policy.delegates."alice@coop.example": invalid address`},
		{"no delegate", []string{`delegates = {}`, `delegates = { "alice@coop.example" = [] }`},
			`policy.delegates."alice@coop.example": list at least one`},
		{"negative holds", []string{`max_holds_per_sender = 3`, `max_holds_per_sender = -1`}, "policy: max_holds_per_sender and max_holds_per_domain must not be negative"},
		{"a delegate not a list", []string{`delegates = {}`, `delegates = { "alice@coop.example" = "bob@coop.example" }`},
			`delegates`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.replace...))
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantText)
			}
		})
	}
}

// TestApprovalConfig: approvals with their key from a file, the web
// server and its public address reach the gateway's options.
func TestApprovalConfig(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef-approval"
	keyFile := filepath.Join(t.TempDir(), "approval_key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, `approval = []`, `approval = ["too-long", "@Partner.example"]`,
		`approval_key_file = ""`, `approval_key_file = "`+keyFile+`"`,
		`listen = ""`, `listen = "127.0.0.1:8080"`, `token_file = ""`, `token = "a member token of some length"`,
		`public_url = ""`, `public_url = "https://salles.coop.example"`)
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	o := c.gatewayOptions()
	if string(o.Approval.Key) != key || o.Approval.PublicURL != "https://salles.coop.example" || len(o.Policy.Approval) != 2 {
		t.Errorf("approval options: %q %q %v", o.Approval.Key, o.Approval.PublicURL, o.Policy.Approval)
	}
}

func TestSecretFromEnvironment(t *testing.T) {
	t.Setenv("ROOMGATE_HOST_KEY", "112233")
	c, err := LoadConfig(writeConfig(t, `host_key_file = "`, `# host_key_file = "`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Account.HostKey != "112233" {
		t.Fatalf("host key = %q, want it from ROOMGATE_HOST_KEY", c.Account.HostKey)
	}
}

// TestAuthenticationConfig: require_authentic follows the authentication
// source, the deprecated [relay] keys still work with a warning, and
// turning it off is said.
func TestAuthenticationConfig(t *testing.T) {
	c, err := LoadConfig(writeConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if o := c.gatewayOptions(); !o.Policy.RequireAuthentic || o.Auth.AuthservID != "mx.coop.example" || len(c.warnings) != 0 {
		t.Errorf("example config: require %v, authserv %q, warnings %q", o.Policy.RequireAuthentic, o.Auth.AuthservID, c.warnings)
	}
	c, err = LoadConfig(writeConfig(t, `require_authentic = true`, `require_authentic = false`))
	if err != nil {
		t.Fatal(err)
	}
	if c.gatewayOptions().Policy.RequireAuthentic || len(c.warnings) != 1 || !strings.Contains(c.warnings[0], "anyone can book, move or cancel in a member's name") {
		t.Errorf("require_authentic = false: warnings %q", c.warnings)
	}
	// The old place of the key.
	c, err = LoadConfig(writeConfig(t, `authserv_id = "mx.coop.example"  # trust`, `# authserv_id moved`,
		`zoom_senders = ["no-reply@zoom.us"]`, `zoom_senders = ["no-reply@zoom.us"]`+"\nauthserv_id = \"mx.coop.example\""))
	if err != nil {
		t.Fatal(err)
	}
	if !c.gatewayOptions().Policy.RequireAuthentic || c.Auth.AuthservID != "mx.coop.example" ||
		len(c.warnings) != 1 || !strings.Contains(c.warnings[0], "deprecated") {
		t.Errorf("deprecated key: authserv %q, warnings %q", c.Auth.AuthservID, c.warnings)
	}
	if _, err := LoadConfig(writeConfig(t, `trusted_senders = []`, `trusted_senders = ["cloud@coop@example"]`)); err == nil ||
		!strings.Contains(err.Error(), "policy.trusted_senders") {
		t.Errorf("bad trusted sender: %v", err)
	}
}

// TestPlaceholders: the example file's placeholders are found, by key
// name (never the secret's value), and a real configuration has none.
func TestPlaceholders(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(placeholders(cfg), "\n")
	for _, want := range []string{"rooms[0].join_url: the join link still ends with the example's pwd=…",
		"rooms[0].passcode: still the example's placeholder …", "imap.address: a domain under .example",
		"rooms[0].address: a domain under .example", "policy.organizers[0]: a domain under .example"} {
		if !strings.Contains(got, want) {
			t.Errorf("placeholders lack %q:\n%s", want, got)
		}
	}
	cfg.IMAP.Address, cfg.IMAP.Username, cfg.SMTP.Address, cfg.SMTP.Username = "imap.opteos.fr:993", "zoom@opteos.fr", "smtp.opteos.fr:587", "zoom@opteos.fr"
	cfg.Contact, cfg.Policy.Organizers = "aide@opteos.fr", []string{"@opteos.fr"}
	cfg.Rooms = []RoomConfig{{Name: "Salle", Address: "zoom@opteos.fr", JoinURL: "https://us02web.zoom.us/j/812?pwd=Xy7kQ2", Passcode: "opteos"}}
	cfg.Relay.Facilitators, cfg.Auth.AuthservID, cfg.Policy.TrustedSenders = nil, "mx.opteos.fr", nil
	if left := placeholders(cfg); len(left) != 0 {
		t.Errorf("a real configuration: %v", left)
	}
	if d := editDistance("Europe/Pari", "Europe/Paris"); d != 1 {
		t.Errorf("editDistance = %d", d)
	}
	if m := didYouMean("max_duraton", []string{"max_duration", "buffer"}); m != "max_duration" {
		t.Errorf("didYouMean = %q", m)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{10 * time.Minute: "10 minutes", time.Minute: "1 minute", time.Hour: "1 hour",
		90 * time.Minute: "1 hour 30 minutes", 2 * time.Hour: "2 hours"} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestDelegatesConfig: delegations as an inline table or a table of their
// own, normalized by the gateway; what would let members speak for each
// other without a declaration is warned of (at start and by check).
func TestDelegatesConfig(t *testing.T) {
	for name, edit := range map[string][]string{
		"inline": {`delegates = {}`, `delegates = { "Alice@Coop.example" = ["assistant@coop.example", "bob@coop.example"] }`},
		"table":  {`delegates = {}`, "", "[http]  ", "[policy.delegates]\n\"Alice@Coop.example\" = [\"assistant@coop.example\", \"bob@coop.example\"]\n\n[http]  "},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := LoadConfig(writeConfig(t, edit...))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.warnings) != 0 {
				t.Errorf("warnings %q", c.warnings)
			}
			if got := c.gatewayOptions().Policy.Delegates; len(got) != 1 || len(got["Alice@Coop.example"]) != 2 {
				t.Errorf("delegates = %q", got)
			}
		})
	}
	c, err := LoadConfig(writeConfig(t, `delegates = {}`, `delegates = { "someone@elsewhere.example" = ["bob@coop.example"] }`,
		`trusted_senders = []`, `trusted_senders = ["@Coop.example"]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"policy.delegates: someone@elsewhere.example may not book (not in policy.organizers nor policy.approval): its delegates ask in vain",
		"policy.trusted_senders: @coop.example lets every member of that domain book, move and cancel in any other's name; declare delegates instead (policy.delegates)",
	}
	if strings.Join(c.warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n%q\nwant\n%q", c.warnings, want)
	}
}

// TestHoldsConfig: the limits on requests not yet accepted reach the
// gateway; turning the domain's off while partners may ask is warned of.
func TestHoldsConfig(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, `max_holds_per_sender = 3`, `max_holds_per_sender = 5`, `max_holds_per_domain = 6`, `max_holds_per_domain = 0`))
	if err != nil {
		t.Fatal(err)
	}
	if p := c.gatewayOptions().Policy; p.MaxHoldsPerSender != 5 || p.MaxHoldsPerDomain != 0 || len(c.warnings) != 0 {
		t.Errorf("holds %d, %d; warnings %q", p.MaxHoldsPerSender, p.MaxHoldsPerDomain, c.warnings)
	}
	key := filepath.Join(t.TempDir(), "approval_key")
	if err := os.WriteFile(key, []byte("0123456789abcdef0123456789abcdef-approval\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = LoadConfig(writeConfig(t, `max_holds_per_domain = 6`, `max_holds_per_domain = 0`,
		`approval = []`, `approval = ["@Partner.example"]`, `approval_key_file = ""`, `approval_key_file = "`+key+`"`,
		`listen = ""`, `listen = "127.0.0.1:8080"`, `token_file = ""`, `token = "a member token of some length"`,
		`public_url = ""`, `public_url = "https://salles.coop.example"`))
	if err != nil {
		t.Fatal(err)
	}
	want := "policy.max_holds_per_domain = 0: the people of @partner.example may keep the room pending without limit (each of their addresses up to max_holds_per_sender)"
	if len(c.warnings) != 1 || c.warnings[0] != want {
		t.Errorf("warnings %q, want %q", c.warnings, want)
	}
}
