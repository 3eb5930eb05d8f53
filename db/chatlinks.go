package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/chat"
)

// The chat accounts linked to member addresses, and the spent nonces of
// chat tokens (migration 0011). Store implements chat.Links.

var _ chat.Links = (*Store)(nil)

type chatLinkRow struct {
	bun.BaseModel `bun:"table:chat_links"`

	Server   string    `bun:"server,pk"`
	UserID   string    `bun:"user_id,pk"`
	Address  string    `bun:"address"`
	LinkedAt time.Time `bun:"linked_at"`
}

type chatNonceRow struct {
	bun.BaseModel `bun:"table:chat_nonces"`

	Nonce     string    `bun:"nonce,pk"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// LinkedAddress returns the address linked to the chat account, or "".
func (s *Store) LinkedAddress(ctx context.Context, server, user string) (string, error) {
	var r chatLinkRow
	err := s.r.NewSelect().Model(&r).Where("server = ?", server).Where("user_id = ?", user).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", markUnavailable(fmt.Errorf("chat link: %w", err))
	}
	return r.Address, nil
}

// Link spends the claim's nonce and links the account, in one
// transaction; chat.ErrUsed when the nonce was spent before.
func (s *Store) Link(ctx context.Context, c chat.LinkClaim, at time.Time) error {
	err := s.inTx(ctx, func(tx bun.Tx) error {
		if err := useNonce(ctx, tx, c.Nonce, c.Expires); err != nil {
			return err
		}
		row := &chatLinkRow{Server: c.Server, UserID: c.User, Address: c.Address, LinkedAt: utc(at)}
		_, err := tx.NewInsert().Model(row).
			On("CONFLICT (server, user_id) DO UPDATE").
			Set("address = EXCLUDED.address").Set("linked_at = EXCLUDED.linked_at").Exec(ctx)
		return err
	})
	if err != nil && !errors.Is(err, chat.ErrUsed) {
		return markUnavailable(fmt.Errorf("chat link: %w", err))
	}
	return err
}

// UseNonce spends a nonce kept until expires; chat.ErrUsed when it was
// spent before.
func (s *Store) UseNonce(ctx context.Context, nonce string, expires time.Time) error {
	err := s.inTx(ctx, func(tx bun.Tx) error { return useNonce(ctx, tx, nonce, expires) })
	if err != nil && !errors.Is(err, chat.ErrUsed) {
		return markUnavailable(fmt.Errorf("chat nonce: %w", err))
	}
	return err
}

func useNonce(ctx context.Context, tx bun.Tx, nonce string, expires time.Time) error {
	res, err := tx.NewInsert().Model(&chatNonceRow{Nonce: nonce, ExpiresAt: utc(expires)}).
		On("CONFLICT (nonce) DO NOTHING").Exec(ctx)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return chat.ErrUsed
	}
	return nil
}

// Unlink removes every link to address (a member who left), and returns
// how many accounts were unlinked.
func (s *Store) Unlink(ctx context.Context, address string) (int, error) {
	res, err := s.w.NewDelete().Model((*chatLinkRow)(nil)).Where("address = ?", address).Exec(ctx)
	if err != nil {
		return 0, markUnavailable(fmt.Errorf("chat unlink: %w", err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// PruneChatNonces drops the nonces of tokens expired before t: those
// tokens are refused for their expiry already.
func (s *Store) PruneChatNonces(ctx context.Context, t time.Time) (int, error) {
	res, err := s.w.NewDelete().Model((*chatNonceRow)(nil)).Where("expires_at < ?", utc(t)).Exec(ctx)
	if err != nil {
		return 0, markUnavailable(fmt.Errorf("prune chat nonces: %w", err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ChatLinkedAddresses lists the addresses chat accounts are linked to,
// each once, for the retention that unlinks those no longer members.
func (s *Store) ChatLinkedAddresses(ctx context.Context) ([]string, error) {
	var out []string
	err := s.r.NewSelect().Model((*chatLinkRow)(nil)).Column("address").Distinct().OrderExpr("address").Scan(ctx, &out)
	if err != nil {
		return nil, markUnavailable(fmt.Errorf("chat linked addresses: %w", err))
	}
	return out, nil
}
