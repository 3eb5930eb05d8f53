package layer

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// The accept mail of Zoom API mode waits, in the outbox, for the links of
// its meetings: it is queued with the fixed room's details, as always,
// but due only CreateTimeout later. When the meetings exist before, it is
// written again with their links and leaves at once; otherwise it leaves
// as it is, and a second mail gives the links once they exist.

// zoomHold holds the accept mail m, just queued for the meeting
// (d.Organizer, d.UID), until its meetings exist. A mail whose dates call
// for no Zoom meeting (held on a free tool) is not held.
func (l *Layer) zoomHold(ctx context.Context, tx gateway.Tx, m *gateway.OutboxMail, d gateway.HeldAccept) error {
	ztx, err := meetingTx(tx)
	if err != nil {
		return err
	}
	if views, ready, err := l.zoomMeetingsOf(ctx, tx, ztx, d.Organizer, d.UID); err != nil || ready && len(views) == 0 {
		return err
	}
	// What is kept to write the mail again holds no secret: the fixed
	// room's details are not in the new mail, and the host key is put
	// back when it is written; the other hosts' dates of a split series
	// (with their keys) are not part of the mail written from it.
	d.View.HostKey, d.View.Room.JoinURL, d.View.Room.MeetingID, d.View.Room.Passcode = "", "", "", ""
	d.View.OtherHosts, d.View.Zoom = nil, gateway.ZoomView{} // zoomFill writes Zoom again, keys included
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("hold the accept mail: %w", err)
	}
	deadline := l.now().Add(l.opt.CreateTimeout).UTC().Truncate(time.Microsecond)
	h := meetings.HeldMail{OutboxID: m.ID, Organizer: d.Organizer, UID: d.UID, Deadline: deadline, State: "held", Data: data}
	if err := ztx.HoldMail(ctx, h); err != nil {
		return err
	}
	m.NextAttempt = deadline
	// An edit of a meeting whose dates all have a meeting already need
	// not wait.
	return l.zoomResolve(ctx, tx, ztx, h, 0)
}

// zoomAnnounce tells the organizer of b that its meeting exists: through
// the accept mails held for b's meeting, or a mail of its own. moved is
// b's ID when the meeting replaces one whose link an earlier mail gave
// (zoomMove): the mails say that link changed.
func (l *Layer) zoomAnnounce(ctx context.Context, tx gateway.Tx, ztx meetings.Tx, b *gateway.Booking, moved int64) error {
	hs, err := ztx.HeldMails(ctx, b.Organizer, b.UID)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if err := l.zoomResolve(ctx, tx, ztx, h, moved); err != nil {
			return err
		}
	}
	if len(hs) > 0 || l.g.MustNotAnswer(b.Organizer) || l.g.RoomOf(b.Room) == nil {
		return nil
	}
	m, err := ztx.Meeting(ctx, b.ID)
	if err != nil || m == nil {
		return err
	}
	key := "zoom-link:" + strconv.FormatInt(b.ID, 10)
	if moved != 0 {
		key = "zoom-moved:" + strconv.FormatInt(b.ID, 10) + ":" + strconv.FormatInt(m.MeetingID, 10)
	}
	return l.queueZoomLink(ctx, tx, key, l.zoomBookingView(b), markMoved([]meetingView{l.zoomMeetingView(b, m)}, moved))
}

// markMoved marks, among views, the meeting of booking moved (an ID, or
// 0 for none) as replacing one whose link an earlier mail gave.
func markMoved(views []meetingView, moved int64) []meetingView {
	for i := range views {
		if moved != 0 && views[i].bookingID == moved {
			views[i].NewLink = true
		}
	}
	return views
}

// zoomResolve releases the held mail h once every accepted date of its
// meeting has its Zoom meeting: written again with their links when it
// has not left yet, or else followed by a second mail. moved is as for
// zoomAnnounce.
func (l *Layer) zoomResolve(ctx context.Context, tx gateway.Tx, ztx meetings.Tx, h meetings.HeldMail, moved int64) error {
	views, ready, err := l.zoomMeetingsOf(ctx, tx, ztx, h.Organizer, h.UID)
	if err != nil || !ready {
		return err
	}
	views = markMoved(views, moved)
	now := l.now().UTC()
	var d gateway.HeldAccept
	if err := json.Unmarshal(h.Data, &d); err != nil || len(views) == 0 {
		_, rerr := ztx.ReleaseHeldMail(ctx, h, nil, now)
		return rerr
	}
	view := d.View
	l.zoomFill(&view, views)
	raw, err := l.g.ComposeAccept(d, gateway.TmplZoomAccept, view, now)
	if err != nil {
		return err
	}
	replaced, err := ztx.ReleaseHeldMail(ctx, h, raw, now)
	if err != nil {
		return err
	}
	l.log.Info("zoom meetings ready for an accept mail", "uid", h.UID, "organizer", h.Organizer,
		"meetings", len(views), "in_the_accept_mail", replaced)
	if replaced {
		return nil
	}
	return l.queueZoomLink(ctx, tx, d.Key, d.View, views)
}

// zoomMeetingsOf returns the meetings of the accepted dates of the
// meeting (organizer, uid) that have not ended; ready is false while one
// of them has none yet.
func (l *Layer) zoomMeetingsOf(ctx context.Context, tx gateway.Tx, ztx meetings.Tx, organizer, uid string) ([]meetingView, bool, error) {
	bs, err := tx.BookingsOf(ctx, organizer, uid)
	if err != nil {
		return nil, false, err
	}
	now := l.now()
	var views []meetingView
	for i := range bs {
		b := &bs[i]
		if !zoomWanted(b) || !b.End.After(now) {
			continue // no Zoom meeting to wait for
		}
		m, err := ztx.Meeting(ctx, b.ID)
		if err != nil {
			return nil, false, err
		}
		if m == nil || m.State != meetings.MeetingCreated {
			return nil, false, nil
		}
		views = append(views, l.zoomMeetingView(b, m))
	}
	return views, true, nil
}

// zoomFill gives a view the meetings, and their host keys only when
// members do not start their meetings with start links: one key for the
// mail when every meeting has the same, else each meeting's own beside it
// (a series whose dates got different pool hosts).
func (l *Layer) zoomFill(v *gateway.MailView, meetings []meetingView) {
	v.Zoom = l.zoomBaseView()
	v.HostKey = ""
	keyPerDate := false
	if !l.opt.StartLinks && len(meetings) > 0 {
		v.HostKey = meetings[0].hostKey
		for _, m := range meetings[1:] {
			if m.hostKey != v.HostKey {
				v.HostKey, keyPerDate = "", true
				break
			}
		}
	}
	v.Zoom.KeyPerDate = keyPerDate
	for _, m := range meetings {
		if keyPerDate {
			m.HostKey = m.hostKey
		}
		v.Zoom.Meetings = append(v.Zoom.Meetings, m.ZoomMeetingView)
	}
}

// zoomHostKey is the host key of booking b's meeting: its pool host's,
// else the account's; "" when its host is no longer configured (the
// meeting stays under that host's Zoom user, whose key roomgate no longer
// knows: the account's would not open it).
func (l *Layer) zoomHostKey(b *gateway.Booking) string {
	if h := l.g.HostOf(b); h != nil {
		return h.HostKey
	}
	if l.g.HostGone(b) {
		return ""
	}
	return l.hostKey
}

// zoomUser is the Zoom user under whom booking b's meeting is made or
// looked for: its pool host's ZoomUser, or "" for the provider's own user
// (no pool). A booking whose host is no longer configured has none
// (errHostGone): its meeting is never made, nor looked for, under another
// user than the one it may already be under.
func (l *Layer) zoomUser(b *gateway.Booking) (string, error) {
	if h := l.g.HostOf(b); h != nil {
		return h.ZoomUser, nil
	}
	if l.g.HostGone(b) {
		return "", hostGoneError{booking: b.ID, host: b.Host}
	}
	return "", nil
}

// hostGoneError is the permanent error of a sync job that would have to
// make, or look for, the meeting of a booking whose pool host is no
// longer configured. It does not fall back to [zoom_api] user: that
// would make a second meeting when one exists under the removed host's
// user, or put a meeting on a user the pool may count as busy then.
type hostGoneError struct {
	booking int64
	host    string
}

func (e hostGoneError) Error() string {
	return fmt.Sprintf("booking %d: its host %q is no longer in [[account.hosts]]: no meeting is made or looked for under "+
		"another Zoom user; add the host back (the job runs again when the booking is next saved), or have the booking cancelled and booked again",
		e.booking, e.host)
}

func (hostGoneError) Permanent() bool { return true }

// queueZoomLink queues the mail giving an organizer the links of
// meetings made after their accept mail left.
func (l *Layer) queueZoomLink(ctx context.Context, tx gateway.Tx, key string, view gateway.MailView, meetings []meetingView) error {
	l.zoomFill(&view, meetings)
	from := gateway.Address{Name: view.Room.Name, Addr: view.Room.Address}
	return l.g.QueueNotice(ctx, tx, gateway.NoticeMail{Key: key, From: from,
		To: gateway.Address{Name: view.OrganizerName, Addr: view.Organizer}, Template: gateway.TmplZoomLink, View: view})
}

// zoomBookingView is the view of a mail about one booking: its title,
// slot, room and the facilitators' contact.
func (l *Layer) zoomBookingView(b *gateway.Booking) gateway.MailView {
	v := l.g.BookingView(b)
	if l.opt.StartLinks {
		v.HostKey = ""
	}
	return v
}

// zoomReminder turns the reminder of a booking that has its own meeting
// into gateway.TmplZoomReminder; other reminders are left as they are.
func (l *Layer) zoomReminder(ctx context.Context, tx gateway.Tx, b *gateway.Booking, tmpl string, v gateway.MailView) (string, gateway.MailView, error) {
	if tmpl != gateway.TmplReminder {
		return tmpl, v, nil
	}
	ztx, err := meetingTx(tx)
	if err != nil {
		return tmpl, v, err
	}
	m, err := ztx.Meeting(ctx, b.ID)
	if err != nil || m == nil || m.State != meetings.MeetingCreated {
		return tmpl, v, err
	}
	l.zoomFill(&v, []meetingView{l.zoomMeetingView(b, m)})
	return gateway.TmplZoomReminder, v, nil
}
