package chat

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	good := Config{Kind: KindMattermost, BaseURL: "https://chat.coop.example", ChannelID: "4xp9abc", TokenFile: "/s/t",
		CommandTokenFile: "/s/c", LinkKeyFile: "/s/k", Language: "fr", MorningPost: "07:30", Announce: []string{"booked", "freed"}}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	if d, _ := good.MorningTime(); d != 7*time.Hour+30*time.Minute {
		t.Errorf("MorningTime = %v", d)
	}
	bad := Config{Kind: "slack", BaseURL: "ftp://x", ChannelID: "a b", Language: "de", MorningPost: "7h", Announce: []string{"moved"},
		Trigger: "two words", Timeout: "1h"}
	err := bad.Validate()
	for _, want := range []string{"chat.kind:", "chat.base_url:", "chat.channel_id:", "chat.token_file is required",
		"chat.command_token_file is required", "chat.link_key_file is required", "chat.language:", "chat.morning_post:",
		"chat.announce:", "chat.trigger:", "chat.timeout:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	for _, u := range []string{"https://agenda.coop.example/?token=0123456789abcdef", "https://zoom.us/j/1?pwd=x", "ftp://a"} {
		withAgenda := good
		withAgenda.AgendaURL = u
		if err := withAgenda.Validate(); err == nil || !strings.Contains(err.Error(), "chat.agenda_url") {
			t.Errorf("agenda_url %q: %v", u, err)
		}
	}
	rc := good
	rc.Kind = KindRocketChat
	if err := rc.Validate(); err == nil || !strings.Contains(err.Error(), "chat.bot_user_id") {
		t.Errorf("rocketchat without bot_user_id: %v", err)
	}
}

func TestConfigSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, v string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := Config{TokenFile: write("t", "bot-token-0123456789\n"), CommandTokenFile: write("c", "s3cr"),
		LinkKeyFile: filepath.Join(dir, "missing")}
	_, err := c.ReadSecrets(os.ReadFile)
	if err == nil || !strings.Contains(err.Error(), "chat.command_token_file") || !strings.Contains(err.Error(), "chat.link_key_file") {
		t.Errorf("errors: %v", err)
	}
	if strings.Contains(err.Error(), "s3cr") {
		t.Error("an error shows a secret")
	}
	c.CommandTokenFile, c.LinkKeyFile = write("c2", "command-token-0123456789"), write("k", strings.Repeat("k", 40))
	s, err := c.ReadSecrets(os.ReadFile)
	if err != nil || s.Token != "bot-token-0123456789" || len(s.LinkKey) != 40 {
		t.Errorf("secrets: %+v, %v", s, err)
	}
	if _, err := (&Config{}).ReadSecrets(func(string) ([]byte, error) { return nil, errors.New("no") }); err == nil {
		t.Error("unreadable files: no error")
	}
}
