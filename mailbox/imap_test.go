package mailbox

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// dovecotUser is the Dovecot test user of this package's tests.
const dovecotUser = "user1@roomgate.test"

// fakeState is an in-memory StateStore.
type fakeState struct {
	mu    sync.Mutex
	state map[string][2]uint32
	saves int
}

func newFakeState() *fakeState { return &fakeState{state: make(map[string][2]uint32)} }

func (f *fakeState) LoadMailboxState(_ context.Context, mailbox string) (uint32, uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.state[mailbox]
	return s[0], s[1], nil
}

func (f *fakeState) SaveMailboxState(_ context.Context, mailbox string, uidValidity, lastUID uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state[mailbox] = [2]uint32{uidValidity, lastUID}
	f.saves++
	return nil
}

func (f *fakeState) get(mailbox string) [2]uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state[mailbox]
}

var testFolders = map[gateway.Folder]string{
	gateway.FolderProcessed: "roomgate/Processed",
	gateway.FolderRejected:  "roomgate/Rejected",
	gateway.FolderOther:     "roomgate/Other",
}

// backend is one server flavour the IMAP suite runs against.
type backend struct {
	name  string
	start func(t *testing.T) *mailtest.IMAPServer
	// noMove, noUIDPlus, noIdle make the client ignore those capabilities.
	noMove, noUIDPlus, noIdle bool
	// shared: the server's account is shared with other backends (Dovecot),
	// so their scenarios may not run at once.
	shared bool
}

func memBackend(name string, opt mailtest.IMAPServerOptions) backend {
	return backend{name: name, start: func(t *testing.T) *mailtest.IMAPServer {
		opt.Username, opt.Password = "room@example.org", "pw"
		return mailtest.NewIMAPServerWith(t, opt)
	}}
}

func dovecotBackend(name string) backend {
	return backend{name: name, shared: true, start: func(t *testing.T) *mailtest.IMAPServer {
		return mailtest.NewDovecot(t, dovecotUser)
	}}
}

func backends() []backend {
	noIdle := memBackend("memory/poll", mailtest.IMAPServerOptions{})
	noIdle.noIdle = true
	dcNoMove := dovecotBackend("dovecot/copy")
	dcNoMove.noMove = true
	return []backend{
		memBackend("memory", mailtest.IMAPServerOptions{}),
		memBackend("memory/no-move", mailtest.IMAPServerOptions{NoMove: true}),
		memBackend("memory/no-uidplus", mailtest.IMAPServerOptions{NoMove: true, NoUIDPlus: true}),
		noIdle,
		dovecotBackend("dovecot"),
		dcNoMove,
	}
}

// env is one test's server, state and client options.
type env struct {
	t     *testing.T
	be    backend
	srv   *mailtest.IMAPServer
	state *fakeState
}

func (e *env) options() IMAPOptions {
	return IMAPOptions{
		Address:      e.srv.Addr(),
		Security:     SecurityInsecure,
		Username:     e.srv.Username(),
		Password:     e.srv.Password(),
		Folders:      testFolders,
		PollInterval: 50 * time.Millisecond,
		State:        e.state,
		Logger:       slog.New(slog.NewTextHandler(testWriter{e.t}, nil)),
	}
}

// client returns a started IMAP source; edit adjusts the options.
func (e *env) client(edit func(*IMAPOptions)) *IMAP {
	e.t.Helper()
	opt := e.options()
	if edit != nil {
		edit(&opt)
	}
	m, err := NewIMAP(opt)
	if err != nil {
		e.t.Fatalf("NewIMAP: %v", err)
	}
	m.backoff, m.maxWait = 10*time.Millisecond, 100*time.Millisecond
	m.noMove, m.noUIDPlus, m.noIdle = e.be.noMove, e.be.noUIDPlus, e.be.noIdle
	e.t.Cleanup(func() { m.Close() })
	return m
}

// next calls Next with a timeout and checks the subjects it returns.
func (e *env) next(m *IMAP, want ...string) []gateway.Incoming {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := m.Next(ctx)
	if err != nil {
		e.t.Fatalf("Next: %v", err)
	}
	got := subjects(msgs)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Fatalf("Next returned %q, want %q", got, want)
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i].UID <= msgs[i-1].UID {
			e.t.Fatalf("Next returned UIDs out of order: %d then %d", msgs[i-1].UID, msgs[i].UID)
		}
	}
	return msgs
}

func (e *env) file(m *IMAP, in gateway.Incoming, f gateway.Folder) {
	e.t.Helper()
	if err := m.File(context.Background(), in, f); err != nil {
		e.t.Fatalf("File(%s, %s): %v", in.Ref, f, err)
	}
}

// expectFolder checks the subjects of the messages in a mailbox.
func (e *env) expectFolder(mailbox string, want ...string) {
	e.t.Helper()
	var got []string
	for _, raw := range e.srv.List(e.t, mailbox) {
		got = append(got, subjectOf(raw))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Fatalf("%s holds %q, want %q", mailbox, got, want)
	}
}

func (e *env) append(subject string) {
	e.srv.Append(e.t, "INBOX", testMessage(subject, 0))
}

// appendLater appends after d, from another goroutine, while Next waits.
func (e *env) appendLater(d time.Duration, subject string) {
	raw := testMessage(subject, 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(d)
		e.srv.Append(e.t, "INBOX", raw)
	}()
	e.t.Cleanup(func() { <-done })
}

func testMessage(subject string, bodyLen int) []byte {
	body := make([]byte, bodyLen)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	return fmt.Appendf(nil, "From: alice@example.org\r\nTo: room@example.org\r\n"+
		"Subject: %s\r\nMessage-ID: <%s@example.org>\r\n\r\nHello %s\r\n%s\r\n", subject, subject, subject, body)
}

func subjects(msgs []gateway.Incoming) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, subjectOf(m.Raw))
	}
	return out
}

// subjectOf finds the Subject header in a test message.
func subjectOf(raw []byte) string {
	var s string
	for _, line := range splitLines(raw) {
		if n, _ := fmt.Sscanf(line, "Subject: %s", &s); n == 1 {
			return s
		}
	}
	return "?"
}

func splitLines(raw []byte) []string {
	var lines []string
	start := 0
	for i := 0; i+1 < len(raw); i++ {
		if raw[i] == '\r' && raw[i+1] == '\n' {
			lines = append(lines, string(raw[start:i]))
			start = i + 2
		}
	}
	return lines
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

var _ io.Writer = testWriter{}

// TestIMAP runs every scenario against every backend. Dovecot backends
// skip unless ROOMGATE_TEST_DOVECOT is set.
func TestIMAP(t *testing.T) {
	scenarios := []struct {
		name string
		run  func(e *env)
	}{
		{"DeliverAndFile", testDeliverAndFile},
		{"FoldersCreated", testFoldersCreated},
		{"Restart", testRestart},
		{"UIDValidityChanged", testUIDValidityChanged},
		{"DropWhileIdle", testDropWhileIdle},
		{"FileAfterDrop", testFileAfterDrop},
		{"Oversize", testOversize},
		{"CancelAndClose", testCancelAndClose},
		{"FolderDeleted", testFolderDeleted},
		{"FileBatch", testFileBatch},
		{"TwoInstancesFile", testTwoInstancesFile},
		{"FileWhileWaiting", testFileWhileWaiting},
		{"FileTwice", testFileTwice},
	}
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			if !be.shared {
				// Its own server: the in-memory ones run at once, their
				// waits overlap. The Dovecot ones share one account.
				t.Parallel()
			}
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					e := &env{t: t, be: be, srv: be.start(t), state: newFakeState()}
					sc.run(e)
				})
			}
		})
	}
}
