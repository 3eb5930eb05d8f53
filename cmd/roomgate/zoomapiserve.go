package main

import (
	"context"
	"log/slog"
	"time"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/meetings"
	"codeberg.org/opteos/roomgate/meetings/layer"
	"codeberg.org/opteos/roomgate/meetings/zoom"
	"codeberg.org/opteos/roomgate/web"
	"codeberg.org/opteos/roomgate/zoomapi"
)

// zoomLayer returns the options of the meeting layer (Zoom API mode), nil
// unless [zoom_api] enabled and per_booking_meetings are on: the other
// features all hang on a meeting per booking.
func (c *Config) zoomLayer(store *db.Store, log *slog.Logger) (*layer.Options, error) {
	z := &c.ZoomAPI
	if !z.Enabled || !z.PerBookingMeetings {
		return nil, nil
	}
	o := z.clientOptions(log)
	if z.clientEdit != nil {
		z.clientEdit(&o)
	}
	cl, err := zoomapi.New(o)
	if err != nil {
		return nil, err
	}
	settings := z.meetingSettings()
	api := zoom.New(cl, z.User, settings, meetings.Recordings{Root: z.RecordingsDir}).WithHosts(c.hostUsers()...)
	return &layer.Options{API: api, Store: store,
		CreateTimeout: z.CreateTimeout.Duration, StartLinks: z.StartLinks, LinkKey: z.linkKey(), PublicURL: z.publicURL,
		ArriveEarly: z.arriveEarly, Recordings: z.Recordings, RecordingsDir: z.RecordingsDir,
		RecordingsKeep: z.RecordingsKeep.Duration, Attendance: z.Attendance, WaitingRoom: *settings.WaitingRoom,
		ReleaseNoShows: z.ReleaseNoShows, ReleaseAfter: z.ReleaseAfter.Duration, Overrun: z.Overrun,
		OverrunWarning: z.OverrunWarning.Duration, PollInterval: z.PollInterval.Duration, JobInterval: z.jobInterval,
		JobLease: z.JobLease.Duration}, nil
}

// zoomWeb returns what the web server serves of Zoom API mode: start
// links, the recordings' copies, the operator's section and Zoom's
// webhook; nil when the mode is off.
func (a *app) zoomWeb() *web.ZoomOptions {
	z := &a.cfg.ZoomAPI
	if !z.Enabled || !z.PerBookingMeetings {
		return nil
	}
	o := &web.ZoomOptions{Store: a.store}
	if z.StartLinks {
		o.Start = a.meet.StartURL
	}
	if z.Recordings {
		o.Recordings = meetings.Recordings{Root: z.RecordingsDir}
	}
	if z.Webhook {
		h, err := zoomapi.NewWebhookHandler(zoomapi.WebhookOptions{Secret: zoomapi.Secret(z.WebhookSecret),
			Logger: a.log, OnEvent: a.zoomEvent})
		if err != nil {
			a.log.Error("zoom webhook not served", "err", err)
		} else {
			o.Webhook = h
		}
	}
	return o
}

// zoomEvent hands a verified webhook event of the account to the meeting
// layer.
func (a *app) zoomEvent(ctx context.Context, e *zoomapi.Event) error {
	ev, ok, foreign := zoom.Event(e, a.cfg.ZoomAPI.AccountID)
	if foreign {
		a.log.Warn("zoom webhook: an event of another account ignored")
	}
	if !ok {
		return nil // unreadable or of no use: Zoom must not send it again
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second) // Zoom waits three seconds
	defer cancel()
	return a.meet.HandleEvent(ctx, ev)
}
