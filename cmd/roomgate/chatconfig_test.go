package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/chat"
)

// TestChatKeysDocumented: the example configuration names every key of
// [chat].
func TestChatKeysDocumented(t *testing.T) {
	b, err := os.ReadFile("../../roomgate.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(chat.Config{})
	for i := range typ.NumField() {
		if key := typ.Field(i).Tag.Get("toml"); !strings.Contains(string(b), "# "+key+" = ") {
			t.Errorf("roomgate.example.toml does not show chat key %s", key)
		}
	}
}

// TestChatConfig: a [chat] section is checked with the rest: a misspelt
// key gets its "did you mean", a missing secret file names its key, and
// the chat needs the web server.
func TestChatConfig(t *testing.T) {
	for _, tc := range []struct {
		name, add, want string
	}{
		{"misspelt", "[chat]\nkind = \"mattermost\"\nchanel_id = \"x\"\n", "chat.chanel_id (did you mean chat.channel_id?)"},
		{"no secret", "[chat]\nkind = \"mattermost\"\nbase_url = \"https://chat.coop.example\"\nchannel_id = \"abc\"\n" +
			"token_file = \"/nonexistent/t\"\ncommand_token_file = \"/nonexistent/c\"\nlink_key_file = \"/nonexistent/k\"\n", "chat.token_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, "[[rooms]]", tc.add+"\n[[rooms]]")
			_, err := LoadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadConfig: %v, want %q", err, tc.want)
			}
		})
	}
	cfg := &Config{Chat: &chat.Config{Kind: "mattermost"}}
	var errs []string
	cfg.validateChat(func(f string, a ...any) { errs = append(errs, f) })
	if !strings.Contains(strings.Join(errs, "\n"), "http.listen and http.public_url are required") {
		t.Errorf("without the web server: %q", errs)
	}
}
