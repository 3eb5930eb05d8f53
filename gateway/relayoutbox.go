package gateway

import "context"

// deliver hands one outbox row to its channel.
func (g *Gateway) deliver(ctx context.Context, s Sender, m OutboxMail, opt OutboxOptions) error {
	if m.Channel != ChannelWebhook {
		return s.Send(ctx, m.From, m.To, m.Raw)
	}
	if opt.Poster == nil {
		return errNoWebhook
	}
	return opt.Poster.Post(ctx, m.Raw)
}

// permanentError is a PermanentError of the gateway's own.
type permanentError string

func (e permanentError) Error() string   { return string(e) }
func (e permanentError) Permanent() bool { return true }

// errNoWebhook fails a chat message queued while a webhook was configured,
// when none is configured any more.
const errNoWebhook = permanentError("no chat webhook configured")
