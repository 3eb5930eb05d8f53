package meetings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
)

// strict refuses roomgate's passcodes, as an account with passcode rules.
type strict struct {
	creatorOnly
	calls []bool // NoPasscode of each call
	down  bool
}

type creatorOnly struct{}

func (creatorOnly) UpdateMeeting(context.Context, int64, Spec) error  { return nil }
func (creatorOnly) DeleteMeeting(context.Context, int64) error        { return nil }
func (creatorOnly) CreateMeeting(context.Context, Spec) (Info, error) { return Info{}, nil }

func (s *strict) CreateMeeting(_ context.Context, sp Spec) (Info, error) {
	s.calls = append(s.calls, sp.NoPasscode)
	switch {
	case !sp.NoPasscode:
		return Info{}, fmt.Errorf("create: %w", ErrPasscode)
	case s.down:
		return Info{}, errors.New("503")
	}
	return Info{ID: int64(len(s.calls))}, nil
}

func TestPasscodes(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &strict{down: true}
	told := 0
	p := &Passcodes{Creator: s, Log: log, Refused: func(context.Context) { told++ }}
	if _, err := p.CreateMeeting(context.Background(), Spec{}); err == nil || told != 0 {
		t.Fatalf("refused, then down: err %v, told %d; want an error, not told", err, told)
	}
	s.down = false
	for range 2 {
		if _, err := p.CreateMeeting(context.Background(), Spec{}); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(s.calls) != "[false true true true]" || told != 1 {
		t.Errorf("calls (NoPasscode) %v, told %d; want [false true true true], told once", s.calls, told)
	}
}
