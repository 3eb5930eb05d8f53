package mailauth

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
)

const mx = "mx.coop.example"

// readField reads testdata/name.field, one Authentication-Results field as
// a real program wrote it (see testdata/README.md), and returns its value
// as the gateway gets it from the message header.
func readField(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".field"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(string(raw) + "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	v := h.Get("Authentication-Results")
	if v == "" {
		t.Fatalf("%s: no Authentication-Results field", name)
	}
	return v
}

// TestCheckCapturedFields: each field a real rspamd 3.4 or policyd-spf
// 3.0.4 wrote (testdata/README.md), with the attacker's text in the SMTP
// envelope or the HELO name, is never a pass for a member's From, and the
// reason says why.
func TestCheckCapturedFields(t *testing.T) {
	tests := []struct {
		name string
		why  string // part of the reason
	}{
		{"rspamd-plain", "neither DMARC pass nor a passing DKIM"},
		{"rspamd-mailfrom-semicolons", "neither DMARC pass"},
		{"rspamd-mailfrom-spaces", "neither DMARC pass"},
		{"rspamd-mailfrom-dkim", "neither DMARC pass"},
		{"rspamd-mailfrom-comment", "unreadable"},
		{"rspamd-mailfrom-breakout", "reads differently"},
		{"rspamd-mailfrom-breakout-dkim", "reads differently"},
		{"rspamd-helo", "unreadable"},
		{"rspamd-helo-headerfrom", "unreadable"},
		{"policyd-spf-plain", "neither DMARC pass"},
		{"policyd-spf-mailfrom-comment", "unreadable"},
		{"policyd-spf-mailfrom-breakout", "reads differently"},
		{"policyd-spf-helo", "unreadable"},
		{"policyd-spf-helo-breakout", "also appears inside"},
		{"opendmarc-plain", "neither DMARC pass"},
		{"opendmarc-mailfrom-semicolons", "neither DMARC pass"},
		{"opendmarc-mailfrom-comment", "neither DMARC pass"},
		{"opendmarc-helo", "neither DMARC pass"},
		{"opendmarc-helo-breakout", "neither DMARC pass"},
		{"opendmarc-helo-unquoted", "neither DMARC pass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			field := readField(t, tt.name)
			pass, why := Check(field, mx, "alice@coop.example")
			if pass || !strings.Contains(why, tt.why) {
				t.Errorf("Check = %v, %q; want no pass, %q", pass, why, tt.why)
			}
		})
	}
}

// TestCheckStrictReadingAlone shows what each defence stops: read with the
// RFC alone, the breakout fields hold a second dmarc result or a dkim=pass
// next to rspamd's dkim=none, and the HELO field a dmarc=pass with a
// header.from that only parseUnambiguous refuses.
func TestCheckStrictReadingAlone(t *testing.T) {
	for name, method := range map[string]string{
		"rspamd-mailfrom-breakout": "dmarc", "rspamd-mailfrom-breakout-dkim": "dkim",
		"policyd-spf-helo-breakout": "dmarc", "policyd-spf-mailfrom-breakout": "dmarc",
	} {
		res, err := Parse(readField(t, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		n := 0
		for _, r := range res.Results {
			if r.Method == method && r.Value == "pass" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d injected %s=pass read by the RFC, want 1 (the test would prove nothing)", name, n, method)
		}
	}
}

// TestOpenDMARCFieldOrder: OpenDMARC 1.4.2 (SPFSelfValidate) writes two
// fields, its dmarc field on top of its spf field. The spf field copies the
// HELO name unquoted, so a HELO of x;dmarc=pass(a)header.from=coop.example
// makes it a valid field holding one dmarc=pass for coop.example: only
// reading the top field, which must be the dmarc one (docs/security.md),
// keeps it out, and Postfix's reject_invalid_helo_hostname keeps such a
// HELO out of the mail.
func TestOpenDMARCFieldOrder(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "opendmarc-helo-unquoted.field"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(string(raw) + "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	fields := h.Values("Authentication-Results")
	if len(fields) != 2 || !strings.Contains(fields[0], "dmarc=none") || !strings.Contains(fields[1], "spf=none") {
		t.Fatalf("fields %q, want OpenDMARC's dmarc field on top of its spf field", fields)
	}
	if pass, why := Check(fields[0], mx, "alice@coop.example"); pass {
		t.Errorf("top field: pass (%s)", why)
	}
	if pass, _ := Check(fields[1], mx, "alice@coop.example"); !pass {
		t.Error("the spf field no longer reads as a pass: update this test and the README's advice")
	}
}

// TestCheck: the rules of Check on fields written for the test, in the
// forms OpenDKIM, OpenDMARC and rspamd use for a pass.
func TestCheck(t *testing.T) {
	alice := "alice@coop.example"
	tests := []struct {
		name, field, from string
		pass              bool
		why               string
	}{
		{"OpenDMARC pass", mx + "; dmarc=pass (p=none dis=none) header.from=coop.example", alice, true, "DMARC pass for coop.example"},
		{"DMARC pass, upper case and root dot", mx + "; DMARC=Pass header.from=Coop.Example.", alice, true, "DMARC pass"},
		{"authserv-id in other case", "MX.Coop.Example; dmarc=pass header.from=coop.example", alice, true, "DMARC pass"},
		{"DMARC pass without header.from", mx + "; dmarc=pass", alice, false, "without exactly one header.from"},
		{"DMARC pass for another domain", mx + "; dmarc=pass header.from=evil.example", alice, false, "not for the From domain"},
		{"DMARC pass for a subdomain", mx + "; dmarc=pass header.from=mail.coop.example", alice, false, "not for the From domain"},
		{"two header.from", mx + "; dmarc=pass header.from=coop.example header.from=evil.example", alice, false, "exactly one header.from"},
		{"two DMARC results", mx + "; dmarc=pass header.from=coop.example; dmarc=fail header.from=coop.example", alice, false, "2 DMARC results"},
		{"two DMARC passes", mx + "; dmarc=pass header.from=coop.example; dmarc=pass header.from=coop.example", alice, false, "2 DMARC results"},
		{"DMARC fail", mx + "; dmarc=fail header.from=coop.example", alice, false, "DMARC fail"},
		{"DMARC fail, aligned DKIM pass", mx + "; dkim=pass header.d=coop.example; dmarc=fail header.from=coop.example", alice, false, "DMARC fail"},
		{"rspamd pass, SRS sender quoted in a comment", mx + ";\r\n\tdkim=pass header.d=coop.example header.s=s1 header.b=AbCd;\r\n\tspf=pass (mx.coop.example: domain of \"SRS0=ab=cd=coop.example=alice@fwd.example\" designates 192.0.2.25 as permitted sender) smtp.mailfrom=\"SRS0=ab=cd=coop.example=alice@fwd.example\";\r\n\tdmarc=pass (policy=none) header.from=coop.example", alice, true, "DMARC pass for coop.example"},
		{"OpenDKIM pass", mx + "; dkim=pass (2048-bit key; unprotected) header.d=mail.coop.example header.i=@mail.coop.example header.a=rsa-sha256 header.s=s1 header.b=AbCdEf12", alice, true, "DKIM pass for mail.coop.example"},
		{"DKIM pass by header.i", mx + "; dkim=pass header.i=news@coop.example", alice, true, "DKIM pass for coop.example"},
		{"DKIM pass, DMARC none", mx + "; dkim=pass header.d=coop.example; dmarc=none", alice, true, "DKIM pass"},
		{"DKIM pass, DMARC temperror", mx + "; dkim=pass header.d=coop.example; dmarc=temperror header.from=coop.example", alice, true, "DKIM pass"},
		{"two DKIM passes (Zoom signs twice)", mx + "; dkim=pass header.d=zoom.us; dkim=pass header.d=amazonses.com", "no-reply@zoom.us", true, "DKIM pass for zoom.us"},
		{"DKIM pass for another domain", mx + "; dkim=pass header.d=evil.example", alice, false, "neither DMARC pass"},
		{"DKIM pass for a public suffix", mx + "; dkim=pass header.d=com.cn", "a@zoom.com.cn", false, "neither"},
		{"DKIM pass without a domain", mx + "; dkim=pass", alice, false, "neither"},
		{"DKIM pass next to dkim=none", mx + "; dkim=none; dkim=pass header.d=coop.example", alice, false, "disagree"},
		{"DKIM pass next to a DKIM fail", mx + "; dkim=pass header.d=coop.example; dkim=fail header.d=coop.example", alice, false, "disagree"},
		{"two header.d", mx + "; dkim=pass header.d=evil.example header.d=coop.example", alice, false, "neither"},
		{"another authserv-id", "mx.evil.example; dmarc=pass header.from=coop.example", alice, false, `is from "mx.evil.example", not "mx.coop.example"`},
		{"no field", "", alice, false, "no Authentication-Results field"},
		{"syntax error", mx + "; dmarc=pass header.from=coop.example;", alice, false, "unreadable"},
		{"result copied in a comment", mx + "; dkim=none (dmarc=pass header.from=coop.example); dmarc=pass header.from=coop.example", alice, false, "also appears inside"},
		{"quoted string in a comment", mx + `; spf=none (of "x); dmarc=pass header.from=coop.example; x=y (") smtp.mailfrom=a@evil.example`, alice, false, "reads differently"},
		{"From without domain", mx + "; dmarc=pass header.from=coop.example", "alice", false, "no domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pass, why := Check(tt.field, mx, tt.from)
			if pass != tt.pass || !strings.Contains(why, tt.why) {
				t.Errorf("Check(%q) = %v, %q; want %v, %q", tt.field, pass, why, tt.pass, tt.why)
			}
		})
	}
}

// TestAligned: the organizational domain comes from the Public Suffix
// List, so a signature of attacker.com.cn is not aligned with zoom.com.cn.
func TestAligned(t *testing.T) {
	tests := []struct {
		dkim, from string
		want       bool
	}{
		{"zoom.us", "no-reply@zoom.us", true},
		{"mail.zoom.us", "no-reply@zoom.us", true},
		{"zoom.us.", "no-reply@zoom.us", true},
		{"attacker.com.cn", "no-reply@zoom.com.cn", false},
		{"zoom.com.cn", "no-reply@zoom.com.cn", true},
		{"com.cn", "no-reply@zoom.com.cn", false},
		{"evil.co.uk", "alice@coop.co.uk", false},
		{"mx.coop.co.uk", "alice@coop.co.uk", true},
		{"coop.example", "alice@coop.example", true},
		{"", "alice@coop.example", false},
	}
	for _, tt := range tests {
		if got := Aligned(tt.dkim, tt.from); got != tt.want {
			t.Errorf("Aligned(%q, %q) = %v, want %v", tt.dkim, tt.from, got, tt.want)
		}
	}
}
