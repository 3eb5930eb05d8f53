package meetings

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
)

// Passcodes is a Creator that creates meetings with roomgate's passcode
// until the provider's rules refuse one (ErrPasscode): that creation is
// made again without (the provider generating a passcode that fits), and
// so are all that follow, and Refused is told once, when the first of
// them succeeded. Creator and Log are required.
type Passcodes struct {
	Creator
	Log     *slog.Logger
	Refused func(ctx context.Context) // nil: nothing
	off     atomic.Bool
	told    atomic.Bool
}

// CreateMeeting creates the meeting of s, with roomgate's passcode while
// the provider takes it.
func (p *Passcodes) CreateMeeting(ctx context.Context, s Spec) (Info, error) {
	if !p.off.Load() {
		info, err := p.Creator.CreateMeeting(ctx, s)
		if !errors.Is(err, ErrPasscode) {
			return info, err
		}
		p.Log.Warn("the provider's passcode rules refuse roomgate's passcodes; it generates them from now on", "err", err)
		p.off.Store(true)
	}
	s.NoPasscode = true
	info, err := p.Creator.CreateMeeting(ctx, s)
	if err == nil && p.Refused != nil && !p.told.Swap(true) {
		p.Refused(ctx)
	}
	return info, err
}
