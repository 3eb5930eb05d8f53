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
			if err := g.release(ctx, tx, cur, key); err != nil {
				return err
			}
			if _, err := g.promoteWaiters(ctx, tx, key); err != nil {
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

// release saves b released, audits it and queues the organizer's mail
// with the REPLY declining that occurrence.
func (g *Gateway) release(ctx context.Context, tx Tx, b *Booking, key string) error {
	now := g.opt.Now().UTC()
	after := g.zoom.opt.ReleaseAfter
	b.Status, b.UpdatedAt = StatusReleased, now
	b.Reason = fmt.Sprintf("released: its meeting had not started %d minutes after its start", int(after/time.Minute))
	if err := g.saveBooking(ctx, tx, b); err != nil {
		return fmt.Errorf("release booking: %w", err)
	}
	if err := tx.Audit(ctx, AuditEntry{At: now, MessageKey: key, Kind: KindZoom, Action: ActionReleased, UID: b.UID,
		Organizer: b.Organizer, Room: b.Room, Start: b.Start, End: b.End, Reason: b.Reason}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if g.mustNotAnswer(b.Organizer) {
		return nil
	}
	view := g.zoomBookingView(b)
	view.Zoom = g.zoomBaseView()
	text, err := g.opt.Renderer.Render(view.Lang, TmplZoomReleased, view)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", TmplZoomReleased, err)
	}
	room := Room{Name: view.Room.Name, Address: b.Room}
	_, comment := g.renderReplyTexts(MailView{Reason: ReasonCancelled}, view.Lang, "The room is no longer booked for this meeting.")
	from, to := Address{Name: room.Name, Addr: b.Room}, Address{Name: b.OrganizerName, Addr: b.Organizer}
	stamp, err := g.itipStamp(ctx, tx, b.UID, b.Organizer)
	if err != nil {
		return err
	}
	raw := composeReply(composeInput{From: from, To: to, Text: text, Calendar: cancelReply(b, room, comment, stamp, g.opt.ProdID),
		InReplyTo: b.MessageID, Date: now})
	m := OutboxMail{MessageKey: key, UID: b.UID, From: from.Addr, To: []string{to.Addr}, Raw: raw,
		Status: OutboxPending, NextAttempt: now, CreatedAt: stamp}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue reply: %w", err)
	}
	return nil
}
