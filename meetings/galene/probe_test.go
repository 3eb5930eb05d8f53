package galene_test

import (
	"context"
	"errors"
	"testing"

	"codeberg.org/opteos/roomgate/meetings/galene"
	"codeberg.org/opteos/roomgate/meetings/galene/galenetest"
)

// TestProbe: the check's call passes with the administrator's password,
// fails as unauthorized with another, and creates no group.
func TestProbe(t *testing.T) {
	s, p := setup(t, galenetest.Options{}, nil)
	if err := p.Probe(context.Background()); err != nil {
		t.Errorf("Probe = %v", err)
	}
	_, bad := setup(t, galenetest.Options{}, func(c *galene.Config) { c.AdminPassword = "another-password-0123" })
	if err := bad.Probe(context.Background()); !errors.Is(err, galene.ErrUnauthorized) {
		t.Errorf("wrong password: Probe = %v", err)
	}
	for _, c := range s.Calls() {
		if c[:4] != "GET " {
			t.Errorf("Probe made %s", c)
		}
	}
}
