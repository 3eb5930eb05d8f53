package web

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// The browser tests drive ONE headless chromium per test binary over the
// Chrome DevTools Protocol on a pipe (--remote-debugging-pipe: chromium
// reads commands on its fd 3 and writes answers and events on its fd 4,
// each a JSON message ended by a NUL byte; see
// https://chromedevtools.github.io/devtools-protocol/). Each page is a new
// target (a tab) of that browser, so the suite pays one browser start
// instead of one per screenshot.
//
// They run only when ROOMGATE_TEST_BROWSER=1 (CI sets it): otherwise they
// skip, or fail under ROOMGATE_TEST_STRICT=1, as the Dovecot tests do.

const browserEnv = "ROOMGATE_TEST_BROWSER"

var (
	sharedOnce    sync.Once
	sharedBrowser *browser
	sharedErr     error
)

// TestMain stops the shared browser, if a test started it.
func TestMain(m *testing.M) {
	code := m.Run()
	if sharedBrowser != nil {
		sharedBrowser.close()
	}
	os.Exit(code)
}

// needBrowser returns the shared chromium, starting it on first use, or
// skips the test (fails it under ROOMGATE_TEST_STRICT=1) when the browser
// tests are not asked for or chromium is missing.
func needBrowser(t *testing.T) *browser {
	t.Helper()
	strict := os.Getenv("ROOMGATE_TEST_STRICT") == "1"
	skip := func(why string) {
		if strict {
			t.Fatal(why + "; ROOMGATE_TEST_STRICT=1 forbids skipping")
		}
		t.Skip(why)
	}
	if os.Getenv(browserEnv) != "1" {
		skip(browserEnv + "=1 runs the browser tests (headless Debian chromium)")
	}
	var bin string
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		skip("chromium is not installed: apt-get install chromium to run the browser tests")
	}
	sharedOnce.Do(func() { sharedBrowser, sharedErr = startBrowser(bin) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedBrowser
}

// browser is a headless chromium and its DevTools pipe.
type browser struct {
	cmd    *exec.Cmd
	dir    string
	in     io.WriteCloser // chromium's fd 3
	stderr *lockedBuffer

	mu      sync.Mutex
	nextID  int
	calls   map[int]chan cdpMessage
	waiters []*cdpWaiter
	dead    error
}

// cdpMessage is a command's answer or an event.
type cdpMessage struct {
	ID        int             `json:"id"`
	Method    string          `json:"method"`
	SessionID string          `json:"sessionId"`
	Result    json.RawMessage `json:"result"`
	Params    json.RawMessage `json:"params"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// cdpWaiter waits for one event of one session.
type cdpWaiter struct {
	session, method string
	ch              chan struct{}
}

// startBrowser starts chromium with its DevTools protocol on a pipe.
func startBrowser(bin string) (*browser, error) {
	dir, err := os.MkdirTemp("", "roomgate-chromium-")
	if err != nil {
		return nil, err
	}
	toChrome, chromeIn, err := os.Pipe() // chromium reads toChrome as fd 3
	if err != nil {
		return nil, err
	}
	chromeOut, fromChrome, err := os.Pipe() // chromium writes fromChrome as fd 4
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update",
		"--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
		"--user-data-dir="+dir, "about:blank")
	b := &browser{cmd: cmd, dir: dir, in: chromeIn, stderr: &lockedBuffer{}, calls: map[int]chan cdpMessage{}}
	cmd.Stderr = b.stderr
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start chromium: %w", err)
	}
	toChrome.Close()
	fromChrome.Close()
	go b.read(chromeOut)
	return b, nil
}

// lockedBuffer is chromium's stderr: os/exec copies into it on a goroutine
// of its own while read may report it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// read dispatches chromium's messages until the pipe closes.
func (b *browser) read(r io.ReadCloser) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.fail(fmt.Errorf("chromium closed its DevTools pipe: %w\n%s", err, b.stderr.String()))
			return
		}
		var m cdpMessage
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			b.fail(fmt.Errorf("chromium sent unreadable JSON: %w", err))
			return
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.calls[m.ID]; ok {
				delete(b.calls, m.ID)
				ch <- m
			}
		} else {
			kept := b.waiters[:0]
			for _, w := range b.waiters {
				if w.session == m.SessionID && w.method == m.Method {
					close(w.ch)
					continue
				}
				kept = append(kept, w)
			}
			b.waiters = kept
		}
		b.mu.Unlock()
	}
}

// fail ends every pending call with err.
func (b *browser) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dead == nil {
		b.dead = err
	}
	for id, ch := range b.calls {
		delete(b.calls, id)
		close(ch)
	}
}

// call sends one command (to a page's session, or to the browser when
// session is "") and decodes its result into out (when not nil).
func (b *browser) call(session, method string, params, out any) error {
	b.mu.Lock()
	if b.dead != nil {
		b.mu.Unlock()
		return b.dead
	}
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.calls[id] = ch
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params, "sessionId": session})
	if err == nil {
		_, err = b.in.Write(append(msg, 0))
	}
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: %w", method, b.dead)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: chromium error %d: %s", method, m.Error.Code, m.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-time.After(90 * time.Second):
		return fmt.Errorf("%s: chromium did not answer in 90 s", method)
	}
}

// wait registers a waiter for the event method of session, before the
// command that causes it.
func (b *browser) wait(session, method string) chan struct{} {
	w := &cdpWaiter{session: session, method: method, ch: make(chan struct{})}
	b.mu.Lock()
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	return w.ch
}

// close stops chromium and removes its profile.
func (b *browser) close() {
	_ = b.call("", "Browser.close", nil, nil)
	done := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-done
	}
	b.in.Close()
	os.RemoveAll(b.dir)
}

// tab is one tab of the shared browser.
type tab struct {
	b         *browser
	t         *testing.T
	target    string
	session   string
	w, h      int
	loadedURL string
}

// open loads url in a new tab of w×h CSS pixels (a phone's touch and
// mobile viewport below 600 pixels) and waits for its load event.
func (b *browser) open(t *testing.T, url string, w, h int) *tab {
	t.Helper()
	var created struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &created); err != nil {
		t.Fatal(err)
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call("", "Target.attachToTarget", map[string]any{"targetId": created.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	p := &tab{b: b, t: t, target: created.TargetID, session: attached.SessionID, w: w, h: h}
	t.Cleanup(p.close)
	p.must("Page.enable", nil, nil)
	p.must("Emulation.setDeviceMetricsOverride", map[string]any{"width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 600}, nil)
	p.navigate(url)
	return p
}

// navigate loads url in the page and waits for its load event.
func (p *tab) navigate(url string) {
	p.t.Helper()
	loaded := p.b.wait(p.session, "Page.loadEventFired")
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	p.must("Page.navigate", map[string]any{"url": url}, &nav)
	if nav.ErrorText != "" {
		p.t.Fatalf("chromium could not load %s: %s", url, nav.ErrorText)
	}
	select {
	case <-loaded:
	case <-time.After(90 * time.Second):
		p.t.Fatalf("%s: no load event in 90 s", url)
	}
	p.loadedURL = url
}

// must runs a command on the page's session or fails the test.
func (p *tab) must(method string, params, out any) {
	p.t.Helper()
	if err := p.b.call(p.session, method, params, out); err != nil {
		p.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) and decodes
// its JSON value into out.
func (p *tab) eval(expr string, out any) {
	p.t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	p.must("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if r.Exception != nil {
		p.t.Fatalf("JavaScript error: %s %s", r.Exception.Text, r.Exception.Exception.Description)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			p.t.Fatalf("JavaScript value: %v", err)
		}
	}
}

// dom returns the page's serialized DOM, as chromium --dump-dom prints it.
func (p *tab) dom() string {
	p.t.Helper()
	var s string
	p.eval("document.documentElement.outerHTML", &s)
	return s
}

// png captures the viewport as a PNG.
func (p *tab) png() []byte {
	p.t.Helper()
	var shot struct {
		Data string `json:"data"`
	}
	p.must("Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		p.t.Fatal(err)
	}
	return png
}

// close closes the tab.
func (p *tab) close() {
	_ = p.b.call("", "Target.closeTarget", map[string]any{"targetId": p.target}, nil)
}

// fullPNG captures the whole page: the viewport is stretched to the
// document's height (at most 6000 pixels) first.
func (p *tab) fullPNG() []byte {
	p.t.Helper()
	var h int
	p.eval("Math.ceil(document.documentElement.scrollHeight)", &h)
	if h > p.h {
		p.must("Emulation.setDeviceMetricsOverride", map[string]any{"width": p.w, "height": min(h, 6000), "deviceScaleFactor": 1, "mobile": p.w < 600}, nil)
	}
	return p.png()
}

// axeViolations runs axe-core (the file ROOMGATE_TEST_AXE names, e.g.
// node_modules/axe-core/axe.min.js) on the page and returns its serious
// and critical violations, one line each; nil without the variable.
func (p *tab) axeViolations() []string {
	p.t.Helper()
	path := os.Getenv("ROOMGATE_TEST_AXE")
	if path == "" {
		return nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		p.t.Fatalf("ROOMGATE_TEST_AXE: %v", err)
	}
	p.eval(string(src)+";true", nil)
	var found []string
	p.eval(`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.impact + " " + v.id + ": " + v.help + " — " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))`, &found)
	return found
}
