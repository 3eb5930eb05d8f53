package main

import (
	"context"
	"log/slog"
	"time"

	"codeberg.org/opteos/roomgate/db"
)

// retentionEvery is how often the content of old sent mails is dropped.
const retentionEvery = time.Hour

// keepSent is how long a sent mail keeps its bytes.
func (c *Config) keepSent() time.Duration {
	if c.Database.KeepSent == nil {
		return defaultKeepSent
	}
	return c.Database.KeepSent.Duration
}

// runRetention drops, at start and every hour until ctx is done, the bytes
// of the mails sent more than keep ago ([database] keep_sent): they may
// hold the host key. Their metadata stays.
func runRetention(ctx context.Context, store *db.Store, keep time.Duration, log *slog.Logger) error {
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		n, err := store.ForgetSentMails(ctx, time.Now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("dropping the content of old sent mails", "err", err)
		case n > 0:
			log.Info("dropped the content of old sent mails, kept their metadata", "mails", n, "keep_sent", keep.String())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
