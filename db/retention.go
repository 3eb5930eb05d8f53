package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// ForgetSentMails drops the bytes of the mails sent before the given
// instant (their rows of outbox_bodies) and returns how many it dropped.
// Their metadata stays (sender, recipients, times, attempts), for the
// audit and `outbox list`; a sent mail with no bytes is one whose content
// was dropped ([database] keep_sent). Mails that are pending or failed
// keep their bytes, since they may still be sent. On SQLite the freed
// space is overwritten with zeros (PRAGMA secure_delete) rather than left
// in free pages; on PostgreSQL the deleted rows go when autovacuum
// reclaims them.
func (s *Store) ForgetSentMails(ctx context.Context, sentBefore time.Time) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx bun.Tx) error {
		if s.driver == DriverSQLite {
			if _, err := tx.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
				return err
			}
			defer tx.ExecContext(context.WithoutCancel(ctx), "PRAGMA secure_delete = OFF")
		}
		sent := tx.NewSelect().Model((*outboxRow)(nil)).Column("id").
			Where("status = ?", string(gateway.OutboxSent)).
			Where("sent_at < ?", utc(sentBefore))
		res, err := tx.NewDelete().Model((*outboxBodyRow)(nil)).
			Where("outbox_id IN (?)", sent).
			Where("length(raw) > 0").
			Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("forget sent mails: %w", err)
	}
	return int(n), nil
}
