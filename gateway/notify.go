package gateway

import (
	"context"
	"fmt"
	"time"
)

// alertsPerHour caps the alerts about forged mail, so a flood of
// forgeries does not flood the facilitators; alertKey counts them.
const (
	alertsPerHour = 10
	alertKey      = "roomgate:forged-mail"
)

// notifyFacilitators queues one mail per facilitator and returns how many.
// uid is recorded with each (see Tx.RepliesSince).
func (g *Gateway) notifyFacilitators(ctx context.Context, tx Tx, key, uid, tmpl string, view MailView) (int, error) {
	return g.notifyFacilitatorsAs(ctx, tx, key, uid, "", tmpl, view)
}

// notifyFacilitatorsAs is notifyFacilitators for outbox rows of a kind
// (OutboxMail.Kind), so that they can be counted.
func (g *Gateway) notifyFacilitatorsAs(ctx context.Context, tx Tx, key, uid, kind, tmpl string, view MailView) (int, error) {
	if len(g.opt.Relay.Facilitators) == 0 {
		return 0, nil
	}
	text, err := g.opt.Renderer.Render(g.opt.Lang, tmpl, view)
	if err != nil {
		return 0, fmt.Errorf("render %s mail: %w", tmpl, err)
	}
	for _, to := range g.opt.Relay.Facilitators {
		if err := g.queueNoticeAs(ctx, tx, key, uid, kind, g.opt.relayFrom(), Address{Addr: to}, text); err != nil {
			return 0, err
		}
	}
	return len(g.opt.Relay.Facilitators), nil
}

// alertFacilitators is notifyFacilitators for an alert about forged mail,
// at most alertsPerHour alerts an hour (per facilitator) in all.
func (g *Gateway) alertFacilitators(ctx context.Context, tx Tx, key, tmpl string, view MailView) (int, error) {
	sent, err := tx.CountOutbox(ctx, OutboxQuery{UID: alertKey, Since: g.opt.Now().Add(-time.Hour)})
	if err != nil {
		return 0, fmt.Errorf("count alerts: %w", err)
	}
	if sent >= alertsPerHour*len(g.opt.Relay.Facilitators) {
		return 0, nil
	}
	return g.notifyFacilitators(ctx, tx, key, alertKey, tmpl, view)
}

// queueNotice queues one automatic mail (not a reply to anyone).
func (g *Gateway) queueNotice(ctx context.Context, tx Tx, key, uid string, from, to Address, text Rendered) error {
	return g.queueNoticeAs(ctx, tx, key, uid, "", from, to, text)
}

// queueNoticeAs is queueNotice for a row of a kind.
func (g *Gateway) queueNoticeAs(ctx context.Context, tx Tx, key, uid, kind string, from, to Address, text Rendered) error {
	now := g.opt.Now()
	raw := composeNotice(from, to, text, now)
	m := OutboxMail{MessageKey: key, UID: uid, From: from.Addr, To: []string{to.Addr}, Raw: raw,
		Status: OutboxPending, NextAttempt: now.UTC(), CreatedAt: now.UTC(), Kind: kind}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}
