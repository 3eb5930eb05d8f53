package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"codeberg.org/opteos/roomgate/ical"
)

// DefaultSMTPTimeout bounds one SMTP conversation when SMTPOptions.Timeout
// is zero.
const DefaultSMTPTimeout = time.Minute

// reuseFor is how long an idle SMTP connection is kept for the next Send.
const reuseFor = 30 * time.Second

// SMTPOptions configures an SMTP sender. Address and Security are required.
type SMTPOptions struct {
	// Address is the submission server's host:port.
	Address string
	// Security is "tls" (implicit TLS, port 465), "starttls" (port 587) or
	// "insecure" (plain text, loopback only).
	Security string
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN (RFC 4616). The password is sent only over TLS or loopback.
	Username, Password string
	// HeloName is the name sent with EHLO; DefaultHeloName() when empty.
	HeloName string
	// TLSConfig is the base TLS configuration (e.g. a test CA).
	// Certificates are always verified.
	TLSConfig *tls.Config
	// Timeout bounds connecting and each send; DefaultSMTPTimeout when 0.
	Timeout time.Duration
	// Logger receives connection events; slog.Default() when nil.
	Logger *slog.Logger
}

// SMTP hands mail to a submission server. It implements gateway.Sender and
// is safe for concurrent use. A connection is reused for sends that follow
// each other closely and dropped after any error.
type SMTP struct {
	opt  SMTPOptions
	host string
	log  *slog.Logger

	mu       sync.Mutex
	c        *smtp.Client
	lastUsed time.Time
}

// SendError is the error of a failed Send. It implements
// gateway.PermanentError: Permanent is true for a 5xx answer to MAIL, RCPT
// or DATA (RFC 5321 section 4.2.1) or a mail that can never be sent as it
// is. Failures while connecting, including a 5xx to EHLO or AUTH, are
// temporary: they concern the configuration, not the mail. It implements
// gateway.PerMailError too: PerMail is true when the server answered for
// this mail alone (a 4xx other than 421 to MAIL, RCPT or DATA, "mailbox
// busy" say), so the other mails need not wait.
type SendError struct {
	// Code is the SMTP reply code, 0 for network and local errors.
	Code    int
	Err     error
	perm    bool
	perMail bool
}

// Error describes the failure.
func (e *SendError) Error() string { return "smtp: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// Permanent reports whether retrying cannot help.
func (e *SendError) Permanent() bool { return e.perm }

// PerMail reports whether the failure concerns this mail only, not the
// server.
func (e *SendError) PerMail() bool { return e.perMail || e.perm }

// NewSMTP validates opt and returns a sender. It does not connect.
func NewSMTP(opt SMTPOptions) (*SMTP, error) {
	host, err := checkSecurity(opt.Address, opt.Security)
	if err != nil {
		return nil, fmt.Errorf("smtp options: %w", err)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultSMTPTimeout
	}
	if opt.HeloName == "" {
		opt.HeloName = DefaultHeloName()
	}
	if strings.ContainsAny(opt.HeloName, " \r\n") {
		return nil, fmt.Errorf("smtp options: bad HELO name %q", opt.HeloName)
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	return &SMTP{opt: opt, host: host, log: log.With("smtp", opt.Address)}, nil
}

// DefaultHeloName is the name given in EHLO when none is configured: this
// machine's host name, or "localhost" when it has none usable.
func DefaultHeloName() string {
	h, err := os.Hostname()
	if err != nil || h == "" || strings.ContainsAny(h, " \r\n") {
		return "localhost"
	}
	return h
}

// Send submits raw (CRLF line ends) from the envelope sender to the
// recipients. A 5xx answer to the mail transaction gives a permanent
// *SendError; 4xx answers, network and connection errors give a temporary
// one.
func (s *SMTP) Send(ctx context.Context, from string, to []string, raw []byte) error {
	utf8, err := checkEnvelope(from, to)
	if err != nil {
		return &SendError{Err: err, perm: true}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.client(ctx)
	if err != nil {
		// A 5xx to EHLO, STARTTLS or AUTH is about the account or the
		// configuration, not this mail: retrying after a fix must work.
		return &SendError{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if utf8 {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			return &SendError{Err: errors.New("an address is not ASCII and the server does not support SMTPUTF8 (RFC 6531)"), perm: true}
		}
	}
	if err := transaction(c, from, to, raw, utf8); err != nil {
		se := classify(err)
		if !se.perMail {
			s.discard() // the connection is in doubt
		} else if rerr := c.Reset(); rerr != nil {
			s.discard()
		}
		return se
	}
	s.lastUsed = time.Now()
	return nil
}

// transaction runs one mail transaction (RFC 5321 §3.3).
func transaction(c *smtp.Client, from string, to []string, raw []byte, utf8 bool) error {
	var opts *smtp.MailOptions
	if utf8 {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(from, opts); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}

// Check connects, says EHLO, starts TLS, authenticates and quits.
func (s *SMTP) Check(ctx context.Context) error {
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Quit(); err != nil {
		return fmt.Errorf("smtp quit: %w", err)
	}
	return nil
}

// Close quits the kept connection, if any.
func (s *SMTP) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		return nil
	}
	err := s.c.Quit()
	s.discard()
	return err
}

// client returns the kept connection if it is recent and answers NOOP,
// else a new one.
func (s *SMTP) client(ctx context.Context) (*smtp.Client, error) {
	if s.c != nil && time.Since(s.lastUsed) < reuseFor {
		s.c.CommandTimeout = s.opt.Timeout
		if err := s.c.Noop(); err == nil {
			return s.c, nil
		}
	}
	if s.c != nil {
		_ = s.c.Quit()
		s.discard()
	}
	c, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	s.c = c
	return c, nil
}

func (s *SMTP) discard() {
	if s.c != nil {
		_ = s.c.Close()
		s.c = nil
	}
}

// dial connects, says EHLO, upgrades with STARTTLS and authenticates.
func (s *SMTP) dial(ctx context.Context) (*smtp.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	conn, err := s.dialConn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.opt.Address, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := s.newClient(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.CommandTimeout = s.opt.Timeout
	c.SubmissionTimeout = s.opt.Timeout
	if err := s.hello(c); err != nil {
		c.Close()
		return nil, err
	}
	s.log.Debug("SMTP connected")
	return c, nil
}

func (s *SMTP) dialConn(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{Timeout: s.opt.Timeout}
	if s.opt.Security == SecurityTLS {
		cfg := tlsConfigFor(s.opt.TLSConfig, s.host)
		return (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", s.opt.Address)
	}
	return d.DialContext(ctx, "tcp", s.opt.Address)
}

// newClient starts the SMTP conversation; with STARTTLS (RFC 3207) it
// says EHLO and upgrades the connection. go-smtp introduces itself as
// "localhost" before STARTTLS; HeloName is used once encrypted.
func (s *SMTP) newClient(conn net.Conn) (*smtp.Client, error) {
	if s.opt.Security != SecurityStartTLS {
		return smtp.NewClient(conn), nil
	}
	c, err := smtp.NewClientStartTLS(conn, tlsConfigFor(s.opt.TLSConfig, s.host))
	if err != nil {
		return nil, fmt.Errorf("smtp starttls: %w", err)
	}
	return c, nil
}

// hello runs EHLO and AUTH (RFC 4954).
func (s *SMTP) hello(c *smtp.Client) error {
	if err := c.Hello(s.opt.HeloName); err != nil {
		return fmt.Errorf("smtp ehlo: %w", err)
	}
	if s.opt.Username == "" {
		return nil
	}
	if _, isTLS := c.TLSConnectionState(); !isTLS && !isLoopback(s.host) {
		return &SendError{Err: errors.New("refusing to send a password over an unencrypted connection")}
	}
	if err := c.Auth(sasl.NewPlainClient("", s.opt.Username, s.opt.Password)); err != nil {
		return fmt.Errorf("smtp auth as %s: %w", s.opt.Username, err)
	}
	return nil
}

// checkEnvelope accepts only addresses that are exactly one mailbox
// (ical.ParseMailbox): nothing else is ever handed to the server. It
// reports whether one of them needs SMTPUTF8.
func checkEnvelope(from string, to []string) (utf8 bool, err error) {
	if len(to) == 0 {
		return false, errors.New("no recipients")
	}
	for _, a := range append([]string{from}, to...) {
		if _, err := ical.ParseMailbox(a); err != nil {
			return false, err
		}
		utf8 = utf8 || !isASCII(a)
	}
	return utf8, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// classify wraps an error of a mail transaction in a *SendError: a 5xx
// answer is permanent, a 4xx other than 421 (service closing) concerns
// this mail only, anything else (421, the connection lost) the server.
func classify(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	var serr *smtp.SMTPError
	if errors.As(err, &serr) {
		c := serr.Code
		return &SendError{Code: c, Err: err, perm: c >= 500 && c < 600, perMail: c >= 400 && c < 500 && c != 421}
	}
	return &SendError{Err: err}
}
