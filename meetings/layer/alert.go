package layer

import (
	"context"
	"errors"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// Alerts about the Zoom account itself, sent to the facilitators once:
// the daily limit on creating and updating meetings was reached (until
// when), or the account's passcode rules refused roomgate's passcodes (so
// meetings are now created with the passcode Zoom generates).

// zoomDailyLimit tells the facilitators, once per day of limit, that Zoom
// refuses creations and updates until the time it gave; the jobs wait
// until then (zoomRetryDelay).
func (l *Layer) zoomDailyLimit(ctx context.Context, err error) error {
	if !errors.Is(err, meetings.ErrDailyLimit) {
		return nil
	}
	var ra meetings.RetryAfter
	if !errors.As(err, &ra) || ra.RetryAfter() <= 0 {
		return nil
	}
	resume := l.now().Add(ra.RetryAfter()).UTC().Truncate(time.Minute)
	l.log.Warn("zoom: the daily limit of meeting creations and updates is reached; jobs wait", "resume_at", resume)
	return l.zoomAccountAlert(ctx, "zoom-daily-limit:"+resume.Format("2006-01-02T15:04"),
		gateway.ZoomAccountView{Problem: gateway.ZoomProblemDailyLimit, ResumeAt: resume.In(l.loc)})
}

// zoomAccountAlert mails the facilitators about the account, once per key.
func (l *Layer) zoomAccountAlert(ctx context.Context, key string, a gateway.ZoomAccountView) error {
	view := l.g.FacilitatorView(nil)
	view.Zoom = l.zoomBaseView()
	view.Zoom.Account = a
	sent := 0
	err := l.zoomOnce(ctx, key, func(tx gateway.Tx) error {
		var err error
		sent, err = l.g.NotifyFacilitators(ctx, tx, key, gateway.TmplZoomAccount, view)
		return err
	})
	if err == nil && sent > 0 {
		l.opt.Metrics.ZoomEvent("account_alert")
		l.g.Kick()
	}
	return err
}

// zoomPasscodesRefused tells the facilitators, once, that the account's
// passcode rules refuse roomgate's passcodes (meetings.Passcodes).
func (l *Layer) zoomPasscodesRefused(ctx context.Context) {
	if err := l.zoomAccountAlert(ctx, "zoom-passcode-refused", gateway.ZoomAccountView{Problem: gateway.ZoomProblemPasscode}); err != nil {
		l.log.Error("zoom: could not queue the passcode alert", "err", err)
	}
}
