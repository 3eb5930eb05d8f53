package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/meetings"
)

// No-show release: a booking whose meeting has not started ReleaseAfter
// after its start is freed for the rest of its slot. In one transaction
// the booking becomes released (it no longer occupies the account), its
// organizer gets a REPLY declining that occurrence with a short mail, and
// the waiting list may take the slot.

// zoomRelease is the release job of a booking, due at its start plus
// ReleaseAfter.
func (g *Gateway) zoomRelease(ctx context.Context, j meetings.Job) error {
	b, m, err := g.zoom.opt.Store.ZoomBooking(ctx, j.BookingID)
	if err != nil {
		return err
	}
	if b == nil || !zoomWanted(b) || m == nil || m.State != meetings.MeetingCreated || !m.StartedAt.IsZero() {
		return g.zoomFinish(ctx, j)
	}
	now := g.opt.Now()
	if due := b.Start.Add(g.zoom.opt.ReleaseAfter); now.Before(due) {
		return &meetings.Later{At: due, Why: "the booking has not reached its release time"}
	}
	if !now.Before(b.End) {
		return g.zoomFinish(ctx, j)
	}
	started, err := g.zoom.caps.Started(ctx, m.MeetingID, roomMeetingNumber(g.opt.roomFor(b.Room)))
	if errors.Is(err, meetings.ErrFixedUnknown) {
		g.log.Warn("the room's fixed meeting is not one of the account's: cannot tell whether it is in use",
			"room", b.Room, "err", err)
		started, err = false, nil
	}
	if err != nil {
		return err
	}
	if started {
		return g.zoomMarkStarted(ctx, m.BookingID, now, &j)
	}
	return g.releaseBooking(ctx, j, b)
}

// roomMeetingNumber is the number of a room's fixed meeting, 0 when none.
func roomMeetingNumber(r *Room) int64 {
	if r == nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, r.MeetingID), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// zoomMarkStarted records that a booking's meeting was seen live, and
// finishes job j when given.
func (g *Gateway) zoomMarkStarted(ctx context.Context, bookingID int64, at time.Time, j *meetings.Job) error {
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		m, err := ztx.Meeting(ctx, bookingID)
		if err != nil {
			return err
		}
		if m != nil && m.StartedAt.IsZero() {
			m.StartedAt = at.UTC()
			if err := ztx.SaveMeeting(ctx, m); err != nil {
				return err
			}
		}
		if j == nil {
			return nil
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, at.UTC())
		return err
	})
}

// releaseBooking frees b, answers its organizer and lets the waiting
// list take the slot, in one transaction.
func (g *Gateway) releaseBooking(ctx context.Context, j meetings.Job, b *Booking) error {
	key := "zoom-release:" + strconv.FormatInt(b.ID, 10)
	released := false
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		cur, err := tx.BookingByID(ctx, b.ID)
		if err != nil {
			return err
		}
		if released = cur != nil && cur.Status == StatusAccepted && cur.Start.Equal(b.Start); released {
			view := g.zoomBookingView(cur)
			view.Zoom = g.zoomBaseView()
			reason := fmt.Sprintf("released: its meeting had not started %d minutes after its start", int(g.zoom.opt.ReleaseAfter/time.Minute))
			if err := g.ReleaseBooking(ctx, tx, cur, Release{Key: key, Reason: reason, Template: TmplZoomReleased, View: view}); err != nil {
				return err
			}
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, g.opt.Now().UTC())
		return err
	})
	if err != nil || !released {
		return err
	}
	g.zoom.opt.Metrics.ZoomEvent("released")
	g.log.Info("booking released: its meeting had not started", "booking_id", b.ID, "uid", b.UID,
		"recurrence_id", b.RecurrenceID, "organizer", b.Organizer, "start", b.Start)
	g.Kick()
	return nil
}
