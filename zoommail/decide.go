package zoommail

import (
	"context"
	"fmt"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// Template names of the relay.
const (
	TmplCode      = "code"      // a sign-in code, to the facilitators
	TmplAlert     = "alert"     // a sign-in alert, or a forged Zoom mail
	TmplRecording = "recording" // a recording notice forwarded
	TmplChat      = "chat"      // the chat message of a code (Markdown)
)

// Decide relays the mail (see Analyze).
func (n *notice) Decide(ctx context.Context, d *gateway.Desk) (gateway.Outcome, error) {
	switch {
	case !n.authentic:
		return n.rejectForged(ctx, d)
	case n.kind == gateway.KindZoomCode:
		return n.relayCode(ctx, d)
	case n.kind == gateway.KindZoomRecording:
		return n.relayRecording(ctx, d)
	}
	q, err := d.NotifyFacilitators(ctx, TmplAlert, n.view(d))
	return gateway.Outcome{Kind: gateway.KindZoomAlert, Action: gateway.ActionRelayed, Folder: gateway.FolderProcessed,
		Queued: q, Reason: fmt.Sprintf("sign-in alert relayed to %d facilitator(s) (%s)", q, n.why)}, err
}

// view is the view of a Zoom mail common to the relay templates.
func (n *notice) view(d *gateway.Desk) gateway.MailView {
	v := d.BaseView()
	v.Relay.Sender, v.Relay.Subject, v.Relay.Excerpt = n.from, gateway.Printable(n.subject), n.text
	if !n.received.IsZero() {
		v.Relay.Received = n.received.In(d.Location())
	}
	return v
}

// relayCode sends a sign-in code to every facilitator and, while it is
// still valid, to the chat. The code itself is never logged nor audited.
func (n *notice) relayCode(ctx context.Context, d *gateway.Desk) (gateway.Outcome, error) {
	now := d.Now()
	expires := issuedAt(n.received, now).Add(n.r.opt.CodeValidity)
	view := n.view(d)
	view.Relay.Code, view.Relay.Expires, view.Relay.Expired = n.code, expires.In(d.Location()), !now.Before(expires)
	q, err := d.NotifyFacilitators(ctx, TmplCode, view)
	if err != nil {
		return gateway.Outcome{}, err
	}
	out := gateway.Outcome{Kind: gateway.KindZoomCode, Action: gateway.ActionRelayed, Folder: gateway.FolderProcessed,
		Queued: q, Reason: fmt.Sprintf("sign-in code relayed to %d facilitator(s)", q)}
	switch {
	case view.Relay.Expired:
		out.Reason += fmt.Sprintf("; it had expired at %s, so not to the chat", expires.UTC().Format(time.RFC3339))
	case n.r.opt.Webhook:
		text, err := d.Render(d.Lang(), TmplChat, view)
		if err != nil {
			return gateway.Outcome{}, fmt.Errorf("render chat message: %w", err)
		}
		if err := d.QueueChat(ctx, text.Text, n.r.opt.WebhookChannel); err != nil {
			return gateway.Outcome{}, err
		}
		out.Queued++
		out.Reason += " and to the chat"
	}
	return out, nil
}

// rejectForged keeps a mail that claims to come from Zoom but failed
// authentication in the rejected folder and warns the facilitators (at a
// bounded rate, see gateway.Desk.AlertFacilitators), without its content.
func (n *notice) rejectForged(ctx context.Context, d *gateway.Desk) (gateway.Outcome, error) {
	out := gateway.Outcome{Kind: n.kind, Action: gateway.ActionRejected, Folder: gateway.FolderRejected,
		Reason: "not authenticated as Zoom mail: " + n.why}
	if n.kind == gateway.KindZoomRecording {
		return out, nil
	}
	view := n.view(d)
	view.Relay.Forged, view.Relay.Why, view.Relay.Excerpt = true, gateway.Printable(n.why), ""
	q, err := d.AlertFacilitators(ctx, TmplAlert, view)
	out.Queued = q
	return out, err
}

// relayRecording forwards a recording notice to the organizer of the
// booking it belongs to, or to the facilitators when none fits, and marks
// the booking for the reminder after it.
func (n *notice) relayRecording(ctx context.Context, d *gateway.Desk) (gateway.Outcome, error) {
	now := d.Now()
	rec := parseRecording(n.subject, n.plain, d.Location())
	b, err := matchRecording(ctx, d, rec, now)
	if err != nil {
		return gateway.Outcome{}, err
	}
	view := n.view(d)
	view.Relay.Topic = gateway.Printable(rec.topic)
	out := gateway.Outcome{Kind: gateway.KindZoomRecording, Action: gateway.ActionRelayed, Folder: gateway.FolderProcessed}
	if b == nil {
		out.Queued, err = d.NotifyFacilitators(ctx, TmplRecording, view)
		out.Reason = fmt.Sprintf("recording notice matches no booking: forwarded to %d facilitator(s)", out.Queued)
		return out, err
	}
	if err := d.SetRecording(ctx, b.ID); err != nil {
		return gateway.Outcome{}, fmt.Errorf("mark recording: %w", err)
	}
	lang := d.BookingView(&view, b)
	view.Relay.Matched = true
	text, err := d.Render(lang, TmplRecording, view)
	if err != nil {
		return gateway.Outcome{}, fmt.Errorf("render recording mail: %w", err)
	}
	if err := d.QueueNotice(ctx, b, gateway.Address{Name: b.OrganizerName, Addr: b.Organizer}, text); err != nil {
		return gateway.Outcome{}, err
	}
	out.Queued, out.UID, out.Room, out.Start, out.End = 1, b.UID, b.Room, b.Start, b.End
	out.Reason = "recording notice forwarded to the organizer " + b.Organizer
	return out, nil
}
