package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"codeberg.org/opteos/roomgate/mailbox/memimap"
)

const (
	demoUser     = "zoom@coop.example"
	demoPassword = "demo-password"
)

// demoServers are the demo's in-process IMAP server and SMTP sink, both on
// loopback.
type demoServers struct {
	imapAddr, smtpAddr string
	user               *imapmemserver.User
	imap               *imapserver.Server
	smtp               *smtp.Server
	sink               *demoSink
	out                io.Writer
}

func startDemoServers() (*demoServers, error) {
	env := &demoServers{user: imapmemserver.NewUser(demoUser, demoPassword), sink: &demoSink{got: make(chan demoMail, 16)}}
	if err := env.user.Create("INBOX", nil); err != nil {
		return nil, err
	}
	env.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return memimap.NewSession(env.user), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	env.imapAddr = ln.Addr().String()
	go env.imap.Serve(ln)
	env.smtp = smtp.NewServer(env.sink)
	env.smtp.Domain = "localhost"
	env.smtp.AllowInsecureAuth = true
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		env.imap.Close()
		return nil, err
	}
	env.smtpAddr = sl.Addr().String()
	go env.smtp.Serve(sl)
	return env, nil
}

func (env *demoServers) Close() {
	env.imap.Close()
	env.smtp.Close()
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...interface{}) {}

// appendInbox delivers a message as a mail server would.
func (env *demoServers) appendInbox(raw []byte) error {
	_, err := env.user.Append("INBOX", literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Time: time.Now()})
	return err
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

// counts returns the number of messages in each mailbox.
func (env *demoServers) counts() map[string]uint32 {
	out := map[string]uint32{}
	for _, name := range []string{"INBOX", "roomgate/Processed", "roomgate/Rejected", "roomgate/Other"} {
		st, err := env.user.Status(name, &imap.StatusOptions{NumMessages: true})
		if err == nil && st.NumMessages != nil {
			out[name] = *st.NumMessages
		}
	}
	return out
}

// grownFolder names the mailbox that gained a message since before.
func (env *demoServers) grownFolder(before map[string]uint32) string {
	for name, n := range env.counts() {
		if name != "INBOX" && n > before[name] {
			return name
		}
	}
	return "(no folder)"
}

// waitInboxEmpty waits until the daemon has filed every message.
func (env *demoServers) waitInboxEmpty(timeout time.Duration) error {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if env.counts()["INBOX"] == 0 {
			return nil
		}
	}
	return errors.New("the daemon did not file the message in time")
}

func (env *demoServers) printFolders(cfg *Config) {
	c := env.counts()
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(env.out, "Mailbox folders at the end:")
	for _, n := range names {
		fmt.Fprintf(env.out, "  %-20s %d message(s)\n", n, c[n])
	}
}

// demoMail is one mail received by the sink.
type demoMail struct {
	from string
	to   []string
	data []byte
}

// demoSink is an SMTP server that keeps what it receives.
type demoSink struct{ got chan demoMail }

func (s *demoSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &demoSession{sink: s}, nil }

func (s *demoSink) wait(timeout time.Duration) (demoMail, error) {
	select {
	case m := <-s.got:
		return m, nil
	case <-time.After(timeout):
		return demoMail{}, errors.New("no reply arrived in time")
	}
}

type demoSession struct {
	sink *demoSink
	cur  demoMail
}

func (s *demoSession) Reset()        { s.cur = demoMail{} }
func (s *demoSession) Logout() error { return nil }
func (s *demoSession) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.from = from
	return nil
}
func (s *demoSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *demoSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.sink.got <- s.cur
	return nil
}

// drain discards the mails the sink holds.
func (s *demoSink) drain() {
	for {
		select {
		case <-s.got:
		default:
			return
		}
	}
}
