package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/emersion/go-message/textproto"
)

// NoticeHandler takes the mail without a calendar that is not about
// bookings: the Zoom account's own mail, which package zoom handles. The
// gateway gives it every such message and decides what it returns in the
// same transaction, record and audit as an invitation.
type NoticeHandler interface {
	// Analyze looks at a message outside any transaction and returns nil
	// when the message is not one it handles. It must be quick apart from
	// Mail.Authenticate, which may query the DNS within a deadline.
	Analyze(ctx context.Context, m *Mail) Notice
}

// Notice is a message a NoticeHandler took.
type Notice interface {
	// Kind is the message's kind (KindZoomCode…).
	Kind() Kind
	// Key is the identity under which the message is recorded as processed,
	// so that a copy of it is not handled twice; "" keeps the default (the
	// hash of its bytes). A key must only be derived from what an attacker
	// cannot forge (an authenticated message's signature, say), or a forged
	// copy would hide the genuine mail.
	Key() string
	// Decide decides the message and queues what it sends, through d.
	Decide(ctx context.Context, d *Desk) (Outcome, error)
}

// Mail is a message without calendar, as a NoticeHandler sees it.
type Mail struct {
	Raw       []byte
	Header    textproto.Header
	MessageID string
	Subject   string // decoded
	// From is the address of the From field, parsed strictly; "" when the
	// field is not exactly one mailbox.
	From string

	ctx  context.Context
	g    *Gateway
	once sync.Once
	auth Authentication
}

// Authenticate reports whether the From domain of the mail is genuine (see
// AuthOptions). It is computed once.
func (m *Mail) Authenticate() Authentication {
	m.once.Do(func() { m.auth = m.g.dkim.Authenticate(m.ctx, m.Header, m.Raw, m.From) })
	return m.auth
}

// Desk is what a Notice decides with: the transaction and the gateway's
// clock, configuration, templates and outbox.
type Desk struct {
	Tx Tx
	// Key is the message's key, recorded with the mails it queues.
	Key string
	g   *Gateway
}

// Now is the gateway's clock.
func (d *Desk) Now() time.Time { return d.g.opt.Now() }

// Location is the zone of the times shown to people.
func (d *Desk) Location() *time.Location { return d.g.opt.Location }

// Lang is the configured language of mails.
func (d *Desk) Lang() string { return d.g.opt.Lang }

// Room returns the configured room an address names, or nil.
func (d *Desk) Room(addr string) *Room { return d.g.opt.roomFor(addr) }

// Facilitators are the addresses of the account's administrators.
func (d *Desk) Facilitators() []string { return d.g.opt.Relay.Facilitators }

// BaseView is a MailView holding what every mail shows: the language,
// zone, contact, the hosting lead time and the recordings' rules.
func (d *Desk) BaseView() MailView {
	o := d.g.opt
	v := MailView{Lang: o.Lang, TimeZone: o.Location.String(), Contact: o.Contact, RecordingHours: 24,
		LeadMinutes: o.LeadMinutes, Service: o.ServiceName}
	v.Relay.RecordingsAccess = o.Relay.RecordingsAccess
	return v
}

// BookingView fills the booking's own fields of a view (title, organizer,
// slot, room) and returns the language of its organizer.
func (d *Desk) BookingView(v *MailView, b *Booking) string {
	d.g.bookingView(v, b)
	return v.Lang
}

// Render renders a template.
func (d *Desk) Render(lang, tmpl string, v MailView) (Rendered, error) {
	return d.g.opt.Renderer.Render(lang, tmpl, v)
}

// QueueNotice queues an automatic mail (not a reply) from the room of
// booking b (nil: the notices' sender) to one address, which must be a
// valid mailbox.
func (d *Desk) QueueNotice(ctx context.Context, b *Booking, to Address, text Rendered) error {
	from := d.g.opt.relayFrom()
	if b != nil {
		from = d.g.roomSender(b)
	}
	return d.g.queueNotice(ctx, d.Tx, d.Key, "", from, to, text)
}

// NotifyFacilitators queues one mail per facilitator and returns how many.
func (d *Desk) NotifyFacilitators(ctx context.Context, tmpl string, view MailView) (int, error) {
	return d.g.notifyFacilitators(ctx, d.Tx, d.Key, "", tmpl, view)
}

// AlertFacilitators is NotifyFacilitators for an alert about a forgery,
// at most alertsPerHour an hour in all: a flood of forgeries does not
// flood the facilitators. It returns how many mails were queued.
func (d *Desk) AlertFacilitators(ctx context.Context, tmpl string, view MailView) (int, error) {
	return d.g.alertFacilitators(ctx, d.Tx, d.Key, tmpl, view)
}

// SetRecording records that a recording notice for booking id arrived.
func (d *Desk) SetRecording(ctx context.Context, id int64) error {
	return d.Tx.SetRecording(ctx, id, d.Now().UTC())
}

// chatMessage is the JSON body of an incoming webhook message, as both
// Mattermost and Rocket.Chat take it; text is Markdown.
type chatMessage struct {
	Text    string `json:"text"`
	Channel string `json:"channel,omitempty"`
}

// QueueChat queues a chat message (Markdown) for the webhook, in channel
// ("" for the webhook's own).
func (d *Desk) QueueChat(ctx context.Context, text, channel string) error {
	body, err := json.Marshal(chatMessage{Text: text, Channel: channel})
	if err != nil {
		return fmt.Errorf("chat message: %w", err)
	}
	now := d.Now().UTC()
	m := OutboxMail{MessageKey: d.Key, Channel: ChannelWebhook, Raw: body, Status: OutboxPending,
		NextAttempt: now, CreatedAt: now}
	if err := d.Tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue chat message: %w", err)
	}
	return nil
}

// Overlapping returns the accepted bookings with Start < to and End > from,
// ordered by Start.
func (d *Desk) Overlapping(ctx context.Context, from, to time.Time) ([]Booking, error) {
	bs, err := d.Tx.Overlapping(ctx, from, to)
	out := bs[:0]
	for _, b := range bs {
		if b.Status == StatusAccepted {
			out = append(out, b)
		}
	}
	return out, err
}
