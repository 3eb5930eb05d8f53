package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/db/dbtest"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// dovecotUser is the Dovecot account these tests use; the mailbox
// package's tests use others, so both can run at once.
const dovecotUser = "user8@roomgate.test"

// mailServer is an IMAP server for end-to-end tests: in-process, or the
// real Dovecot when ROOMGATE_TEST_DOVECOT is set.
type mailServer struct {
	name string
	new  func(t *testing.T) *mailtest.IMAPServer
}

func mailServers() []mailServer {
	return []mailServer{
		{"memory", func(t *testing.T) *mailtest.IMAPServer {
			return mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
		}},
		{"dovecot", func(t *testing.T) *mailtest.IMAPServer { return mailtest.NewDovecot(t, dovecotUser) }},
	}
}

// testConfig points a configuration at the test servers.
func testConfig(t *testing.T, imapSrv *mailtest.IMAPServer, sink *mailtest.SMTPSink) *Config {
	t.Helper()
	driver, dsn := dbtest.New(t)
	cfg := &Config{Language: "fr", Timezone: "Europe/Paris", LogLevel: "warn",
		Database: DatabaseConfig{Driver: driver, DSN: dsn},
		IMAP: IMAPConfig{Address: imapSrv.Addr(), Security: "insecure", Username: imapSrv.Username(),
			Password: imapSrv.Password(), PollInterval: Duration{200 * time.Millisecond}},
		SMTP:    SMTPConfig{Address: sink.Addr(), Security: "insecure"},
		Account: AccountConfig{HostKey: "483920"},
		Policy:  PolicyConfig{Organizers: []string{"@coop.example"}, Buffer: Duration{10 * time.Minute}},
		Rooms: []RoomConfig{{Name: "Salle Opteos", Address: "zoom@coop.example",
			JoinURL: "https://zoom.us/j/81234567890?pwd=e2e", MeetingID: "812 3456 7890", Passcode: "opteos"}},
		outbox: gateway.OutboxOptions{Interval: 100 * time.Millisecond, RetryBase: 100 * time.Millisecond},
		Auth:   AuthConfig{AuthservID: testMX},
	}
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// daemon is a running `roomgate serve`.
type daemon struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func startDaemon(t *testing.T, cfg *Config) *daemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- serveOnce(ctx, cfg) }()
	t.Cleanup(func() { d.stop(t) })
	return d
}

func (d *daemon) stop(t *testing.T) {
	d.once.Do(func() {
		d.cancel()
		select {
		case err := <-d.done:
			if err != nil {
				t.Errorf("daemon stopped with an error: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("daemon did not stop within 30s")
		}
	})
}

// tomorrowAt returns tomorrow's date at h:m in Paris.
func tomorrowAt(h, m int) time.Time {
	loc, _ := time.LoadLocation("Europe/Paris")
	d := time.Now().In(loc).AddDate(0, 0, 1)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
}

func request(uid, who string, seq int, s, e time.Time) sampleInvite {
	name := strings.Split(who, "@")[0]
	return sampleInvite{Method: "REQUEST", UID: uid, Sequence: seq, Summary: "Réunion de " + name, Organizer: who,
		OrganizerName: name, Room: "zoom@coop.example", Start: s, End: e, Stamp: time.Now(), AuthServ: testMX}
}

// waitFolder waits until the mailbox holds n messages.
func waitFolder(t *testing.T, srv *mailtest.IMAPServer, mailbox string, n int) {
	t.Helper()
	end := time.Now().Add(20 * time.Second)
	for {
		got := len(srv.List(t, mailbox))
		if got == n {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s holds %d message(s), want %d", mailbox, got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkReply checks one reply received by the sink.
func checkReply(t *testing.T, m mailtest.SinkMessage, to, partstat string, hostKey bool) {
	t.Helper()
	got, subject, text := describeReply(m.Data)
	if got != partstat {
		t.Errorf("reply to %s: PARTSTAT %s, want %s (subject %q)", to, got, partstat, subject)
	}
	if len(m.To) != 1 || m.To[0] != to {
		t.Errorf("reply sent to %v, want %s", m.To, to)
	}
	raw := string(m.Data)
	for _, h := range []string{"Auto-Submitted: auto-replied\r\n", "In-Reply-To: <", "From: \"Salle Opteos\" <zoom@coop.example>\r\n",
		"text/calendar; method=REPLY; charset=UTF-8"} {
		if !strings.Contains(raw, h) {
			t.Errorf("reply to %s lacks %q", to, h)
		}
	}
	if has := strings.Contains(text, "483920"); has != hostKey {
		t.Errorf("reply to %s: host key shown = %v, want %v", to, has, hostKey)
	}
	if has := strings.Contains(text, "https://zoom.us/j/"); has != hostKey {
		t.Errorf("reply to %s: join link shown = %v, want %v", to, has, hostKey)
	}
}

// TestServeStory plays the story of the README through `roomgate serve`.
func TestServeStory(t *testing.T) {
	for _, ms := range mailServers() {
		t.Run(ms.name, func(t *testing.T) {
			srv := ms.new(t)
			sink := mailtest.NewSMTPSink(t)
			startDaemon(t, testConfig(t, srv, sink))
			alice := request("story-alice", "alice@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0))
			srv.Append(t, "INBOX", alice.mail())
			checkReply(t, sink.Wait(t, 1, 20*time.Second)[0], "alice@coop.example", "ACCEPTED", true)

			srv.Append(t, "INBOX", request("story-bob", "bob@coop.example", 0, tomorrowAt(10, 30), tomorrowAt(11, 30)).mail())
			bob := sink.Wait(t, 2, 20*time.Second)[1]
			checkReply(t, bob, "bob@coop.example", "DECLINED", false)
			_, _, text := describeReply(bob.Data)
			if text = strings.NewReplacer("\u00a0–\u2060\u00a0", "–").Replace(text); !strings.Contains(text, "10:00–11:00") || !strings.Contains(text, "11:15–12:15") {
				t.Errorf("decline does not show the booking in the way and a free slot:\n%s", text)
			}

			// Alice cancels: she gets no reply, but Bob's request, which
			// waited, takes the slot that freed.
			cancel := alice
			cancel.Method, cancel.Sequence, cancel.Stamp = "CANCEL", 1, time.Now().Add(time.Second)
			srv.Append(t, "INBOX", cancel.mail())
			waitFolder(t, srv, "roomgate/Processed", 3)
			checkReply(t, sink.Wait(t, 3, 20*time.Second)[2], "bob@coop.example", "ACCEPTED", true)

			srv.Append(t, "INBOX", request("story-dave", "dave@coop.example", 0, tomorrowAt(10, 0), tomorrowAt(11, 0)).mail())
			checkReply(t, sink.Wait(t, 4, 20*time.Second)[3], "dave@coop.example", "DECLINED", false)

			srv.Append(t, "INBOX", request("story-eve", "eve@elsewhere.example", 0, tomorrowAt(15, 0), tomorrowAt(16, 0)).mail())
			checkReply(t, sink.Wait(t, 5, 20*time.Second)[4], "eve@elsewhere.example", "DECLINED", false)

			waitFolder(t, srv, "roomgate/Processed", 5)
			waitFolder(t, srv, "INBOX", 0)
			for _, m := range sink.Messages() {
				if m.To[0] == "alice@coop.example" && strings.Contains(string(m.Data), "method=CANCEL") {
					t.Errorf("a mail answered Alice's CANCEL")
				}
			}
			if n := len(sink.Messages()); n != 5 {
				t.Errorf("%d mails sent, want 5 (none to the CANCEL)", n)
			}
		})
	}
}

// TestServeRestart: a daemon stopped and started again decides nothing
// twice and misses nothing.
func TestServeRestart(t *testing.T) {
	t.Parallel() // its own servers and database
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	cfg := testConfig(t, srv, sink)
	d := startDaemon(t, cfg)
	alice := request("restart-alice", "alice@coop.example", 0, tomorrowAt(9, 0), tomorrowAt(10, 0)).mail()
	srv.Append(t, "INBOX", alice)
	sink.Wait(t, 1, 20*time.Second)
	waitFolder(t, srv, "INBOX", 0)
	d.stop(t)

	srv.Append(t, "INBOX", request("restart-bob", "bob@coop.example", 0, tomorrowAt(14, 0), tomorrowAt(15, 0)).mail())
	srv.Append(t, "INBOX", alice) // the same message delivered again
	startDaemon(t, cfg)
	msgs := sink.Wait(t, 2, 20*time.Second)
	checkReply(t, msgs[1], "bob@coop.example", "ACCEPTED", true)
	waitFolder(t, srv, "INBOX", 0)
	waitFolder(t, srv, "roomgate/Processed", 3)
	time.Sleep(300 * time.Millisecond)
	if n := len(sink.Messages()); n != 2 {
		t.Fatalf("%d replies sent, want 2: a message was decided twice", n)
	}
}

// TestServeIMAPDrop: a connection dropped while idle is re-established and
// the next message handled.
func TestServeIMAPDrop(t *testing.T) {
	for _, ms := range mailServers() {
		t.Run(ms.name, func(t *testing.T) {
			srv := ms.new(t)
			sink := mailtest.NewSMTPSink(t)
			startDaemon(t, testConfig(t, srv, sink))
			srv.Append(t, "INBOX", request("drop-1", "alice@coop.example", 0, tomorrowAt(8, 0), tomorrowAt(9, 0)).mail())
			sink.Wait(t, 1, 20*time.Second)
			time.Sleep(200 * time.Millisecond) // idling now
			srv.DropConnections()
			srv.Append(t, "INBOX", request("drop-2", "bob@coop.example", 0, tomorrowAt(16, 0), tomorrowAt(17, 0)).mail())
			checkReply(t, sink.Wait(t, 2, 30*time.Second)[1], "bob@coop.example", "ACCEPTED", true)
		})
	}
}

// TestServeSMTPDown: replies decided while the SMTP server is down are
// queued, the messages filed meanwhile, and once the server is back the
// replies leave in the order of the decisions.
func TestServeSMTPDown(t *testing.T) {
	t.Parallel() // its own servers and database
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	sink.SetDown(true)
	startDaemon(t, testConfig(t, srv, sink))
	who := []string{"alice@coop.example", "bob@coop.example", "carol@coop.example"}
	for i, w := range who {
		s := tomorrowAt(9+2*i, 0)
		srv.Append(t, "INBOX", request(fmt.Sprintf("smtp-down-%d", i), w, 0, s, s.Add(time.Hour)).mail())
	}
	waitFolder(t, srv, "roomgate/Processed", len(who))
	time.Sleep(500 * time.Millisecond)
	if n := len(sink.Messages()); n != 0 {
		t.Fatalf("%d mails delivered while the server was down", n)
	}
	sink.SetDown(false)
	got := sink.Wait(t, len(who), 30*time.Second)
	for i, w := range who {
		checkReply(t, got[i], w, "ACCEPTED", true)
	}
}

// TestServeBadInput: every broken message ends in the rejected folder and
// the daemon goes on.
func TestServeBadInput(t *testing.T) {
	t.Parallel() // its own servers and database
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	startDaemon(t, testConfig(t, srv, sink))
	bad := badCorpus(t)
	for _, b := range bad {
		srv.Append(t, "INBOX", b.raw)
	}
	srv.Append(t, "INBOX", request("after-bad", "alice@coop.example", 0, tomorrowAt(17, 0), tomorrowAt(18, 0)).mail())
	checkReply(t, sink.Wait(t, 1, 30*time.Second)[0], "alice@coop.example", "ACCEPTED", true)
	waitFolder(t, srv, "roomgate/Rejected", len(bad))
	waitFolder(t, srv, "INBOX", 0)
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("%d mails sent, want only the reply to the good invitation", n)
	}
}

// badMessage is one entry of the corpus of broken input.
type badMessage struct {
	name string
	raw  []byte
}

// badCorpus returns messages that must each be rejected with a reason.
func badCorpus(t *testing.T) []badMessage {
	t.Helper()
	cal := func(body string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n" + body +
			"ORGANIZER:mailto:alice@coop.example\r\nATTENDEE:mailto:zoom@coop.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	mail := func(ctype, cte, body string) []byte {
		return []byte(fmt.Sprintf("From: alice@coop.example\r\nTo: zoom@coop.example\r\nSubject: bad\r\nMessage-ID: <%d@coop.example>\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: %s\r\nContent-Transfer-Encoding: %s\r\n\r\n%s", time.Now().UnixNano(), ctype, cte, body))
	}
	s := tomorrowAt(10, 0).UTC().Format("20060102T150405Z")
	e := tomorrowAt(11, 0).UTC().Format("20060102T150405Z")
	big := strings.Repeat(strings.Repeat("A", 76)+"\r\n", 20<<20/78)
	return []badMessage{
		{"missing UID", mail("text/calendar; method=REQUEST", "7bit", cal("DTSTAMP:20260101T000000Z\r\nDTSTART:"+s+"\r\nDTEND:"+e+"\r\n"))},
		{"missing DTSTART", mail("text/calendar; method=REQUEST", "7bit", cal("UID:bad-1\r\nDTEND:"+e+"\r\n"))},
		{"end before start", mail("text/calendar; method=REQUEST", "7bit", cal("UID:bad-2\r\nDTSTART:"+e+"\r\nDTEND:"+s+"\r\n"))},
		{"bad parameters", mail("text/calendar; method=REQUEST", "7bit", cal("UID:bad-3\r\nDTSTART;TZID=\"unterminated:"+s+"\r\nDTEND;=x:"+e+"\r\n"))},
		{"invalid charset", mail("text/calendar; method=REQUEST; charset=x-no-such-charset", "7bit", cal("UID:bad-4\r\nDTSTART:"+s+"\r\nDTEND:"+e+"\r\n"))},
		{"broken base64", mail("text/calendar; method=REQUEST", "base64", "QkVHSU46VkNBTEVOREFS!!!!****\r\n")},
		{"broken MIME", mail("multipart/mixed; boundary=\"x\"", "7bit", "--x\r\nContent-Type: text/calendar\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@@\r\n")},
		// Values no database column holds, which once stalled the queue.
		{"SEQUENCE beyond 32 bits", mail("text/calendar; method=REQUEST", "7bit", cal("UID:bad-6\r\nSEQUENCE:2147483648\r\nDTSTART:"+s+"\r\nDTEND:"+e+"\r\n"))},
		{"endless DURATION", mail("text/calendar; method=REQUEST", "7bit", cal("UID:bad-7\r\nDTSTART:"+s+"\r\nDURATION:P99999999W\r\n"))},
		{"NUL in the organizer", mail("text/calendar; method=REQUEST", "8bit", cal("UID:bad-8\r\nDTSTART:"+s+"\r\nDTEND:"+e+"\r\nORGANIZER:mailto:al\x00ice@coop.example\r\n"))},
		{"UID not UTF-8", mail("text/calendar; method=REQUEST", "8bit", cal("UID:bad-\xff\xfe\r\nDTSTART:"+s+"\r\nDTEND:"+e+"\r\n"))},
		{"year 1800", mail("text/calendar; method=REQUEST", "7bit", cal("UID:bad-9\r\nDTSTART:18000101T100000Z\r\nDTEND:18000101T110000Z\r\n"))},
		{"20 MB attachment", mail("multipart/mixed; boundary=\"b\"", "7bit", "--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n"+
			cal("UID:bad-5\r\nDTSTART:"+s+"\r\nDTEND:"+e+"\r\n")+"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"+big+"--b--\r\n")},
	}
}
