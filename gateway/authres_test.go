package gateway_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// issueField is the field of issue 18 as rspamd 3.4 wrote it with DNS,
// for the envelope MAIL FROM:<"x; dmarc=pass; "@evil.example>.
const issueField = mx + `; dkim=none; spf=temperror (mx.coop.example: error in processing
	during lookup of "x; dmarc=pass; @evil.example": DNS error) smtp.mailfrom="x; dmarc=pass; @evil.example";
	dmarc=temperror reason="query timed out" header.from=coop.example (policy=temperror)`

// attackFields are Authentication-Results fields (top first) that carry
// an outsider's text: the field of the issue, and those real rspamd,
// policyd-spf and OpenDMARC wrote for the attacks of
// mailauth/testdata/README.md.
func attackFields(t *testing.T) map[string][]string {
	t.Helper()
	fields := map[string][]string{"issue": {strings.ReplaceAll(issueField, "\n", "\r\n")}}
	files, err := filepath.Glob("../mailauth/testdata/*.field")
	if err != nil || len(files) < 20 {
		t.Fatalf("captured fields: %v, %d files", err, len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var vs []string
		for _, l := range strings.SplitAfter(string(raw), "\r\n") {
			switch {
			case strings.HasPrefix(l, "Authentication-Results: "):
				vs = append(vs, strings.TrimPrefix(l, "Authentication-Results: "))
			case l != "":
				vs[len(vs)-1] += l // a folded line
			}
		}
		for i := range vs {
			vs[i] = strings.TrimSuffix(vs[i], "\r\n")
		}
		fields[strings.TrimSuffix(filepath.Base(f), ".field")] = vs
	}
	return fields
}

// withFields puts the fields on an invitation, top first.
func withFields(iv invite, fields []string) invite {
	iv.AuthResults = fields[0]
	for _, f := range fields[1:] {
		iv.Header = append(iv.Header, "Authentication-Results: "+f)
	}
	return iv
}

// TestForgedAuthResults: an outsider writing in Alice's name, whose text
// the receiving server copied into its Authentication-Results field, can
// neither book, move nor cancel Alice's meeting.
func TestForgedAuthResults(t *testing.T) {
	for name, field := range attackFields(t) {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, securityOptions)
			forged := withFields(meeting("REQUEST", "forged-1", alice, 0, tomorrow(14, 0), tomorrow(15, 0)), field)
			if out := h.handle(forged.bytes()); out.Action != gateway.ActionRejected || !strings.Contains(out.Reason, "not authenticated") {
				t.Fatalf("forged booking: %+v, want rejected as not authenticated", out)
			}
			if out := h.handle(meeting("REQUEST", "alice-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()); out.Action != gateway.ActionAccepted {
				t.Fatalf("alice: %+v", out)
			}
			move := stamped(meeting("REQUEST", "alice-1", alice, 1, tomorrow(15, 0), tomorrow(16, 0)), time.Minute)
			cancel := stamped(meeting("CANCEL", "alice-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), 2*time.Minute)
			for what, iv := range map[string]invite{"move": move, "cancel": cancel} {
				if out := h.handle(withFields(iv, field).bytes()); out.Action != gateway.ActionRejected {
					t.Errorf("forged %s: %+v, want rejected", what, out)
				}
			}
			if h.hasBooking("forged-1", "") {
				t.Error("the forged meeting is booked")
			}
			b := h.booking("alice-1", "")
			if b.Status != gateway.StatusAccepted || !b.Start.Equal(tomorrow(10, 0)) || b.Sequence != 0 {
				t.Errorf("alice's booking: %s at %v, SEQUENCE %d", b.Status, b.Start, b.Sequence)
			}
		})
	}
}

// TestForgedAuthResultsZoom: the same fields, written for zoom.us, neither
// get a forged sign-in code relayed nor a forged recording notice (with a
// phishing link) forwarded: Zoom's mail is authenticated the same way.
func TestForgedAuthResultsZoom(t *testing.T) {
	for name, fields := range attackFields(t) {
		for i, f := range fields {
			fields[i] = strings.ReplaceAll(strings.ReplaceAll(f, "coop.example", "zoom.us"), "mx.zoom.us", mx)
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, relayOptions)
			z := codeMail("483920", t0)
			z.AuthResults = fields
			out, q := h.handleNow(z.bytes())
			checkAuthOutcome(t, out, q, false)
			rec := zoomMail{Subject: "Cloud Recording - Salle Opteos is now available", Received: t0, AuthResults: fields,
				Text: "Your cloud recording is now available.\r\nhttps://evil.example/rec/share/xyz\r\n"}
			out, q = h.handleNow(rec.bytes())
			if out.Kind != gateway.KindZoomRecording || out.Action != gateway.ActionRejected {
				t.Errorf("forged recording notice: %+v, want rejected", out)
			}
			for _, r := range q {
				if strings.Contains(r.Text+r.HTML, "evil.example/rec") {
					t.Errorf("the forged link reached %s", r.To)
				}
			}
		})
	}
}

// TestFromNotOneSender: two From fields, a group, or two mailboxes are
// never authentic, whatever the Authentication-Results field says.
func TestFromNotOneSender(t *testing.T) {
	tests := map[string]func(*invite){
		"two From fields":               func(iv *invite) { iv.Header = []string{"From: Mallory <mallory@evil.example>"} },
		"two From fields, same address": func(iv *invite) { iv.Header = []string{"From: alice@coop.example"} },
		"a group":                       func(iv *invite) { iv.RawFrom = "members: alice@coop.example;" },
		"a group in a list":             func(iv *invite) { iv.RawFrom = "Alice <alice@coop.example>, undisclosed:;" },
		"two mailboxes":                 func(iv *invite) { iv.From = "alice@coop.example>, <mallory@evil.example" },
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, securityOptions)
			iv := meeting("REQUEST", "w-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
			iv.AuthResults = mx + "; dmarc=pass header.from=coop.example"
			edit(&iv)
			out := h.handle(iv.bytes())
			if out.Action != gateway.ActionRejected || !strings.Contains(out.Reason, "not exactly one") {
				t.Errorf("outcome %+v, want rejected: From not exactly one address", out)
			}
		})
	}
}
