package mailtest

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
)

// connSet tracks live connections so tests can drop them.
type connSet struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func newConnSet() *connSet {
	return &connSet{conns: make(map[net.Conn]struct{})}
}

func (s *connSet) add(c net.Conn) net.Conn {
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	return &trackedConn{Conn: c, set: s}
}

func (s *connSet) remove(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	conns := s.conns
	s.conns = make(map[net.Conn]struct{})
	s.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

type trackedConn struct {
	net.Conn
	set *connSet
}

func (c *trackedConn) Close() error {
	c.set.remove(c.Conn)
	return c.Conn.Close()
}

// trackListener records each accepted connection in a connSet.
type trackListener struct {
	net.Listener
	set *connSet
}

func (l trackListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.set.add(c), nil
}

// serve runs f in the current goroutine, reporting a panic instead of
// crashing the test binary silently.
func serve(f func()) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "mailtest: panic in server goroutine: %v\n", r)
		}
	}()
	f()
}

// proxy forwards connections from a 127.0.0.1 listener to target, so that
// DropConnections works with an external server too.
func proxy(t testing.TB, target string, set *connSet) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	go serve(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(func() { pipe(set.add(c), target, set) })
		}
	})
	return ln.Addr().String(), func() { ln.Close(); set.closeAll() }
}

func pipe(client net.Conn, target string, set *connSet) {
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	server = set.add(server)
	defer server.Close()
	done := make(chan struct{}, 2)
	go serve(func() { _, _ = io.Copy(server, client); done <- struct{}{} })
	go serve(func() { _, _ = io.Copy(client, server); done <- struct{}{} })
	<-done
}

// testLogger sends server log lines to t.Log until stopped.
type testLogger struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func newTestLogger(t testing.TB) *testLogger { return &testLogger{t: t} }

func (l *testLogger) Printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("server: "+format, args...)
	}
}

func (l *testLogger) Println(args ...any) {
	l.Printf("%s", fmt.Sprintln(args...))
}

func (l *testLogger) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}
