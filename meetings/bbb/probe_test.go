package bbb_test

import (
	"context"
	"errors"
	"testing"

	"codeberg.org/opteos/roomgate/meetings/bbb"
	"codeberg.org/opteos/roomgate/meetings/bbb/bbbtest"
)

// TestProbe: the check's call passes with the server's secret, fails
// with checksumError with another one, and never creates a meeting.
func TestProbe(t *testing.T) {
	srv := bbbtest.New(bbbtest.Options{Secret: "right-secret-0123456789"})
	defer srv.Close()
	for secret, ok := range map[string]bool{"right-secret-0123456789": true, "wrong-secret-0123456789": false} {
		p, err := bbb.New(bbb.Config{URL: srv.APIURL(), Secret: bbb.Secret(secret)}, bbb.Deps{})
		if err != nil {
			t.Fatal(err)
		}
		err = p.Probe(context.Background())
		var e *bbb.Error
		if ok && err != nil || !ok && (!errors.As(err, &e) || e.MessageKey != "checksumError") {
			t.Errorf("secret ok=%v: Probe = %v", ok, err)
		}
	}
	if srv.Calls("create") != 0 {
		t.Errorf("Probe created a meeting")
	}
}
