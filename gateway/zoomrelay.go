package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// alertsPerHour caps the alerts about forged Zoom mail, so a flood of
// forgeries does not flood the facilitators; alertKey counts them.
const (
	alertsPerHour = 10
	alertKey      = "roomgate:forged-zoom-mail"
)

// handleZoom relays a mail of the Zoom account (see analyzeZoom).
func (g *Gateway) handleZoom(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	z := a.zoom
	switch {
	case !z.authentic:
		return g.rejectForged(ctx, tx, a)
	case z.kind == KindZoomCode:
		return g.relayCode(ctx, tx, a)
	case z.kind == KindZoomRecording:
		return g.relayRecording(ctx, tx, a)
	}
	view := g.relayView(a)
	n, err := g.notifyFacilitators(ctx, tx, a.key, "", TmplAlert, view)
	return Outcome{Kind: KindZoomAlert, Action: ActionRelayed, Folder: FolderProcessed, Queued: n,
		Reason: fmt.Sprintf("sign-in alert relayed to %d facilitator(s) (%s)", n, z.why)}, err
}

// relayView is the view of a Zoom mail common to the relay templates.
func (g *Gateway) relayView(a *analysis) MailView {
	z, loc := a.zoom, g.opt.Location
	v := MailView{Lang: g.opt.Lang, TimeZone: loc.String(), Contact: g.opt.Contact, RecordingHours: 24,
		LeadMinutes: g.opt.LeadMinutes}
	v.Relay = RelayView{Sender: a.env.From, Subject: printable(z.subject), Excerpt: z.text,
		RecordingsAccess: g.opt.Relay.RecordingsAccess}
	if !z.received.IsZero() {
		v.Relay.Received = z.received.In(loc)
	}
	return v
}

// relayCode sends a sign-in code to every facilitator and, while it is
// still valid, to the chat. The code itself is never logged nor audited.
func (g *Gateway) relayCode(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	now := g.opt.Now()
	expires := issuedAt(a.zoom.received, now).Add(g.opt.codeValidity())
	view := g.relayView(a)
	view.Relay.Code, view.Relay.Expires, view.Relay.Expired = a.zoom.code, expires.In(g.opt.Location), !now.Before(expires)
	n, err := g.notifyFacilitators(ctx, tx, a.key, "", TmplCode, view)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Kind: KindZoomCode, Action: ActionRelayed, Folder: FolderProcessed, Queued: n,
		Reason: fmt.Sprintf("sign-in code relayed to %d facilitator(s)", n)}
	switch {
	case view.Relay.Expired:
		out.Reason += fmt.Sprintf("; it had expired at %s, so not to the chat", expires.UTC().Format(time.RFC3339))
	case g.opt.Relay.Webhook:
		if err := g.queueChat(ctx, tx, a.key, view); err != nil {
			return Outcome{}, err
		}
		out.Queued++
		out.Reason += " and to the chat"
	}
	return out, nil
}

// rejectForged keeps a mail that claims to come from Zoom but failed
// authentication in the rejected folder and warns the facilitators, at
// most alertsPerHour times an hour.
func (g *Gateway) rejectForged(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	out := Outcome{Kind: a.zoom.kind, Action: ActionRejected, Folder: FolderRejected,
		Reason: "not authenticated as Zoom mail: " + a.zoom.why}
	sent, err := tx.RepliesSince(ctx, alertKey, g.opt.Now().Add(-time.Hour))
	if err != nil {
		return Outcome{}, fmt.Errorf("count alerts: %w", err)
	}
	if a.zoom.kind == KindZoomRecording || sent >= alertsPerHour*len(g.opt.Relay.Facilitators) {
		return out, nil
	}
	view := g.relayView(a)
	view.Relay.Forged, view.Relay.Why, view.Relay.Excerpt = true, printable(a.zoom.why), ""
	out.Queued, err = g.notifyFacilitators(ctx, tx, a.key, alertKey, TmplAlert, view)
	return out, err
}

// notifyFacilitators queues one mail per facilitator and returns how many.
// uid is recorded with each (see Tx.RepliesSince).
func (g *Gateway) notifyFacilitators(ctx context.Context, tx Tx, key, uid, tmpl string, view MailView) (int, error) {
	text, err := g.opt.Renderer.Render(g.opt.Lang, tmpl, view)
	if err != nil {
		return 0, fmt.Errorf("render %s mail: %w", tmpl, err)
	}
	for _, to := range g.opt.Relay.Facilitators {
		if err := g.queueNotice(ctx, tx, key, uid, g.opt.relayFrom(), mailAddr{Addr: to}, text); err != nil {
			return 0, err
		}
	}
	return len(g.opt.Relay.Facilitators), nil
}

// queueNotice queues one automatic mail (not a reply to anyone).
func (g *Gateway) queueNotice(ctx context.Context, tx Tx, key, uid string, from, to mailAddr, text Rendered) error {
	now := g.opt.Now()
	raw := composeNotice(from, to, text, now)
	m := OutboxMail{MessageKey: key, UID: uid, From: from.Addr, To: []string{to.Addr}, Raw: raw,
		Status: OutboxPending, NextAttempt: now.UTC(), CreatedAt: now.UTC()}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

// chatMessage is the JSON body of an incoming webhook message, as both
// Mattermost and Rocket.Chat take it; text is Markdown.
type chatMessage struct {
	Text    string `json:"text"`
	Channel string `json:"channel,omitempty"`
}

// queueChat queues the chat message of a code for the webhook.
func (g *Gateway) queueChat(ctx context.Context, tx Tx, key string, view MailView) error {
	text, err := g.opt.Renderer.Render(g.opt.Lang, TmplChat, view)
	if err != nil {
		return fmt.Errorf("render chat message: %w", err)
	}
	body, err := json.Marshal(chatMessage{Text: text.Text, Channel: g.opt.Relay.WebhookChannel})
	if err != nil {
		return fmt.Errorf("chat message: %w", err)
	}
	now := g.opt.Now().UTC()
	m := OutboxMail{MessageKey: key, Channel: ChannelWebhook, Raw: body, Status: OutboxPending,
		NextAttempt: now, CreatedAt: now}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue chat message: %w", err)
	}
	return nil
}

// relayRecording forwards a recording notice to the organizer of the
// booking it belongs to, or to the facilitators when none fits, and marks
// the booking for the reminder after it.
func (g *Gateway) relayRecording(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	now := g.opt.Now()
	b, err := g.matchRecording(ctx, tx, a.zoom.rec, now)
	if err != nil {
		return Outcome{}, err
	}
	view := g.relayView(a)
	view.Relay.Topic = printable(a.zoom.rec.topic)
	out := Outcome{Kind: KindZoomRecording, Action: ActionRelayed, Folder: FolderProcessed}
	if b == nil {
		out.Queued, err = g.notifyFacilitators(ctx, tx, a.key, "", TmplRecording, view)
		out.Reason = fmt.Sprintf("recording notice matches no booking: forwarded to %d facilitator(s)", out.Queued)
		return out, err
	}
	if err := tx.SetRecording(ctx, b.ID, now.UTC()); err != nil {
		return Outcome{}, fmt.Errorf("mark recording: %w", err)
	}
	g.bookingView(&view, b)
	view.Relay.Matched = true
	text, err := g.opt.Renderer.Render(g.langOf(b), TmplRecording, view)
	if err != nil {
		return Outcome{}, fmt.Errorf("render recording mail: %w", err)
	}
	if err := g.queueNotice(ctx, tx, a.key, "", g.roomSender(b), mailAddr{Name: b.OrganizerName, Addr: b.Organizer}, text); err != nil {
		return Outcome{}, err
	}
	out.Queued, out.UID, out.room, out.start, out.end = 1, b.UID, b.Room, b.Start, b.End
	out.Reason = "recording notice forwarded to the organizer " + b.Organizer
	return out, nil
}
