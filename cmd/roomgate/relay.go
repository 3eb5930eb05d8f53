package main

import (
	"fmt"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox"
)

// outboxOptions is the dispatcher's tuning with the chat webhook, when
// one is configured.
func (c *Config) outboxOptions() (gateway.OutboxOptions, error) {
	o := c.outbox
	if c.Relay.WebhookURL == "" {
		return o, nil
	}
	w, err := mailbox.NewWebhook(mailbox.WebhookOptions{URL: c.Relay.WebhookURL})
	if err != nil {
		return o, fmt.Errorf("relay: %w", err)
	}
	o.Poster = w
	return o, nil
}
