package layer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// No-show release: a booking whose meeting has not started ReleaseAfter
// after its start is freed for the rest of its slot. In one transaction
// the booking becomes released (it no longer occupies the account), its
// organizer gets a REPLY declining that occurrence with a short mail, and
// the waiting list may take the slot.

// zoomRelease is the release job of a booking, due at its start plus
// ReleaseAfter.
func (l *Layer) zoomRelease(ctx context.Context, j meetings.Job) error {
	b, m, err := l.opt.Store.ZoomBooking(ctx, j.BookingID)
	if err != nil {
		return err
	}
	if b == nil || !zoomWanted(b) || m == nil || m.State != meetings.MeetingCreated || !m.StartedAt.IsZero() {
		return l.zoomFinish(ctx, j)
	}
	now := l.now()
	if due := b.Start.Add(l.opt.ReleaseAfter); now.Before(due) {
		return &meetings.Later{At: due, Why: "the booking has not reached its release time"}
	}
	if !now.Before(b.End) {
		return l.zoomFinish(ctx, j)
	}
	started, err := l.caps.Started(ctx, m.MeetingID, roomMeetingNumber(l.g.RoomOf(b.Room)))
	if errors.Is(err, meetings.ErrFixedUnknown) {
		l.log.Warn("the room's fixed meeting is not one of the account's: cannot tell whether it is in use",
			"room", b.Room, "err", err)
		started, err = false, nil
	}
	if err != nil {
		return err
	}
	if started {
		return l.zoomMarkStarted(ctx, m.BookingID, now, &j)
	}
	return l.releaseBooking(ctx, j, b)
}

// roomMeetingNumber is the number of a room's fixed meeting, 0 when none.
func roomMeetingNumber(r *gateway.Room) int64 {
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
func (l *Layer) zoomMarkStarted(ctx context.Context, bookingID int64, at time.Time, j *meetings.Job) error {
	return l.store.Update(ctx, func(tx gateway.Tx) error {
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

// releaseBooking has the gateway free b, answer its organizer and let the
// waiting list take the slot (gateway.ReleaseBooking, a booking
// decision), and finishes the job, in one transaction.
func (l *Layer) releaseBooking(ctx context.Context, j meetings.Job, b *gateway.Booking) error {
	key := "zoom-release:" + strconv.FormatInt(b.ID, 10)
	released := false
	err := l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		cur, err := tx.BookingByID(ctx, b.ID)
		if err != nil {
			return err
		}
		if released = cur != nil && cur.Status == gateway.StatusAccepted && cur.Start.Equal(b.Start); released {
			view := l.zoomBookingView(cur)
			view.Zoom = l.zoomBaseView()
			reason := fmt.Sprintf("released: its meeting had not started %d minutes after its start", int(l.opt.ReleaseAfter/time.Minute))
			if err := l.g.ReleaseBooking(ctx, tx, cur, gateway.Release{Key: key, Reason: reason, Template: gateway.TmplZoomReleased, View: view}); err != nil {
				return err
			}
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, l.now().UTC())
		return err
	})
	if err != nil || !released {
		return err
	}
	l.opt.Metrics.ZoomEvent("released")
	l.log.Info("booking released: its meeting had not started", "booking_id", b.ID, "uid", b.UID,
		"recurrence_id", b.RecurrenceID, "organizer", b.Organizer, "start", b.Start)
	l.g.Kick()
	return nil
}
