package bbb

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary answers to the XML reader: it returns an
// answer, an *Error or ErrUnavailable, and never panics.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`<response><returncode>SUCCESS</returncode><running>true</running></response>`,
		`<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>Checksums do not match</message></response>`,
		`<?xml version="1.0"?><response><returncode>SUCCESS</returncode><meetingID>m</meetingID><createTime>1531155809613</createTime><messageKey>duplicateWarning</messageKey></response>`,
		`<html>`, ``, `<response><returncode>MAYBE</returncode></response>`,
	} {
		f.Add(s)
	}
	c := &Client{o: Options{MaxAnswer: 4 << 10}}
	f.Fuzz(func(t *testing.T, body string) {
		r, err := c.decode("create", &http.Response{Body: io.NopCloser(strings.NewReader(body))})
		var e *Error
		switch {
		case err == nil && r.ReturnCode != "SUCCESS":
			t.Fatalf("returncode %q accepted", r.ReturnCode)
		case err != nil && !errors.As(err, &e) && !errors.Is(err, ErrUnavailable):
			t.Fatalf("untyped error %v", err)
		}
	})
}
