package mailtest

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SinkMessage is a mail received by an SMTPSink.
type SinkMessage struct {
	From string
	To   []string
	Data []byte
	// Username is the AUTH PLAIN identity, "" without AUTH.
	Username string
	// TLS is set when the mail came over TLS (STARTTLS).
	TLS bool
	// Helo is the name the client gave in EHLO or HELO.
	Helo string
}

// SMTPSink is an SMTP server for tests that keeps every mail it accepts.
// It offers STARTTLS with a certificate from NewTLS and accepts any AUTH
// PLAIN credentials, also without TLS.
type SMTPSink struct {
	srv       *smtp.Server
	lns       []net.Listener
	addr      string
	tlsAddr   string
	clientTLS *tls.Config

	mu     sync.Mutex
	msgs   []SinkMessage
	added  chan struct{} // closed and replaced on each new mail
	down   bool
	reject int
	// rejectRcpt answers a code to RCPT for these addresses only.
	rejectRcpt map[string]int
	authBad    bool
	logger     *testLogger
	closing    sync.Once
}

// SinkOption configures a sink at its start.
type SinkOption func(*smtp.Server)

// WithSMTPUTF8 makes the sink offer SMTPUTF8 (RFC 6531).
func WithSMTPUTF8() SinkOption { return func(s *smtp.Server) { s.EnableSMTPUTF8 = true } }

// NewSMTPSink starts a sink on 127.0.0.1:0, with a second listener for
// implicit TLS.
func NewSMTPSink(t testing.TB, opts ...SinkOption) *SMTPSink {
	t.Helper()
	serverTLS, clientTLS := NewTLS(t)
	s := &SMTPSink{clientTLS: clientTLS, added: make(chan struct{}), logger: newTestLogger(t)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{sink: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = serverTLS
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = s.logger
	for _, o := range opts {
		o(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.srv, s.addr, s.tlsAddr = srv, ln.Addr().String(), tlsLn.Addr().String()
	s.lns = []net.Listener{ln, tlsLn}
	go serve(func() { _ = srv.Serve(ln) })
	go serve(func() { _ = srv.Serve(tls.NewListener(tlsLn, serverTLS)) })
	t.Cleanup(s.Close)
	return s
}

// Addr returns the sink's host:port.
func (s *SMTPSink) Addr() string { return s.addr }

// TLSAddr returns the host:port of the implicit TLS listener (as on port
// 465, RFC 8314).
func (s *SMTPSink) TLSAddr() string { return s.tlsAddr }

// ClientTLS returns a client TLS configuration trusting the sink's CA.
func (s *SMTPSink) ClientTLS() *tls.Config { return s.clientTLS.Clone() }

// SetDown makes the sink answer 421 (service not available, RFC 5321
// section 3.8) to every MAIL command while down is true.
func (s *SMTPSink) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// SetReject makes the sink answer code (e.g. 550) to every RCPT command;
// 0 accepts again.
func (s *SMTPSink) SetReject(code int) {
	s.mu.Lock()
	s.reject = code
	s.mu.Unlock()
}

// SetRejectRcpt makes the sink answer code (e.g. 450, mailbox busy) to
// RCPT for that address only; 0 accepts it again.
func (s *SMTPSink) SetRejectRcpt(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejectRcpt == nil {
		s.rejectRcpt = map[string]int{}
	}
	s.rejectRcpt[addr] = code
}

// SetAuthFailure makes every AUTH fail with 535 while bad is true.
func (s *SMTPSink) SetAuthFailure(bad bool) {
	s.mu.Lock()
	s.authBad = bad
	s.mu.Unlock()
}

// Messages returns the mails received so far.
func (s *SMTPSink) Messages() []SinkMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SinkMessage(nil), s.msgs...)
}

// Wait waits until at least n mails arrived and returns them; it fails the
// test after timeout.
func (s *SMTPSink) Wait(t testing.TB, n int, timeout time.Duration) []SinkMessage {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs, added := append([]SinkMessage(nil), s.msgs...), s.added
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-added:
		case <-deadline.C:
			t.Fatalf("mailtest: %d mails after %v, want %d", len(msgs), timeout, n)
		}
	}
}

// Close stops the sink.
func (s *SMTPSink) Close() {
	s.closing.Do(func() {
		_ = s.srv.Close()
		// Serve may not have registered a listener yet.
		for _, ln := range s.lns {
			_ = ln.Close()
		}
		s.logger.stop()
	})
}

func (s *SMTPSink) add(m SinkMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.added)
	s.added = make(chan struct{})
}

func (s *SMTPSink) state() (down bool, reject int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down, s.reject
}

// sinkSession is one SMTP session of a sink.
type sinkSession struct {
	sink *SMTPSink
	conn *smtp.Conn
	user string
	msg  SinkMessage
}

var _ smtp.AuthSession = (*sinkSession)(nil)

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		ss.sink.mu.Lock()
		bad := ss.sink.authBad
		ss.sink.mu.Unlock()
		if username == "" || bad {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if down, _ := ss.sink.state(); down {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Service not available"}
	}
	ss.msg = SinkMessage{From: from, Username: ss.user, Helo: ss.conn.Hostname()}
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.sink.mu.Lock()
	one := ss.sink.rejectRcpt[to]
	ss.sink.mu.Unlock()
	if one != 0 {
		return &smtp.SMTPError{Code: one, EnhancedCode: smtp.EnhancedCode{one / 100, 2, 1}, Message: "Mailbox busy, try later"}
	}
	if _, code := ss.sink.state(); code != 0 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "Rejected by test"}
	}
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := ss.msg
	m.Data = data
	_, m.TLS = ss.conn.TLSConnectionState()
	ss.sink.add(m)
	return nil
}

func (ss *sinkSession) Reset() { ss.msg = SinkMessage{} }

func (ss *sinkSession) Logout() error { return nil }
