package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"codeberg.org/opteos/roomgate/gateway"
)

const dialTimeout = 30 * time.Second

// session is one logged-in IMAP connection.
type session struct {
	m       *IMAP
	c       *imapclient.Client
	caps    imap.CapSet
	delim   rune
	folders map[gateway.Folder]string // server-side names
	// uidValidity of the selected inbox.
	uidValidity uint32
}

// open dials, waits for the greeting and logs in. EXISTS responses are
// signalled on wake when it is not nil.
func (m *IMAP) open(ctx context.Context, wake chan struct{}) (*session, error) {
	host, _ := checkSecurity(m.opt.Address, m.opt.Security) // validated by NewIMAP
	options := &imapclient.Options{TLSConfig: tlsConfigFor(m.opt.TLSConfig, host)}
	if wake != nil {
		options.UnilateralDataHandler = &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					notify(wake)
				}
			},
		}
	}
	c, err := m.dial(ctx, options)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", m.opt.Address, err)
	}
	s := &session{m: m, c: c}
	stop := s.closeOnDone(ctx)
	defer stop()
	if err := s.login(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// dial opens the TCP connection, with TLS or STARTTLS as configured.
func (m *IMAP) dial(ctx context.Context, options *imapclient.Options) (*imapclient.Client, error) {
	d := &net.Dialer{Timeout: dialTimeout}
	switch m.opt.Security {
	case SecurityTLS:
		cfg := options.TLSConfig.Clone()
		cfg.NextProtos = []string{"imap"}
		conn, err := (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", m.opt.Address)
		if err != nil {
			return nil, err
		}
		return waitGreeting(imapclient.New(conn, options))
	case SecurityStartTLS:
		conn, err := d.DialContext(ctx, "tcp", m.opt.Address)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		// NewStartTLS refuses PREAUTH before TLS (RFC 9051 section 7.1.4).
		return imapclient.NewStartTLS(conn, options)
	default:
		conn, err := d.DialContext(ctx, "tcp", m.opt.Address)
		if err != nil {
			return nil, err
		}
		return waitGreeting(imapclient.New(conn, options))
	}
}

func waitGreeting(c *imapclient.Client) (*imapclient.Client, error) {
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	return c, nil
}

// login authenticates with LOGIN, or AUTHENTICATE PLAIN when the server
// advertises LOGINDISABLED (RFC 9051 section 6.2.3). The password is
// never logged.
func (s *session) login() error {
	if s.c.State() == imap.ConnStateNotAuthenticated {
		var err error
		if s.c.Caps().Has(imap.CapLoginDisabled) {
			err = s.c.Authenticate(sasl.NewPlainClient("", s.m.opt.Username, s.m.opt.Password))
		} else {
			err = s.c.Login(s.m.opt.Username, s.m.opt.Password).Wait()
		}
		if isRefusal(err) {
			return fmt.Errorf("login as %s: %w: %w", s.m.opt.Username, ErrLoginRefused, err)
		}
		if err != nil {
			return fmt.Errorf("login as %s: %w", s.m.opt.Username, err)
		}
	}
	// Capabilities change after login; Caps asks again when needed.
	s.caps = s.c.Caps()
	if s.caps == nil {
		return errors.New("capability: no answer")
	}
	if s.m.noMove {
		s.caps = withoutCaps(s.caps, imap.CapMove, imap.CapIMAP4rev2)
	}
	if s.m.noUIDPlus {
		s.caps = withoutCaps(s.caps, imap.CapUIDPlus, imap.CapIMAP4rev2)
	}
	if s.m.noIdle {
		s.caps = withoutCaps(s.caps, imap.CapIdle, imap.CapIMAP4rev2)
	}
	return nil
}

// ErrLoginRefused is wrapped by the errors of a login the server refused
// (a tagged NO to LOGIN or AUTHENTICATE): the username or the password is
// wrong, or the account may not log in. Retrying soon cannot help.
var ErrLoginRefused = errors.New("the server refused the login")

// isRefusal reports whether a login error is the server's refusal, not a
// temporary failure: a NO without the UNAVAILABLE or INUSE code of RFC
// 5530 section 3.
func isRefusal(err error) bool {
	var ierr *imap.Error
	if !errors.As(err, &ierr) || ierr.Type != imap.StatusResponseTypeNo {
		return false
	}
	return ierr.Code != imap.ResponseCodeUnavailable && ierr.Code != imap.ResponseCodeInUse
}

func withoutCaps(caps imap.CapSet, drop ...imap.Cap) imap.CapSet {
	out := caps.Copy()
	for _, c := range drop {
		delete(out, c)
	}
	return out
}

// closeOnDone closes the connection when ctx is done before stop is
// called: imapclient commands take no context.
func (s *session) closeOnDone(ctx context.Context) (stop func()) {
	st := context.AfterFunc(ctx, func() { s.c.Close() })
	return func() { st() }
}

func (s *session) close() {
	_ = s.c.Close()
}

// setup finds the hierarchy delimiter, creates missing folders and selects
// the inbox.
func (s *session) setup() (*imap.SelectData, error) {
	if err := s.findDelimiter(); err != nil {
		return nil, err
	}
	s.folders = make(map[gateway.Folder]string, len(s.m.opt.Folders))
	for f, name := range s.m.opt.Folders {
		name = s.serverName(name)
		if err := s.ensureMailbox(name); err != nil {
			return nil, fmt.Errorf("folder %s: %w", f, err)
		}
		s.folders[f] = name
	}
	data, err := s.c.Select(s.m.opt.Inbox, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("select %s: %w", s.m.opt.Inbox, err)
	}
	if data.UIDValidity == 0 {
		return nil, fmt.Errorf("select %s: server sent no UIDVALIDITY", s.m.opt.Inbox)
	}
	return data, nil
}

// findDelimiter asks for the hierarchy delimiter with LIST "" ""
// (RFC 9051 section 6.3.9).
func (s *session) findDelimiter() error {
	list, err := s.c.List("", "", nil).Collect()
	if err != nil {
		return fmt.Errorf("list delimiter: %w", err)
	}
	s.delim = '/'
	if len(list) > 0 && list[0].Delim != 0 {
		s.delim = list[0].Delim
	}
	return nil
}

// serverName turns a configured name ("/" between levels) into the
// server's form.
func (s *session) serverName(name string) string {
	if s.delim == '/' || s.delim == 0 {
		return name
	}
	return strings.ReplaceAll(name, "/", string(s.delim))
}

// ensureMailbox creates name and its missing parents, and subscribes to
// what it creates.
func (s *session) ensureMailbox(name string) error {
	parts := strings.Split(name, string(s.delim))
	for i := range parts {
		level := strings.Join(parts[:i+1], string(s.delim))
		exists, err := s.mailboxExists(level)
		if err != nil {
			return err
		}
		if exists {
			continue
		}
		if err := s.c.Create(level, nil).Wait(); err != nil && !IsAlreadyExists(err) {
			return fmt.Errorf("create %s: %w", level, err)
		}
		s.m.log.Info("created IMAP folder", "folder", level)
		_ = s.c.Subscribe(level).Wait() // only for the users' mail clients
	}
	return nil
}

func (s *session) mailboxExists(name string) (bool, error) {
	list, err := s.c.List("", name, nil).Collect()
	if err != nil {
		return false, fmt.Errorf("list %s: %w", name, err)
	}
	for _, l := range list {
		if l.Mailbox == name || strings.EqualFold(name, "INBOX") && strings.EqualFold(l.Mailbox, "INBOX") {
			return true, nil
		}
	}
	return false, nil
}

// IsAlreadyExists says whether err is a NO [ALREADYEXISTS] answer (CREATE
// of a mailbox that exists).
func IsAlreadyExists(err error) bool {
	var ierr *imap.Error
	return errors.As(err, &ierr) && ierr.Code == imap.ResponseCodeAlreadyExists
}

// isProtocolNo reports whether err is a tagged NO or BAD answer, after
// which the connection is still usable.
func isProtocolNo(err error) bool {
	var ierr *imap.Error
	return errors.As(err, &ierr)
}

func ignoreClosed(err error) error {
	if err == nil || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}

// notify does a non-blocking send on a 1-buffered channel.
func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
