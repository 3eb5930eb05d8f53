package mailbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
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
	// HeloName is the name sent with EHLO; "localhost" when empty.
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
// temporary: they concern the configuration, not the mail.
type SendError struct {
	// Code is the SMTP reply code, 0 for network and local errors.
	Code int
	Err  error
	perm bool
}

// Error describes the failure.
func (e *SendError) Error() string { return "smtp: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// Permanent reports whether retrying cannot help.
func (e *SendError) Permanent() bool { return e.perm }

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
		opt.HeloName = "localhost"
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

// Send submits raw (CRLF line ends) from the envelope sender to the
// recipients. A 5xx answer to the mail transaction gives a permanent
// *SendError; 4xx answers, network and connection errors give a temporary
// one.
func (s *SMTP) Send(ctx context.Context, from string, to []string, raw []byte) error {
	if err := checkEnvelope(from, to); err != nil {
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
	if err := c.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		s.discard()
		return classify(err)
	}
	s.lastUsed = time.Now()
	return nil
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

// checkEnvelope rejects addresses that would break the SMTP command line.
func checkEnvelope(from string, to []string) error {
	if len(to) == 0 {
		return errors.New("no recipients")
	}
	for _, a := range append([]string{from}, to...) {
		if strings.ContainsAny(a, "\r\n<> ") {
			return fmt.Errorf("invalid address %q", a)
		}
	}
	return nil
}

// classify wraps err in a *SendError, permanent for 5xx answers.
func classify(err error) error {
	var se *SendError
	if errors.As(err, &se) {
		return err
	}
	var serr *smtp.SMTPError
	if errors.As(err, &serr) {
		return &SendError{Code: serr.Code, Err: err, perm: serr.Code >= 500 && serr.Code < 600}
	}
	return &SendError{Err: err}
}
