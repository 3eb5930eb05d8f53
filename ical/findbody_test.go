package ical

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-message/textproto"
)

// findCalendarBufio is FindCalendar as it was before ReadHeader and
// FindCalendarBody: the header and the parts read through one
// bufio.Reader. The new path must give the same calendar and error.
func findCalendarBufio(raw []byte, maxSize int64) (cal []byte, err error) {
	defer recoverError("find calendar", &err)
	if maxSize <= 0 {
		maxSize = defaultMaxSize
	}
	f := &finder{maxSize: maxSize}
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return nil, fmt.Errorf("ical: message header: %w", err)
	}
	if err := f.walk(h, br, 0); err != nil {
		return nil, fmt.Errorf("ical: %w", err)
	}
	return f.choose()
}

// sameFind fails when FindCalendar and findCalendarBufio disagree on raw.
func sameFind(t *testing.T, name string, raw []byte, maxSize int64) {
	t.Helper()
	got, gerr := FindCalendar(raw, maxSize)
	want, werr := findCalendarBufio(raw, maxSize)
	if !bytes.Equal(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("%s: FindCalendar = %q, %v\nwant %q, %v", name, got, gerr, want, werr)
	}
}

// TestFindCalendarBody: FindCalendar, now ReadHeader then
// FindCalendarBody, finds what the one-reader walk found, on the sample
// messages, on every cut of them (broken MIME, headers without their
// blank line), with LF line ends, with tight size limits, and on a
// header longer than a reader's buffer.
func TestFindCalendarBody(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.eml")
	if len(files) == 0 {
		t.Fatal("no sample messages")
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lf := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
		for cut := 0; cut <= len(raw); cut++ {
			sameFind(t, fmt.Sprintf("%s[:%d]", name, cut), raw[:cut], 0)
		}
		for cut := 0; cut <= len(lf); cut += 7 {
			sameFind(t, fmt.Sprintf("%s LF[:%d]", name, cut), lf[:cut], 0)
		}
		for _, max := range []int64{1, 100, 1000} {
			sameFind(t, fmt.Sprintf("%s max %d", name, max), raw, max)
		}
		long := append([]byte("X-Long: "+string(bytes.Repeat([]byte("a "), 5000))+"\r\n"), raw...)
		sameFind(t, name+" long header", long, 0)
	}
}

// TestReadHeaderBody: the body ReadHeader returns starts after the
// header's blank line, whatever the reader buffered.
func TestReadHeaderBody(t *testing.T) {
	for _, tt := range []struct{ raw, body string }{
		{"A: b\r\n\r\nbody", "body"},
		{"A: b\n\nbody\n", "body\n"},
		{"A: b\r\n folded\r\n\r\n\r\nx", "\r\nx"},
		{"A: b\r\n", ""},
		{"\r\nonly body", "only body"},
		{"X: " + string(bytes.Repeat([]byte("y"), 9000)) + "\r\n\r\nend", "end"},
	} {
		_, body, err := ReadHeader([]byte(tt.raw))
		if err != nil || string(body) != tt.body {
			t.Errorf("ReadHeader(%.20q…) body = %q, %v; want %q", tt.raw, body, err, tt.body)
		}
	}
}

// FuzzFindCalendarBody: the new path and the one-reader walk agree on
// any message.
func FuzzFindCalendarBody(f *testing.F) {
	msgs, _ := seeds(f)
	for _, m := range msgs {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		sameFind(t, "fuzz", raw, 1<<16)
	})
}
