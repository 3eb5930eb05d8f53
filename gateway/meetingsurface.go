package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// What the meeting layer (package meetings/layer) may use of the gateway.
// The layer keeps the meetings: their durable jobs, the held accept mails,
// the watch of live meetings, recordings, reports and alerts. It is told
// of the decisions through MeetingHooks, and acts back only through this
// surface: it reads the gateway's settings (MeetingEnv), shows a booking
// in a mail (BookingView, FacilitatorView), queues a mail (QueueNotice,
// NotifyFacilitators, ComposeAccept), and asks for the one booking
// decision it may call for, a no-show release (ReleaseBooking), which
// stays here with the other decisions.

// MeetingEnv is what the meeting layer reads of the gateway's settings,
// with their defaults applied.
type MeetingEnv struct {
	// Store is the gateway's store: the layer's transactions are its.
	Store Store
	// Now is the clock, Location the display zone, Logger the log.
	Now      func() time.Time
	Location *time.Location
	Logger   *slog.Logger
	// Rooms are the configured rooms; HostKey is the account's host key
	// (Options.HostKey), the key of a booking without a pool host.
	Rooms   []Room
	HostKey string
}

// MeetingEnv returns the settings the meeting layer reads.
func (g *Gateway) MeetingEnv() MeetingEnv {
	return MeetingEnv{Store: g.opt.Store, Now: g.opt.Now, Location: g.opt.Location, Logger: g.log,
		Rooms: append([]Room(nil), g.opt.Rooms...), HostKey: g.opt.HostKey}
}

// RoomOf returns the configured room of that address, or nil.
func (g *Gateway) RoomOf(addr string) *Room { return g.opt.roomFor(addr) }

// HostGone reports whether b is a Zoom booking of a pool host no longer
// configured (HostOf is then nil, as it is without a pool): its meeting
// stays under that host's Zoom user, whose key the gateway no longer
// knows.
func (g *Gateway) HostGone(b *Booking) bool {
	p := g.hosts()
	return !p.legacy && b.Provider == "" && b.Host != "" && p.host(b.Host) == nil
}

// MustNotAnswer reports addresses that never get an automatic mail
// (RFC 3834 §2): daemons, and the rooms themselves.
func (g *Gateway) MustNotAnswer(addr string) bool { return g.mustNotAnswer(addr) }

// BookingView is the view of a mail to the organizer of b: in their
// language, with b's title, slot, room, host key and options, and the
// facilitators' contact.
func (g *Gateway) BookingView(b *Booking) MailView {
	room := Room{Name: b.Room, Address: b.Room}
	if r := g.opt.roomFor(b.Room); r != nil {
		room = *r
	}
	return g.reminderView(b, &room)
}

// FacilitatorView is the view of a mail to the facilitators, in the
// service's language; about booking b (its title, organizer, slot and
// room) when b is not nil.
func (g *Gateway) FacilitatorView(b *Booking) MailView {
	v := MailView{Lang: g.opt.Lang, TimeZone: g.opt.Location.String(), Contact: g.opt.Contact, Service: g.opt.ServiceName}
	if b != nil {
		g.bookingView(&v, b)
		v.Lang = g.opt.Lang
	}
	return v
}

// RoomSender is the sender of mail about booking b: its room.
func (g *Gateway) RoomSender(b *Booking) Address { return g.roomSender(b) }

// NoticeMail is an automatic mail of the meeting layer, answering no message.
type NoticeMail struct {
	// Key is the outbox row's message key.
	Key      string
	From, To Address
	// Template is rendered with View, in View.Lang.
	Template string
	View     MailView
	// File, when not nil, is attached to the mail.
	File *Attachment
}

// Attachment is a file attached to a NoticeMail.
type Attachment struct {
	Name, ContentType string
	Data              []byte
}

// QueueNotice renders and queues the mail n in tx.
func (g *Gateway) QueueNotice(ctx context.Context, tx Tx, n NoticeMail) error {
	text, err := g.opt.Renderer.Render(n.View.Lang, n.Template, n.View)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", n.Template, err)
	}
	if n.File == nil {
		return g.queueNotice(ctx, tx, n.Key, "", n.From, n.To, text)
	}
	now := g.opt.Now()
	raw := composeWithFile(composeInput{From: n.From, To: n.To, Text: text, Date: now, AutoSubmitted: "auto-generated"},
		n.File.Name, n.File.ContentType, n.File.Data)
	m := OutboxMail{MessageKey: n.Key, From: n.From.Addr, To: []string{n.To.Addr},
		Raw: raw, Status: OutboxPending, NextAttempt: now.UTC(), CreatedAt: now.UTC()}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

// NotifyFacilitators renders template tmpl with v in the service's
// language and queues one mail per facilitator under key; it returns how
// many.
func (g *Gateway) NotifyFacilitators(ctx context.Context, tx Tx, key, tmpl string, v MailView) (int, error) {
	return g.notifyFacilitators(ctx, tx, key, "", tmpl, v)
}

// ComposeAccept writes again the accept mail held as h (see
// MeetingHooks.AcceptQueued), its text rendered from template tmpl with v
// in h.Lang, dated date.
func (g *Gateway) ComposeAccept(h HeldAccept, tmpl string, v MailView, date time.Time) ([]byte, error) {
	text, err := g.opt.Renderer.Render(h.Lang, tmpl, v)
	if err != nil {
		return nil, fmt.Errorf("render %s mail: %w", tmpl, err)
	}
	return composeReply(composeInput{From: h.From, To: h.To, Text: text, Calendar: h.Calendar, Method: h.Method,
		InReplyTo: h.InReplyTo, References: h.References, Date: date}), nil
}

// StatusReleased is a booking freed because its meeting had not started
// some time after its start (a no-show, see ReleaseBooking). It does not
// occupy the account.
const StatusReleased BookingStatus = "released"

// ActionReleased is the audit action of a no-show release.
const ActionReleased Action = "released"

// ActionZoomLeftRunning is the audit action of a meeting left running:
// its booking was withdrawn while it was in progress.
const ActionZoomLeftRunning Action = "left-running"

// KindZoom marks the audit entries of what the meeting layer decided.
const KindZoom Kind = "zoom"

// Release is the no-show release of a booking, as the meeting layer asks
// for it.
type Release struct {
	// Key is the audit entry's and the mail's message key.
	Key string
	// Reason is the booking's new reason, audited.
	Reason string
	// Template, rendered with View in View.Lang, is the text of the mail
	// that comes with the REPLY declining the occurrence.
	Template string
	View     MailView
}

// ReleaseBooking frees the accepted booking b in tx, a booking decision:
// b becomes released (it no longer occupies the account), audited, its
// organizer gets a REPLY declining that occurrence with r's mail, and the
// waiting list may take the slot.
func (g *Gateway) ReleaseBooking(ctx context.Context, tx Tx, b *Booking, r Release) error {
	if err := g.release(ctx, tx, b, r); err != nil {
		return err
	}
	_, err := g.promoteWaiters(ctx, tx, r.Key)
	return err
}

// release saves b released, audits it and queues the organizer's mail
// with the REPLY declining that occurrence.
func (g *Gateway) release(ctx context.Context, tx Tx, b *Booking, r Release) error {
	now := g.opt.Now().UTC()
	b.Status, b.UpdatedAt, b.Reason = StatusReleased, now, r.Reason
	if err := g.saveBooking(ctx, tx, b); err != nil {
		return fmt.Errorf("release booking: %w", err)
	}
	if err := tx.Audit(ctx, AuditEntry{At: now, MessageKey: r.Key, Kind: KindZoom, Action: ActionReleased, UID: b.UID,
		Organizer: b.Organizer, Room: b.Room, Start: b.Start, End: b.End, Reason: b.Reason}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if g.mustNotAnswer(b.Organizer) {
		return nil
	}
	view := r.View
	text, err := g.opt.Renderer.Render(view.Lang, r.Template, view)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", r.Template, err)
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
	m := OutboxMail{MessageKey: r.Key, UID: b.UID, From: from.Addr, To: []string{to.Addr}, Raw: raw,
		Status: OutboxPending, NextAttempt: now, CreatedAt: stamp}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue reply: %w", err)
	}
	return nil
}
