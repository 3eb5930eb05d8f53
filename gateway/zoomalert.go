package gateway

import (
	"context"
	"errors"
	"time"
)

// Alerts about the Zoom account itself, sent to the facilitators once:
// the daily limit on creating and updating meetings was reached (until
// when), or the account's passcode rules refused roomgate's passcodes (so
// meetings are now created with the passcode Zoom generates).

// TmplZoomAccount tells the facilitators of a problem of the Zoom account.
const TmplZoomAccount = "zoom-account"

// The problems ZoomAccountView.Problem names.
const (
	ZoomProblemDailyLimit = "daily-limit"
	ZoomProblemPasscode   = "passcode"
)

// ZoomAccountView is a problem of the account (TmplZoomAccount).
type ZoomAccountView struct {
	Problem string
	// ResumeAt is when Zoom takes creations and updates again (daily
	// limit), in the display zone.
	ResumeAt time.Time
}

// zoomDailyLimit tells the facilitators, once per day of limit, that Zoom
// refuses creations and updates until the time it gave; the jobs wait
// until then (zoomRetryDelay).
func (g *Gateway) zoomDailyLimit(ctx context.Context, err error) error {
	if !errors.Is(err, ErrZoomDailyLimit) {
		return nil
	}
	var ra ZoomRetryAfter
	if !errors.As(err, &ra) || ra.RetryAfter() <= 0 {
		return nil
	}
	resume := g.opt.Now().Add(ra.RetryAfter()).UTC().Truncate(time.Minute)
	g.log.Warn("zoom: the daily limit of meeting creations and updates is reached; jobs wait", "resume_at", resume)
	return g.zoomAccountAlert(ctx, "zoom-daily-limit:"+resume.Format("2006-01-02T15:04"),
		ZoomAccountView{Problem: ZoomProblemDailyLimit, ResumeAt: resume.In(g.opt.Location)})
}

// zoomAccountAlert mails the facilitators about the account, once per key.
func (g *Gateway) zoomAccountAlert(ctx context.Context, key string, a ZoomAccountView) error {
	view := MailView{Lang: g.opt.Lang, TimeZone: g.opt.Location.String(), Contact: g.opt.Contact, Service: g.opt.ServiceName}
	view.Zoom = g.zoomBaseView()
	view.Zoom.Account = a
	sent := 0
	err := g.zoomOnce(ctx, key, func(tx Tx) error {
		var err error
		sent, err = g.notifyFacilitators(ctx, tx, key, "", TmplZoomAccount, view)
		return err
	})
	if err == nil && sent > 0 {
		g.zoom.opt.Metrics.ZoomEvent("account_alert")
		g.Kick()
	}
	return err
}

// zoomPasscodesRefused tells the facilitators, once, that the account's
// passcode rules refuse roomgate's passcodes (meetings.Passcodes).
func (g *Gateway) zoomPasscodesRefused(ctx context.Context) {
	if err := g.zoomAccountAlert(ctx, "zoom-passcode-refused", ZoomAccountView{Problem: ZoomProblemPasscode}); err != nil {
		g.log.Error("zoom: could not queue the passcode alert", "err", err)
	}
}
