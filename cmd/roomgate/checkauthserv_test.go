package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// TestCheckAuthservIDs: `roomgate check` reads the newest mails' headers
// (never marking them read) and says which server wrote their top
// Authentication-Results field, warning when the configured authserv_id
// is not among them.
func TestCheckAuthservIDs(t *testing.T) {
	t.Setenv("CREDENTIALS_DIRECTORY", "") // binConfig's secrets are in its directory
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	config := func(id string) string {
		return binConfig(t, srv, sink, "", fmt.Sprintf("[authentication]\nauthserv_id = %q\n", id))
	}
	configured := config(testMX)
	line := func(out string) string {
		for l := range strings.SplitSeq(out, "\n") {
			if strings.HasPrefix(l, "authserv ") {
				return l
			}
		}
		t.Fatalf("no authserv line:\n%s", out)
		return ""
	}
	if l := line(cmd(t, 0, "check", "-skip", "placeholders", "-config", configured)); !strings.Contains(l, "no mail in the mailbox yet") {
		t.Errorf("empty mailbox: %s", l)
	}

	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mail := func(i int, authServ string) []byte {
		iv := request(fmt.Sprintf("first-day-%d", i), "alice@coop.example", 0, at, at.Add(time.Hour))
		iv.AuthServ = authServ
		return iv.mail()
	}
	// What the daemon moved to the rejected folder is read too.
	srv.Append(t, "INBOX", mail(0, ""))
	srv.Append(t, "roomgate/Rejected", mail(1, "MX1.Provider.example"))
	out := cmd(t, 0, "check", "-skip", "placeholders", "-config", configured)
	for _, want := range []string{"WARNING", "the 2 newest mail(s)", "mx1.provider.example (1), no field (1)",
		`never from the configured "mx.coop.example"`, `authserv_id = "mx1.provider.example" if mx1.provider.example is your receiving server`} {
		if l := line(out); !strings.Contains(l, want) {
			t.Errorf("the warning lacks %q:\n%s", want, out)
		}
	}
	// Only the 20 newest are read: the configured server's older mails
	// do not count.
	srv.Append(t, "INBOX", mail(2, testMX))
	srv.Append(t, "INBOX", mail(3, testMX))
	for i := range 20 {
		srv.Append(t, "INBOX", mail(i+4, "mx1.provider.example"))
	}
	if l := line(cmd(t, 0, "check", "-skip", "placeholders", "-config", configured)); !strings.Contains(l, "WARNING the top Authentication-Results field of the 20 newest mail(s) is from mx1.provider.example (20), never") {
		t.Errorf("20 mails of the provider's server: %s", l)
	}
	for _, flags := range srv.Flags(t, "INBOX") {
		if slices.Contains(flags, imap.FlagSeen) {
			t.Fatalf("check marked a mail read: %v", flags)
		}
	}
	if got := len(srv.List(t, "INBOX")); got != 23 {
		t.Fatalf("the inbox holds %d mails after check, want 23", got)
	}

	if l := line(cmd(t, 0, "check", "-skip", "placeholders", "-config", config("mx1.provider.example"))); !strings.Contains(l, "ok") ||
		!strings.Contains(l, `"mx1.provider.example" wrote the top Authentication-Results field of 20 of the 20 newest`) {
		t.Errorf("with the provider's id: %s", l)
	}
	// A configured id among older mails only still counts as unseen:
	// only the newest are read.
	srv.Append(t, "INBOX", mail(24, testMX))
	if l := line(cmd(t, 0, "check", "-skip", "placeholders", "-config", configured)); !strings.Contains(l, `ok  "mx.coop.example" wrote the top Authentication-Results field of 1 of`) {
		t.Errorf("with one mail of the configured server: %s", l)
	}
}
