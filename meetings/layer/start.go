package layer

import (
	"context"
	"crypto/hmac"
	"fmt"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// Start links: instead of the host key, the organizer of a booking gets a
// personal link to roomgate's web server, signed (meetings.StartSignature),
// that works from ArriveEarly before the start of the booking to its
// end. Each use fetches a fresh start_url from Zoom (which carries a
// short-lived token that starts the meeting as the account's user) and
// redirects to it, so the member hosts, with the waiting room the meeting
// was created with.

// Reasons a start link is refused (StartRefused.Reason).
const (
	StartInvalid = "invalid" // unknown booking or forged signature
	StartEarly   = "early"   // the link opens later
	StartOver    = "over"    // the booking has ended
	StartGone    = "gone"    // the booking was cancelled, released or moved away
)

// StartRefused says why a start link does not work now.
type StartRefused struct {
	Reason string
	// Opens is when the link opens (StartEarly), When the booking's slot;
	// both in the display zone.
	Opens time.Time
	When  gateway.Slot
	// Lang is the language of the booking's organizer ("" when unknown).
	Lang string
}

func (e *StartRefused) Error() string { return "start link refused: " + e.Reason }

// StartURL checks the start link (booking id, signature sig) and
// returns a fresh start_url of the booking's meeting. Refusals are a
// *StartRefused; other errors mean Zoom could not be asked.
func (l *Layer) StartURL(ctx context.Context, id int64, sig string) (string, error) {
	if l == nil || !l.opt.StartLinks {
		return "", &StartRefused{Reason: StartInvalid}
	}
	z := l.opt
	b, m, err := z.Store.ZoomBooking(ctx, id)
	if err != nil {
		return "", err
	}
	if b == nil || m == nil || !hmac.Equal([]byte(sig), []byte(meetings.StartSignature(z.LinkKey, id, m.Marker))) {
		return "", &StartRefused{Reason: StartInvalid}
	}
	loc, now := l.loc, l.now()
	refused := &StartRefused{When: gateway.Slot{Start: b.Start.In(loc), End: b.End.In(loc)}, Lang: l.g.BookingView(b).Lang,
		Opens: b.Start.Add(-z.ArriveEarly).In(loc)}
	switch {
	case !zoomWanted(b) || m.State != meetings.MeetingCreated:
		refused.Reason = StartGone
	case now.Before(b.Start.Add(-z.ArriveEarly)):
		refused.Reason = StartEarly
	case !now.Before(b.End):
		refused.Reason = StartOver
	default:
		u, err := l.caps.Start.StartURL(ctx, m.MeetingID)
		if err != nil {
			return "", fmt.Errorf("fetch the start URL: %w", err)
		}
		l.log.Info("start link used", "booking_id", id, "meeting_id", m.MeetingID)
		return u, nil
	}
	l.log.Info("start link refused", "booking_id", id, "reason", refused.Reason)
	return "", refused
}
