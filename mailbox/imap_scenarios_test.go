package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// testDeliverAndFile: mail there before the start and mail arriving while
// idle come in UID order, unread, and end in the right folders.
func testDeliverAndFile(e *env) {
	e.append("one")
	e.append("two")
	var ups []bool
	var mu sync.Mutex
	m := e.client(func(o *IMAPOptions) {
		o.OnConnect = func(up bool) { mu.Lock(); ups = append(ups, up); mu.Unlock() }
	})
	msgs := e.next(m, "one", "two")
	for _, in := range msgs {
		if in.Truncated || in.Size != int64(len(in.Raw)) || in.UIDValidity == 0 {
			e.t.Fatalf("message %s: truncated=%v size=%d len=%d uidvalidity=%d",
				in.Ref, in.Truncated, in.Size, len(in.Raw), in.UIDValidity)
		}
	}
	e.file(m, msgs[0], gateway.FolderProcessed)
	e.file(m, msgs[1], gateway.FolderRejected)
	e.appendLater(200*time.Millisecond, "three")
	third := e.next(m, "three")
	e.file(m, third[0], gateway.FolderOther)

	e.expectFolder("INBOX")
	e.expectFolder("roomgate/Processed", "one")
	e.expectFolder("roomgate/Rejected", "two")
	e.expectFolder("roomgate/Other", "three")
	for _, flags := range e.srv.Flags(e.t, "roomgate/Processed") {
		if slices.Contains(flags, imap.FlagSeen) {
			e.t.Fatalf("filed message has flags %v: fetching set \\Seen", flags)
		}
	}
	if got := e.state.get("INBOX"); got != [2]uint32{third[0].UIDValidity, third[0].UID} {
		e.t.Fatalf("state = %v, want [%d %d]", got, third[0].UIDValidity, third[0].UID)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(ups, []bool{true}) {
		e.t.Fatalf("OnConnect calls = %v, want [true]", ups)
	}
}

// testFoldersCreated: Check creates the folders with their parent.
func testFoldersCreated(e *env) {
	m := e.client(nil)
	if err := m.Check(context.Background()); err != nil {
		e.t.Fatalf("Check: %v", err)
	}
	got := e.srv.Mailboxes(e.t)
	want := []string{"INBOX", "roomgate", "roomgate/Other", "roomgate/Processed", "roomgate/Rejected"}
	if !slices.Equal(got, want) {
		e.t.Fatalf("mailboxes = %q, want %q", got, want)
	}
	// A second run finds them and creates nothing.
	if err := m.Check(context.Background()); err != nil {
		e.t.Fatalf("second Check: %v", err)
	}
}

// testRestart: a new source on the same state neither re-delivers filed
// mail nor skips any; unfiled mail is delivered again.
func testRestart(e *env) {
	e.append("one")
	e.append("two")
	e.append("three")
	m := e.client(nil)
	msgs := e.next(m, "one", "two", "three")
	e.file(m, msgs[0], gateway.FolderProcessed)
	e.file(m, msgs[2], gateway.FolderProcessed) // "two" decided but not filed
	m.Close()

	m2 := e.client(nil)
	again := e.next(m2, "two")
	e.file(m2, again[0], gateway.FolderRejected)
	e.append("four")
	e.next(m2, "four")
	e.expectFolder("roomgate/Processed", "one", "three")
	e.expectFolder("roomgate/Rejected", "two")
}

// testUIDValidityChanged: a stored UIDVALIDITY that differs restarts the
// last UID at 0 and every message is delivered.
func testUIDValidityChanged(e *env) {
	e.append("one")
	if err := e.state.SaveMailboxState(context.Background(), "INBOX", 1<<31, 1<<30); err != nil {
		e.t.Fatal(err)
	}
	m := e.client(nil)
	msgs := e.next(m, "one")
	if got := e.state.get("INBOX"); got != [2]uint32{msgs[0].UIDValidity, 0} {
		e.t.Fatalf("state after select = %v, want [%d 0]", got, msgs[0].UIDValidity)
	}
	e.file(m, msgs[0], gateway.FolderProcessed)
	if got := e.state.get("INBOX"); got != [2]uint32{msgs[0].UIDValidity, msgs[0].UID} {
		e.t.Fatalf("state after file = %v, want [%d %d]", got, msgs[0].UIDValidity, msgs[0].UID)
	}
}

// testDropWhileIdle: the connection drops while Next waits; Next
// reconnects and returns the next message.
func testDropWhileIdle(e *env) {
	var mu sync.Mutex
	var ups []bool
	connected := make(chan struct{}, 4)
	m := e.client(func(o *IMAPOptions) {
		o.OnConnect = func(up bool) {
			mu.Lock()
			ups = append(ups, up)
			mu.Unlock()
			if up {
				connected <- struct{}{}
			}
		}
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-connected
		time.Sleep(200 * time.Millisecond) // Next is in IDLE by now
		e.srv.DropConnections()
		<-connected
		e.srv.Append(e.t, "INBOX", testMessage("after-drop", 0))
	}()
	e.next(m, "after-drop")
	<-done
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(ups, []bool{true, false, true}) {
		e.t.Fatalf("OnConnect calls = %v, want [true false true]", ups)
	}
}

// testFileAfterDrop: File fails when the connection is gone, the message
// stays in the inbox and Next delivers it again.
func testFileAfterDrop(e *env) {
	e.append("one")
	m := e.client(nil)
	msgs := e.next(m, "one")
	e.srv.DropConnections()
	time.Sleep(100 * time.Millisecond)
	if err := m.File(context.Background(), msgs[0], gateway.FolderProcessed); err == nil {
		e.t.Fatal("File after drop succeeded")
	}
	again := e.next(m, "one")
	e.file(m, again[0], gateway.FolderProcessed)
	e.expectFolder("INBOX")
	e.expectFolder("roomgate/Processed", "one")
}

// testOversize: a message over MaxMessageSize comes with its header only.
func testOversize(e *env) {
	big := testMessage("big", 4000)
	e.srv.Append(e.t, "INBOX", big)
	e.append("small")
	m := e.client(func(o *IMAPOptions) { o.MaxMessageSize = 1000 })
	msgs := e.next(m, "big", "small")
	header := big[:bytes.Index(big, []byte("\r\n\r\n"))+4]
	if !msgs[0].Truncated || !bytes.Equal(msgs[0].Raw, header) || msgs[0].Size != int64(len(big)) {
		e.t.Fatalf("big: truncated=%v size=%d raw=%q", msgs[0].Truncated, msgs[0].Size, msgs[0].Raw)
	}
	if msgs[1].Truncated || !bytes.Equal(msgs[1].Raw, testMessage("small", 0)) {
		e.t.Fatalf("small: truncated=%v raw=%q", msgs[1].Truncated, msgs[1].Raw)
	}
}

// testCancelAndClose: Next returns on ctx cancellation and after Close.
func testCancelAndClose(e *env) {
	m := e.client(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := m.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		e.t.Fatalf("Next after timeout: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		e.t.Fatalf("Next took %v to see the deadline", d)
	}
	// Still usable after a cancelled wait.
	e.append("one")
	e.next(m, "one")

	go func() { time.Sleep(200 * time.Millisecond); m.Close() }()
	if _, err := m.Next(context.Background()); !errors.Is(err, ErrClosed) {
		e.t.Fatalf("Next after Close: %v", err)
	}
	if err := m.File(context.Background(), gateway.Incoming{}, gateway.FolderOther); !errors.Is(err, ErrClosed) {
		e.t.Fatalf("File after Close: %v", err)
	}
}

// TestNewIMAPOptions checks option validation.
func TestNewIMAPOptions(t *testing.T) {
	good := func() IMAPOptions {
		return IMAPOptions{
			Address: "imap.example.org:993", Security: SecurityTLS, Username: "room",
			Folders: testFolders, State: newFakeState(),
		}
	}
	tests := []struct {
		name string
		edit func(*IMAPOptions)
		ok   bool
	}{
		{"tls", func(*IMAPOptions) {}, true},
		{"starttls", func(o *IMAPOptions) { o.Security = SecurityStartTLS }, true},
		{"insecure-loopback", func(o *IMAPOptions) { o.Security, o.Address = SecurityInsecure, "127.0.0.1:143" }, true},
		{"insecure-localhost", func(o *IMAPOptions) { o.Security, o.Address = SecurityInsecure, "localhost:143" }, true},
		{"insecure-ipv6-loopback", func(o *IMAPOptions) { o.Security, o.Address = SecurityInsecure, "[::1]:143" }, true},
		{"insecure-remote", func(o *IMAPOptions) { o.Security = SecurityInsecure }, false},
		{"unknown-security", func(o *IMAPOptions) { o.Security = "ssl" }, false},
		{"no-port", func(o *IMAPOptions) { o.Address = "imap.example.org" }, false},
		{"no-user", func(o *IMAPOptions) { o.Username = "" }, false},
		{"no-state", func(o *IMAPOptions) { o.State = nil }, false},
		{"missing-folder", func(o *IMAPOptions) {
			o.Folders = map[gateway.Folder]string{gateway.FolderProcessed: "P", gateway.FolderRejected: "R"}
		}, false},
		{"wildcard-folder", func(o *IMAPOptions) {
			o.Folders = map[gateway.Folder]string{gateway.FolderProcessed: "P*", gateway.FolderRejected: "R", gateway.FolderOther: "O"}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := good()
			tt.edit(&opt)
			_, err := NewIMAP(opt)
			if (err == nil) != tt.ok {
				t.Fatalf("NewIMAP error = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestRetryDelay checks the backoff: doubling from 1s, capped at 1 min,
// with at most 25% jitter.
func TestRetryDelay(t *testing.T) {
	m := &IMAP{backoff: time.Second, maxWait: time.Minute}
	tests := []struct {
		attempt int
		max     time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {7, time.Minute}, {50, time.Minute}}
	for _, tt := range tests {
		for range 20 {
			d := m.retryDelay(tt.attempt)
			if d > tt.max || d < tt.max*3/4 {
				t.Fatalf("attempt %d: delay %v, want in [%v, %v]", tt.attempt, d, tt.max*3/4, tt.max)
			}
		}
	}
}

// TestIMAPSecurity connects with STARTTLS and implicit TLS to a server
// whose certificate comes from a test CA, and fails without that CA.
func TestIMAPSecurity(t *testing.T) {
	srv := mailtest.NewIMAPServerWith(t, mailtest.IMAPServerOptions{Username: "room", Password: "pw", TLS: true})
	// The certificate is for 127.0.0.1 and localhost.
	tests := []struct {
		name     string
		address  string
		security string
		trust    bool
		ok       bool
	}{
		{"starttls", srv.Addr(), SecurityStartTLS, true, true},
		{"tls", srv.TLSAddr(), SecurityTLS, true, true},
		{"tls-localhost", strings.Replace(srv.TLSAddr(), "127.0.0.1", "localhost", 1), SecurityTLS, true, true},
		{"starttls-untrusted", srv.Addr(), SecurityStartTLS, false, false},
		{"tls-untrusted", srv.TLSAddr(), SecurityTLS, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &env{t: t, srv: srv, state: newFakeState()}
			m := e.client(func(o *IMAPOptions) {
				o.Address, o.Security, o.TLSConfig = tt.address, tt.security, nil
				if tt.trust {
					o.TLSConfig = srv.ClientTLS()
				}
			})
			err := m.Check(context.Background())
			if (err == nil) != tt.ok {
				t.Fatalf("Check error = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestIMAPBatches returns a large inbox in batches of FetchBatch, in
// order, without loss.
func TestIMAPBatches(t *testing.T) {
	be := memBackend("memory", mailtest.IMAPServerOptions{})
	e := &env{t: t, be: be, srv: be.start(t), state: newFakeState()}
	var want []string
	for i := range FetchBatch + 6 {
		subject := fmt.Sprintf("m%03d", i)
		e.append(subject)
		want = append(want, subject)
	}
	m := e.client(nil)
	first := e.next(m, want[:FetchBatch]...)
	e.next(m, want[FetchBatch:]...)
	e.file(m, first[0], gateway.FolderProcessed)
	e.expectFolder("roomgate/Processed", "m000")
}

// testFolderDeleted: a folder deleted while running is created again.
func testFolderDeleted(e *env) {
	e.append("one")
	m := e.client(nil)
	msgs := e.next(m, "one")
	e.srv.DeleteMailbox(e.t, "roomgate/Other")
	e.file(m, msgs[0], gateway.FolderOther)
	e.expectFolder("roomgate/Other", "one")
}

// testFileBatch files several messages at once, to several folders, and
// records the highest UID: a new client does not deliver them again.
func testFileBatch(e *env) {
	for _, s := range []string{"a", "b", "c", "d"} {
		e.append(s)
	}
	m := e.client(nil)
	msgs := e.next(m, "a", "b", "c", "d")
	items := []gateway.Filing{{In: msgs[0], Folder: gateway.FolderProcessed}, {In: msgs[1], Folder: gateway.FolderRejected},
		{In: msgs[2], Folder: gateway.FolderProcessed}, {In: msgs[3], Folder: gateway.FolderOther}}
	if err := m.FileBatch(e.t.Context(), items); err != nil {
		e.t.Fatalf("FileBatch: %v", err)
	}
	e.expectFolder("INBOX")
	e.expectFolder("roomgate/Processed", "a", "c")
	e.expectFolder("roomgate/Rejected", "b")
	e.expectFolder("roomgate/Other", "d")
	if got := e.state.get("INBOX")[1]; got != msgs[3].UID {
		e.t.Errorf("last UID recorded = %d, want %d", got, msgs[3].UID)
	}
	m.Close()
	e.append("e")
	e.next(e.client(nil), "e")
}

// testTwoInstancesFile: two clients deliver the same message and both
// file it, as two instances sharing a mailbox do; it is filed once, the
// second client's File succeeds ("already filed") and records the UID.
// The in-memory server differs from Dovecot here: it answers a MOVE of
// a message gone with OK and an empty COPYUID, which go-imap's client
// cannot parse, where Dovecot answers NO [EXPUNGEISSUED]; the scenario
// runs against Dovecot only.
func testTwoInstancesFile(e *env) {
	if !strings.HasPrefix(e.be.name, "dovecot") {
		e.t.Skip("the in-memory server answers a MOVE of an expunged message with an empty COPYUID go-imap cannot parse")
	}
	a, b := e.client(nil), e.client(nil)
	e.append("shared")
	ina, inb := e.next(a, "shared"), e.next(b, "shared")
	e.file(a, ina[0], gateway.FolderProcessed)
	if err := b.FileBatch(context.Background(), []gateway.Filing{{In: inb[0], Folder: gateway.FolderProcessed}}); err != nil {
		e.t.Fatalf("second instance's FileBatch: %v, want success (already filed)", err)
	}
	e.file(b, inb[0], gateway.FolderProcessed)
	e.expectFolder("roomgate/Processed", "shared")
	e.expectFolder("INBOX")
	if got := e.state.get("INBOX")[1]; got != inb[0].UID {
		e.t.Errorf("last UID saved %d, want %d", got, inb[0].UID)
	}
}

// testFileWhileWaiting: a filing made while Next waits for new mail (IDLE,
// or polling) on another goroutine, as gateway.Run files a batch while it
// reads the next, goes through without waiting for new mail, and Next
// then delivers the mail that comes.
func testFileWhileWaiting(e *env) {
	e.append("one")
	m := e.client(nil)
	waiting := make(chan struct{}, 1)
	m.onWait = func() { notify(waiting) }
	msgs := e.next(m, "one")
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	type result struct {
		msgs []gateway.Incoming
		err  error
	}
	next := make(chan result, 1)
	go func() {
		msgs, err := m.Next(ctx)
		next <- result{msgs, err}
	}()
	select {
	case <-waiting:
	case <-ctx.Done():
		e.t.Fatal("Next did not wait for new mail")
	}
	filed := make(chan error, 1)
	go func() { filed <- m.FileBatch(ctx, []gateway.Filing{{In: msgs[0], Folder: gateway.FolderProcessed}}) }()
	select {
	case err := <-filed:
		if err != nil {
			e.t.Fatalf("FileBatch while Next waits: %v", err)
		}
	case <-ctx.Done():
		e.t.Fatal("FileBatch waited for new mail: Next held the connection")
	}
	e.expectFolder("INBOX")
	e.expectFolder("roomgate/Processed", "one")
	if got := e.state.get("INBOX"); got != [2]uint32{msgs[0].UIDValidity, msgs[0].UID} {
		e.t.Fatalf("state = %v, want [%d %d]", got, msgs[0].UIDValidity, msgs[0].UID)
	}
	e.append("two")
	r := <-next
	if r.err != nil || fmt.Sprint(subjects(r.msgs)) != "[two]" {
		e.t.Fatalf("Next after the filing returned %q, %v; want [two]", subjects(r.msgs), r.err)
	}
}

// testFileTwice: a message filed again on the same connection, as
// gateway.Run does after a failed filing when a batch it read ahead comes
// again after the reconnection, is a success that changes nothing: the
// second MOVE finds no message. Dovecot answers OK; the in-memory server
// answers with an empty COPYUID that go-imap's client cannot parse (see
// testTwoInstancesFile), so the scenario runs against Dovecot only.
func testFileTwice(e *env) {
	if !strings.HasPrefix(e.be.name, "dovecot") {
		e.t.Skip("the in-memory server answers a MOVE of an expunged message with an empty COPYUID go-imap cannot parse")
	}
	e.append("once")
	m := e.client(nil)
	msgs := e.next(m, "once")
	items := []gateway.Filing{{In: msgs[0], Folder: gateway.FolderProcessed}}
	for i := range 2 {
		if err := m.FileBatch(e.t.Context(), items); err != nil {
			e.t.Fatalf("FileBatch %d: %v", i+1, err)
		}
	}
	e.expectFolder("INBOX")
	e.expectFolder("roomgate/Processed", "once")
	if got := e.state.get("INBOX")[1]; got != msgs[0].UID {
		e.t.Errorf("last UID saved %d, want %d", got, msgs[0].UID)
	}
}

// TestIMAPRefiles: a MOVE the server refuses with a plain NO (a folder
// over quota) leaves the message in the inbox; Next then reconnects after
// a backoff and delivers it again, so it is filed once the server takes
// it, without waiting for new mail or a restart.
func TestIMAPRefiles(t *testing.T) {
	be := memBackend("memory", mailtest.IMAPServerOptions{})
	e := &env{t: t, be: be, srv: be.start(t), state: newFakeState()}
	e.append("one")
	m := e.client(nil)
	msgs := e.next(m, "one")
	e.srv.RefuseMoves(1)
	err := m.FileBatch(t.Context(), []gateway.Filing{{In: msgs[0], Folder: gateway.FolderProcessed}})
	if err == nil {
		t.Fatal("FileBatch succeeded, want the server's NO")
	}
	e.expectFolder("INBOX", "one")
	again := e.next(m, "one")
	if err := m.FileBatch(t.Context(), []gateway.Filing{{In: again[0], Folder: gateway.FolderProcessed}}); err != nil {
		t.Fatalf("FileBatch after the reconnection: %v", err)
	}
	e.expectFolder("INBOX")
	e.expectFolder("roomgate/Processed", "one")
}
