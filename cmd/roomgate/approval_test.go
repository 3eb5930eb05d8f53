package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

var approvalLinkRE = regexp.MustCompile(`http://[^\s]+/approval\?t=[A-Za-z0-9._%-]+`)

// approvalConfig turns approvals on for meetings longer than the policy's
// 8 hours, with the web server the links point to.
func approvalConfig(t *testing.T, cfg *Config) {
	t.Helper()
	listen := freeAddr(t)
	cfg.HTTP = HTTPConfig{Listen: listen, Token: testMemberToken, Show: "titles", PublicURL: "http://" + listen}
	cfg.Policy.Approval = []string{"too-long"}
	cfg.Policy.ApprovalKey = "an approval key for the end-to-end tests, 48 chars"
	cfg.Relay.Facilitators = []string{"tech@coop.example"}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
}

// mailFor waits for the mail to addr among the first n sent.
func mailFor(t *testing.T, sink *mailtest.SMTPSink, n int, addr string) mailtest.SinkMessage {
	t.Helper()
	for _, m := range sink.Wait(t, n, 20*time.Second) {
		if len(m.To) == 1 && m.To[0] == addr {
			return m
		}
	}
	t.Fatalf("no mail to %s among the first %d", addr, n)
	return mailtest.SinkMessage{}
}

func postForm(t *testing.T, target string, form url.Values) (int, string) {
	t.Helper()
	res, err := http.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeApproval plays an approval through `roomgate serve`: the
// member's TENTATIVE reply, the facilitators' mail, its link opened (which
// changes nothing), confirmed once, then refused as already decided.
func TestServeApproval(t *testing.T) {
	for _, ms := range mailServers() {
		t.Run(ms.name, func(t *testing.T) {
			srv := ms.new(t)
			sink := mailtest.NewSMTPSink(t)
			cfg := testConfig(t, srv, sink)
			approvalConfig(t, cfg)
			startDaemon(t, cfg)
			long := request("approval-long", "alice@coop.example", 0, tomorrowAt(8, 0), tomorrowAt(18, 0))
			srv.Append(t, "INBOX", long.mail())
			checkReply(t, mailFor(t, sink, 2, "alice@coop.example"), "alice@coop.example", "TENTATIVE", false)
			_, subject, text := describeReply(mailFor(t, sink, 2, "tech@coop.example").Data)
			links := approvalLinkRE.FindAllString(text, -1)
			if len(links) != 2 || !strings.HasPrefix(subject, "À approuver") {
				t.Fatalf("facilitators' mail %q with %d links:\n%s", subject, len(links), text)
			}
			approve, err := url.Parse(links[0])
			if err != nil {
				t.Fatal(err)
			}
			body := waitHTTP(t, approve.String(), http.StatusOK, "Approuver cette demande")
			if !strings.Contains(body, `<form method="post" action="approval">`) {
				t.Fatalf("confirmation page:\n%s", body)
			}
			// Had the GET acted, the POST below would find the request
			// decided already.
			target := approve.Scheme + "://" + approve.Host + "/approval"
			form := url.Values{"t": {approve.Query().Get("t")}}
			if code, body := postForm(t, target, form); code != http.StatusOK || !strings.Contains(body, "Demande approuvée") {
				t.Fatalf("POST: %d\n%s", code, body)
			}
			checkReply(t, sink.Wait(t, 3, 20*time.Second)[2], "alice@coop.example", "ACCEPTED", true)
			if code, body := postForm(t, target, form); code != http.StatusConflict || !strings.Contains(body, "déjà été approuvée") {
				t.Errorf("second POST: %d\n%s", code, body)
			}
			forged := url.Values{"t": {strings.Replace(form.Get("t"), ".approve.", ".refuse.", 1)}}
			if code, _ := postForm(t, target, forged); code != http.StatusForbidden {
				t.Errorf("forged POST: %d, want 403", code)
			}
			if n := len(sink.Messages()); n != 3 {
				t.Errorf("%d mails in all, want 3", n)
			}
		})
	}
}
