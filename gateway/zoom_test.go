package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestCodeRelayed: a genuine code mail reaches every facilitator, with the
// code and its expiry in the subject, and the chat.
func TestCodeRelayed(t *testing.T) {
	h := newHarness(t, relayOptions)
	out, q := h.handleNow(codeMail("483920", t0.Add(-time.Minute)).bytes())
	if out.Kind != gateway.KindZoomCode || out.Action != gateway.ActionRelayed || out.Folder != gateway.FolderProcessed {
		t.Fatalf("outcome = %+v, want zoom-code relayed to processed", out)
	}
	if strings.Contains(out.Reason, "483920") {
		t.Errorf("the reason (logged and audited) shows the code: %q", out.Reason)
	}
	if len(q) != 3 {
		t.Fatalf("%d rows queued, want 2 mails and 1 chat message: %+v", len(q), q)
	}
	for i, to := range []string{tech, anim} {
		if q[i].To != to || q[i].Subject != "Zoom code 483920 — valid until 09:09" {
			t.Errorf("mail %d: to %s, subject %q", i, q[i].To, q[i].Subject)
		}
		if !strings.Contains(q[i].Text, "\n    483920\n") || !strings.Contains(q[i].HTML, "483920") {
			t.Errorf("mail %d lacks the code:\n%s", i, q[i].Text)
		}
	}
	want := "**Zoom code: `483920`** — valid until **09:09** (Europe/Paris).\n" +
		"If no facilitator is signing in right now, do not use it, and change the account's password.\n— roomgate\n"
	if q[2].Chat != want {
		t.Errorf("chat text = %q, want %q", q[2].Chat, want)
	}
	// The same mail again (a restart before it was filed) relays nothing.
	if again, q := h.handleNow(codeMail("483920", t0.Add(-time.Minute)).bytes()); len(q) != 3 || again.Action != gateway.ActionRelayed {
		t.Fatalf("a new code mail (other Message-ID): %+v, %d rows", again, len(q))
	}
}

// TestCodeRelayedOnce: the same bytes delivered twice are relayed once.
func TestCodeRelayedOnce(t *testing.T) {
	h := newHarness(t, relayOptions)
	raw := codeMail("483920", t0).bytes()
	h.handleNow(raw)
	out, q := h.handleNow(raw)
	if out.Action != gateway.ActionIgnored || len(q) != 0 {
		t.Errorf("second delivery: %+v, %d rows queued; want ignored, none", out, len(q))
	}
}

// TestCodeExpired: a code read after its 10 minutes (the daemon was down)
// is mailed as expired and never queued for the chat.
func TestCodeExpired(t *testing.T) {
	h := newHarness(t, relayOptions)
	out, q := h.handleNow(codeMail("483920", t0.Add(-15*time.Minute)).bytes())
	if out.Action != gateway.ActionRelayed || len(q) != 2 {
		t.Fatalf("outcome %+v, %d rows; want relayed, 2 mails and no chat", out, len(q))
	}
	for _, r := range q {
		if r.Chat != "" || r.Subject != "Zoom code 483920 — expired at 08:55" || !strings.Contains(r.Text, "expired at 08:55") {
			t.Errorf("row %+v", r)
		}
	}
}

// TestCodeAuthentication: only a mail from a Zoom sender with a DKIM pass
// aligned with it, as the operator's server reports it in the TOP
// Authentication-Results field (RFC 8601 §5), is relayed; any other is
// rejected, and the facilitators get a short alert without the code.
func TestCodeAuthentication(t *testing.T) {
	forgedAR := "evil.example; dkim=pass header.d=zoom.us"
	tests := []struct {
		name    string
		from    string
		ars     []string
		relayed bool
	}{
		{"pass from our server", "", []string{passAR}, true},
		{"pass, with a forged field below", "", []string{passAR, forgedAR}, true},
		{"no Authentication-Results", "", nil, false},
		{"forged field on top", "", []string{forgedAR, passAR}, false},
		{"forged field with our id below ours", "", []string{mx + "; dkim=fail header.d=zoom.us", passAR}, false},
		{"forged field only", "", []string{forgedAR}, false},
		{"pass for another domain", "", []string{mx + "; dkim=pass header.d=evil.example"}, false},
		{"pass, other Zoom address", "security@zoom.us", []string{passAR}, false},
		{"id in other case, version", "", []string{"MX.Coop.Example 1; dkim=pass header.d=zoom.us"}, true},
		{"pass for a subdomain", "", []string{mx + "; dkim=pass header.d=mail.zoom.us"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, relayOptions)
			z := codeMail("483920", t0)
			z.From, z.AuthResults = tt.from, tt.ars
			out, q := h.handleNow(z.bytes())
			checkAuthOutcome(t, out, q, tt.relayed)
		})
	}
}

// checkAuthOutcome checks a code mail that was relayed, or rejected with
// an alert.
func checkAuthOutcome(t *testing.T, out gateway.Outcome, q []relayed, relayed bool) {
	t.Helper()
	if out.Kind != gateway.KindZoomCode {
		t.Fatalf("kind %s, want zoom-code", out.Kind)
	}
	if relayed {
		if out.Action != gateway.ActionRelayed || len(q) != 3 {
			t.Errorf("outcome %+v, %d rows; want relayed to 2 facilitators and the chat", out, len(q))
		}
		return
	}
	if out.Action != gateway.ActionRejected || out.Folder != gateway.FolderRejected || len(q) != 2 {
		t.Fatalf("outcome %+v, %d rows; want rejected with 2 alerts", out, len(q))
	}
	for _, r := range q {
		if r.Subject != `Alert: forged "Zoom" mail rejected` || r.Chat != "" {
			t.Errorf("alert %+v", r)
		}
		if strings.Contains(r.Text+r.HTML+r.Subject, "483920") {
			t.Errorf("the alert shows the forged code:\n%s", r.Text)
		}
	}
}

// TestCodeDKIM verifies real signatures made with a test key, the key
// found through the injected DNS lookup.
func TestCodeDKIM(t *testing.T) {
	key := newDKIMKey(t)
	other := newDKIMKey(t)
	withDKIM := func(o *gateway.Options) {
		relayOptions(o)
		o.Auth = gateway.AuthOptions{VerifyDKIM: true, Resolver: key}
	}
	signed := func(k dkimKey, code string) []byte {
		z := codeMail(code, t0)
		z.AuthResults = nil
		return k.sign(t, z.bytes())
	}
	tests := []struct {
		name    string
		raw     func() []byte
		relayed bool
	}{
		{"signed by zoom.us", func() []byte { return signed(key, "483920") }, true},
		{"body tampered", func() []byte {
			return []byte(strings.Replace(string(signed(key, "483920")), "expire in 10 minutes", "expire in 60 minutes", 1))
		}, false},
		{"subject tampered", func() []byte {
			return []byte(strings.Replace(string(signed(key, "483920")), "Subject: Code", "Subject: Your code", 1))
		}, false},
		{"signed with another key", func() []byte { return signed(other, "483920") }, false},
		{"not signed", func() []byte { z := codeMail("483920", t0); z.AuthResults = nil; return z.bytes() }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withDKIM)
			out, q := h.handleNow(tt.raw())
			checkAuthOutcome(t, out, q, tt.relayed)
		})
	}
}

// TestSignInAlert: a genuine sign-in notice without a code is relayed as
// an alert, not as a code, and not to the chat.
func TestSignInAlert(t *testing.T) {
	h := newHarness(t, relayOptions)
	z := zoomMail{Subject: "New Zoom Sign-in Detected", Received: t0, AuthResults: []string{passAR},
		Text: "Hi,\r\n\r\nA new sign-in to your Zoom account was detected on Dec 1, 2026 at 09:00 from 192.0.2.55 (Paris, FR).\r\n" +
			"If this was not you, change your password.\r\n\r\n+1.888.799.9666\r\nSan Jose, CA 95113\r\n"}
	z.HTML = codeHTML("Sign-in detected")
	out, q := h.handleNow(z.bytes())
	if out.Kind != gateway.KindZoomAlert || out.Action != gateway.ActionRelayed || len(q) != 2 {
		t.Fatalf("outcome %+v, %d rows; want zoom-alert relayed to 2 facilitators", out, len(q))
	}
	if q[0].Subject != "Zoom alert: New Zoom Sign-in Detected" || !strings.Contains(q[0].Text, "192.0.2.55") {
		t.Errorf("alert:\n%s\n%s", q[0].Subject, q[0].Text)
	}
}

// TestOtherZoomMail: a Zoom notice that is neither a code, an alert nor a
// recording goes to the other folder; without facilitators nothing of
// Zoom's is relayed.
func TestOtherZoomMail(t *testing.T) {
	h := newHarness(t, relayOptions)
	z := zoomMail{Subject: "Alice has joined your Personal Meeting Room", Text: "Alice joined.\r\n", Received: t0,
		AuthResults: []string{passAR}}
	if out, q := h.handleNow(z.bytes()); out.Kind != gateway.KindMail || out.Folder != gateway.FolderOther || len(q) != 0 {
		t.Errorf("join notice: %+v, %d rows", out, len(q))
	}
	off := newHarness(t)
	if out, q := off.handleNow(codeMail("483920", t0).bytes()); out.Kind != gateway.KindMail || len(q) != 0 {
		t.Errorf("relay off: %+v, %d rows", out, len(q))
	}
}

// TestForgedAlertsCapped: a flood of forged mails yields at most ten
// alerts an hour; every forged mail is still rejected.
func TestForgedAlertsCapped(t *testing.T) {
	h := newHarness(t, relayOptions)
	mails := 0
	for range 15 {
		z := codeMail("483920", t0)
		z.AuthResults = nil
		out, q := h.handleNow(z.bytes())
		if out.Action != gateway.ActionRejected {
			t.Fatalf("forged mail %s", out.Action)
		}
		mails += len(q)
	}
	if mails != 10*2 {
		t.Errorf("%d alert mails, want 20 (10 alerts to 2 facilitators)", mails)
	}
}

// TestCodeRedelivered: a genuine code mail delivered again with one more
// Received field (a forwarder, a resent copy) is relayed once: it is known
// by its Message-ID and DKIM signature, not by its bytes. A forged copy
// does not hide the genuine mail.
func TestCodeRedelivered(t *testing.T) {
	key := newDKIMKey(t)
	for _, mode := range []string{"dkim", "authentication-results"} {
		t.Run(mode, func(t *testing.T) {
			h := newHarness(t, relayOptions, func(o *gateway.Options) {
				if mode == "dkim" {
					o.Auth = gateway.AuthOptions{VerifyDKIM: true, Resolver: key}
				}
			})
			z := codeMail("483920", t0)
			raw := z.bytes()
			if mode == "dkim" {
				z.AuthResults = nil
				raw = key.sign(t, z.bytes())
			}
			forged := append([]byte("Received: from evil.example by mx.coop.example; Mon, 30 Nov 2026 08:00:00 +0000\r\n"),
				[]byte(strings.Replace(string(raw), "dkim=pass", "dkim=fail", 1))...)
			forged = []byte(strings.Replace(string(forged), "bh=", "bh=x", 1))
			if out, _ := h.handleNow(forged); out.Action != gateway.ActionRejected {
				t.Fatalf("forged copy: %+v", out)
			}
			if out, q := h.handleNow(raw); out.Action != gateway.ActionRelayed || len(q) != 3 {
				t.Fatalf("genuine mail after a forged copy: %+v, %d rows", out, len(q))
			}
			again := append([]byte("Received: from relay.coop.example by mx.coop.example; Mon, 30 Nov 2026 08:01:00 +0000\r\n"), raw...)
			if out, q := h.handleNow(again); out.Action != gateway.ActionIgnored || len(q) != 0 {
				t.Errorf("delivered again with one more Received: %+v, %d rows; want ignored", out, len(q))
			}
		})
	}
}

// blockingDNS answers nothing until its context ends.
type blockingDNS struct{}

func (blockingDNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestDKIMLookupDeadline: a DNS that does not answer costs one deadline,
// then the mail is judged not authentic.
func TestDKIMLookupDeadline(t *testing.T) {
	key := newDKIMKey(t)
	h := newHarness(t, relayOptions, func(o *gateway.Options) {
		o.Auth = gateway.AuthOptions{VerifyDKIM: true, Resolver: blockingDNS{}, DNSTimeout: 20 * time.Millisecond}
	})
	z := codeMail("483920", t0)
	z.AuthResults = nil
	out, _ := h.handleNow(key.sign(t, z.bytes()))
	if out.Action != gateway.ActionRejected || !strings.Contains(out.Reason, "not found in time") {
		t.Errorf("outcome %+v, want rejected: key not found in time", out)
	}
}
