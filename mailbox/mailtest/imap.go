package mailtest

import (
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"codeberg.org/opteos/roomgate/mailbox/memimap"
)

// IMAPServerOptions configures NewIMAPServerWith.
type IMAPServerOptions struct {
	Username, Password string
	// NoMove leaves MOVE (RFC 6851) out of the capabilities, so clients
	// must COPY, STORE \Deleted and EXPUNGE.
	NoMove bool
	// NoUIDPlus also leaves UIDPLUS (RFC 4315) out: no UID EXPUNGE.
	NoUIDPlus bool
	// TLS offers STARTTLS and opens a second, implicit TLS listener
	// (TLSAddr), with a certificate from NewTLS (see ClientTLS).
	TLS bool
}

// IMAPServer is an IMAP server for tests: in memory (NewIMAPServer) or a
// real Dovecot behind a proxy (NewDovecot). Its user has an INBOX.
type IMAPServer struct {
	addr, tlsAddr      string
	clientTLS          *tls.Config
	username, password string
	mem                *imapserver.Server // nil for Dovecot
	conns              *connSet
	close              func()
	// refuseMoves is how many MOVE commands are still to be refused
	// (RefuseMoves).
	refuseMoves atomic.Int32
}

// RefuseMoves makes the in-memory server answer the next n MOVE commands
// with a tagged NO [OVERQUOTA], as a server does when the destination is
// over quota (RFC 9208 section 4.3): the messages stay where they are.
func (s *IMAPServer) RefuseMoves(n int) { s.refuseMoves.Store(int32(n)) }

// faultSession is a session of the in-memory server whose MOVE can be
// refused (RefuseMoves).
type faultSession struct {
	imapserver.SessionIMAP4rev2
	srv *IMAPServer
}

// Move refuses the move while RefuseMoves asks, else moves.
func (f *faultSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	if f.srv.refuseMoves.Add(-1) >= 0 {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeOverQuota, Text: "Quota exceeded (mailtest)"}
	}
	return f.SessionIMAP4rev2.Move(w, numSet, dest)
}

// NewIMAPServer starts an in-memory IMAP4rev1 server with MOVE, UIDPLUS
// and IDLE on 127.0.0.1:0, with one user and plain-text LOGIN allowed.
func NewIMAPServer(t testing.TB, username, password string) *IMAPServer {
	return NewIMAPServerWith(t, IMAPServerOptions{Username: username, Password: password})
}

// NewIMAPServerWith starts an in-memory server as NewIMAPServer does, with
// the capabilities chosen by opt.
func NewIMAPServerWith(t testing.TB, opt IMAPServerOptions) *IMAPServer {
	t.Helper()
	user := imapmemserver.NewUser(opt.Username, opt.Password)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatalf("mailtest: create INBOX: %v", err)
	}
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapNamespace: {}}
	if !opt.NoMove {
		caps[imap.CapMove] = struct{}{}
	}
	if !opt.NoUIDPlus {
		caps[imap.CapUIDPlus] = struct{}{}
	}
	logger := newTestLogger(t)
	s := &IMAPServer{username: opt.Username, password: opt.Password, conns: newConnSet()}
	options := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &faultSession{SessionIMAP4rev2: memimap.NewSession(user).(imapserver.SessionIMAP4rev2), srv: s}, nil, nil
		},
		Caps:         caps,
		Logger:       logger,
		InsecureAuth: true,
	}
	if opt.TLS {
		options.TLSConfig, s.clientTLS = NewTLS(t)
	}
	srv := imapserver.New(options)
	s.mem = srv
	lns := []net.Listener{s.listen(t, srv, nil, &s.addr)}
	if opt.TLS {
		lns = append(lns, s.listen(t, srv, options.TLSConfig, &s.tlsAddr))
	}
	var once sync.Once
	s.close = func() {
		once.Do(func() {
			_ = srv.Close()
			for _, ln := range lns {
				_ = ln.Close() // Serve may not have registered it yet
			}
			s.conns.closeAll()
			logger.stop()
		})
	}
	t.Cleanup(s.Close)
	return s
}

// listen serves srv on a new 127.0.0.1 listener, with implicit TLS when
// cfg is set, and stores its address in addr.
func (s *IMAPServer) listen(t testing.TB, srv *imapserver.Server, cfg *tls.Config, addr *string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	*addr = ln.Addr().String()
	var served net.Listener = trackListener{ln, s.conns}
	if cfg != nil {
		served = tls.NewListener(served, cfg)
	}
	go serve(func() { _ = srv.Serve(served) })
	return ln
}

// Addr returns the server's host:port.
func (s *IMAPServer) Addr() string { return s.addr }

// TLSAddr returns the implicit TLS listener's host:port ("" without the
// TLS option).
func (s *IMAPServer) TLSAddr() string { return s.tlsAddr }

// ClientTLS returns a client TLS configuration trusting the server's
// certificate (nil without the TLS option).
func (s *IMAPServer) ClientTLS() *tls.Config { return s.clientTLS }

// Username returns the test user's name.
func (s *IMAPServer) Username() string { return s.username }

// Password returns the test user's password.
func (s *IMAPServer) Password() string { return s.password }

// DropConnections closes every open client connection, as a server
// restart or a network failure would.
func (s *IMAPServer) DropConnections() { s.conns.closeAll() }

// Close stops the server and closes its connections.
func (s *IMAPServer) Close() { s.close() }

// Append adds raw to mailbox, which must exist.
func (s *IMAPServer) Append(t testing.TB, mailbox string, raw []byte) {
	t.Helper()
	c := s.dial(t)
	defer c.logout()
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatalf("mailtest: append to %s: %v", mailbox, err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("mailtest: append to %s: %v", mailbox, err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("mailtest: append to %s: %v", mailbox, err)
	}
}

// List returns the messages of mailbox in UID order, or nil when the
// mailbox is empty or does not exist.
func (s *IMAPServer) List(t testing.TB, mailbox string) [][]byte {
	t.Helper()
	c := s.dial(t)
	defer c.logout()
	return c.messages(t, mailbox)
}

// Flags returns the flags of each message of mailbox, in UID order.
func (s *IMAPServer) Flags(t testing.TB, mailbox string) [][]imap.Flag {
	t.Helper()
	c := s.dial(t)
	defer c.logout()
	return c.flags(t, mailbox)
}

// DeleteMailbox deletes a mailbox.
func (s *IMAPServer) DeleteMailbox(t testing.TB, mailbox string) {
	t.Helper()
	c := s.dial(t)
	defer c.logout()
	if err := c.Delete(mailbox).Wait(); err != nil {
		t.Fatalf("mailtest: delete %s: %v", mailbox, err)
	}
}

// Mailboxes returns the names of all mailboxes, sorted.
func (s *IMAPServer) Mailboxes(t testing.TB) []string {
	t.Helper()
	c := s.dial(t)
	defer c.logout()
	return c.mailboxes(t)
}

// UIDs returns the UIDs of the messages of mailbox in order, or nil when
// the mailbox is empty or does not exist.
func (s *IMAPServer) UIDs(t testing.TB, mailbox string) []imap.UID {
	t.Helper()
	c := s.dial(t)
	defer c.logout()
	uids, _ := c.uids(t, mailbox)
	return uids
}
