package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"codeberg.org/opteos/roomgate/gateway"
)

// Defaults for IMAPOptions.
const (
	DefaultInbox          = "INBOX"
	DefaultPollInterval   = 30 * time.Second
	DefaultMaxMessageSize = 32 << 20
	// idleRestart ends IDLE well before the 29 minutes of RFC 2177, so the
	// connection is checked with a command at least that often.
	idleRestart = 25 * time.Minute
	// doneTimeout bounds the wait for the answer to IDLE's DONE.
	doneTimeout = 30 * time.Second
	// FetchBatch bounds how many messages one Next call returns: a
	// backlog is fetched, decided and filed this many at a time.
	FetchBatch = 64
)

// ErrClosed is returned by Next, File and Check after Close.
var ErrClosed = errors.New("mailbox: closed")

// IMAPOptions configures an IMAP source. Address, Security, Username,
// Password, State and a Folders entry for each gateway.Folder are required.
type IMAPOptions struct {
	// Address is the server's host:port.
	Address string
	// Security is "tls", "starttls" or "insecure" (plain text, allowed only
	// when the host is loopback).
	Security string
	// Username and Password log in (LOGIN, or AUTHENTICATE PLAIN when the
	// server disables LOGIN).
	Username, Password string
	// Inbox is the mailbox read for new messages, "INBOX" by default.
	Inbox string
	// Folders maps each gateway folder to a mailbox name such as
	// "roomgate/Processed". "/" separates hierarchy levels and is replaced
	// by the server's delimiter. Missing folders are created with their
	// parents.
	Folders map[gateway.Folder]string
	// MaxMessageSize: for larger messages only the header is fetched and
	// Incoming.Truncated is set. 0 means DefaultMaxMessageSize; negative
	// means no limit.
	MaxMessageSize int64
	// PollInterval is how often the inbox is checked with NOOP when the
	// server lacks IDLE. 0 means DefaultPollInterval.
	PollInterval time.Duration
	// State keeps UIDVALIDITY and the last filed UID across restarts.
	State StateStore
	// Logger receives connection events; slog.Default() when nil.
	Logger *slog.Logger
	// TLSConfig is the base TLS configuration (e.g. a test CA). Certificates
	// are always verified.
	TLSConfig *tls.Config
	// OnConnect, when set, is called with true once the inbox is selected
	// and with false when the connection is lost or cannot be made.
	OnConnect func(connected bool)
	// OnLoginFailed, when set, is called each time the server refuses the
	// login (see ErrLoginRefused).
	OnLoginFailed func()
}

// StateStore persists, per mailbox, the UIDVALIDITY seen last and the
// highest UID filed (RFC 9051 section 2.3.1.1). The db package implements it.
type StateStore interface {
	// LoadMailboxState returns zeros when nothing is stored.
	LoadMailboxState(ctx context.Context, mailbox string) (uidValidity uint32, lastUID uint32, err error)
	SaveMailboxState(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error
}

// IMAP reads the shared mailbox. It implements gateway.Source. Next and the
// filings (File, FileBatch) may be called from two goroutines, as
// gateway.Run does to read the next batch while the last one is filed:
// they take turns on the one connection (a mutex), and Next, when it has
// nothing to deliver, lets a filing that waits go first rather than hold
// the connection in IDLE (see filers). Close may be called from any
// goroutine.
type IMAP struct {
	opt     IMAPOptions
	log     *slog.Logger
	wake    chan struct{} // EXISTS seen: new mail may be there
	backoff time.Duration // first reconnect delay; doubled up to maxWait
	maxWait time.Duration
	// After a refused login: the first delay, doubled up to loginMaxWait.
	loginBackoff, loginMaxWait time.Duration
	// Test knobs: pretend the server lacks IDLE, MOVE or UIDPLUS; onWait
	// is called each time Next is about to wait for new mail.
	noIdle, noMove, noUIDPlus bool
	onWait                    func()

	mu       sync.Mutex // serializes Next, File and Check
	sess     *session   // nil when disconnected
	attempt  int        // failed connection attempts in a row
	refusals int        // refused logins in a row
	upKnown  bool
	up       bool
	lastSeen uint32 // highest UID delivered on the current connection
	// refile is set when the server refused to file messages with a NO
	// (a folder over quota…): Next then reconnects, after a backoff grown
	// by fileFailures, and delivers them again to be filed.
	refile       bool
	fileFailures int

	// filers are the File and FileBatch calls waiting for mu or holding
	// it; Next steps aside for them before it waits for new mail.
	filers filers

	// smu guards the stored state's copy: a filing records it after
	// letting go of mu, so that Next goes on meanwhile; lastUID only
	// grows.
	smu           sync.Mutex
	stateValidity uint32 // UIDVALIDITY of the stored state
	lastUID       uint32 // highest UID filed, as stored

	cmu    sync.Mutex // guards closed and conn, for Close
	closed bool
	conn   *imapclient.Client
}

// NewIMAP validates opt and returns a source. It does not connect.
func NewIMAP(opt IMAPOptions) (*IMAP, error) {
	if err := opt.validate(); err != nil {
		return nil, fmt.Errorf("imap options: %w", err)
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	return &IMAP{
		opt:     opt,
		log:     log.With("imap", opt.Address, "mailbox", opt.Inbox),
		wake:    make(chan struct{}, 1),
		filers:  filers{wake: make(chan struct{}, 1)},
		backoff: time.Second,
		maxWait: time.Minute,

		loginBackoff: 2 * time.Minute,
		loginMaxWait: 30 * time.Minute,
	}, nil
}

func (opt *IMAPOptions) validate() error {
	if _, err := checkSecurity(opt.Address, opt.Security); err != nil {
		return err
	}
	if opt.Username == "" {
		return errors.New("username is required")
	}
	if opt.State == nil {
		return errors.New("state store is required")
	}
	if opt.Inbox == "" {
		opt.Inbox = DefaultInbox
	}
	if opt.MaxMessageSize == 0 {
		opt.MaxMessageSize = DefaultMaxMessageSize
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = DefaultPollInterval
	}
	for _, f := range []gateway.Folder{gateway.FolderProcessed, gateway.FolderRejected, gateway.FolderOther} {
		if err := checkFolderName(opt.Folders[f]); err != nil {
			return fmt.Errorf("folder %s: %w", f, err)
		}
	}
	return nil
}

func checkFolderName(name string) error {
	switch {
	case name == "":
		return errors.New("mailbox name is required")
	case strings.ContainsAny(name, "*%\r\n\x00"):
		return fmt.Errorf("mailbox name %q contains a wildcard or control character", name)
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.Contains(name, "//"):
		return fmt.Errorf("mailbox name %q has an empty hierarchy level", name)
	}
	return nil
}

// Close ends the connection. Next, File and Check return ErrClosed after it.
func (m *IMAP) Close() error {
	m.cmu.Lock()
	m.closed = true
	c := m.conn
	m.conn = nil
	m.cmu.Unlock()
	if c == nil {
		return nil
	}
	return ignoreClosed(c.Close())
}

func (m *IMAP) isClosed() bool {
	m.cmu.Lock()
	defer m.cmu.Unlock()
	return m.closed
}

// Check connects, logs in, creates missing folders and selects the inbox,
// then logs out. It uses its own connection and changes no state; it is
// meant for `roomgate check`.
func (m *IMAP) Check(ctx context.Context) error {
	if m.isClosed() {
		return ErrClosed
	}
	s, err := m.open(ctx, nil)
	if err != nil {
		return err
	}
	defer s.close()
	stop := s.closeOnDone(ctx)
	defer stop()
	if _, err := s.setup(); err != nil {
		return err
	}
	if err := s.c.Logout().Wait(); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// setUp reports a connection state change to OnConnect.
func (m *IMAP) setUp(up bool) {
	if m.upKnown && m.up == up {
		return
	}
	m.upKnown, m.up = true, up
	if m.opt.OnConnect != nil {
		m.opt.OnConnect(up)
	}
}

// retryDelay is the wait before reconnect attempt n (1-based): backoff
// doubled n-1 times, capped at maxWait, minus up to 25% jitter.
func (m *IMAP) retryDelay(n int) time.Duration {
	return backoffDelay(m.backoff, m.maxWait, n)
}

// backoffDelay is first doubled n-1 times, capped at most, minus up to
// 25% jitter.
func backoffDelay(first, most time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	d = min(d, most)
	return d - rand.N(d/4+1)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Disconnect ends the current connection, if any, as an instance that
// stops reading the mailbox does (it lost its lease); the next Next
// connects again.
func (m *IMAP) Disconnect() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drop()
}
