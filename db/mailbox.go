package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// LoadMailboxState returns the UIDVALIDITY and the highest UID handled in
// the mailbox (RFC 9051, section 2.3.1.1), or zeros if none was saved.
func (s *Store) LoadMailboxState(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error) {
	var r mailboxRow
	err = s.r.NewSelect().Model(&r).Where("mailbox = ?", mailbox).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("load mailbox state %s: %w", mailbox, err)
	}
	return r.UIDValidity, r.LastUID, nil
}

// SaveMailboxState records the mailbox's UIDVALIDITY and the highest UID
// handled, replacing what was saved before.
func (s *Store) SaveMailboxState(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error {
	r := &mailboxRow{Mailbox: mailbox, UIDValidity: uidValidity, LastUID: lastUID, UpdatedAt: now()}
	_, err := s.w.NewInsert().Model(r).
		On("CONFLICT (mailbox) DO UPDATE").
		Set("uid_validity = EXCLUDED.uid_validity").
		Set("last_uid = EXCLUDED.last_uid").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save mailbox state %s: %w", mailbox, err)
	}
	return nil
}
