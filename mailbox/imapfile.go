package mailbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"roomgate/gateway"
)

// File moves a delivered message to the mailbox configured for f and
// records its UID as filed. It uses MOVE when the server has it (RFC 6851,
// part of IMAP4rev2), else UID COPY, UID STORE +FLAGS.SILENT (\Deleted)
// and UID EXPUNGE (RFC 4315). Without UIDPLUS a plain EXPUNGE is used,
// which also removes any other message someone marked \Deleted in the
// inbox: use a server with MOVE or UIDPLUS.
//
// File does not reconnect: if the connection is gone it returns an error
// and the message, still in the inbox, is delivered again by Next after
// the reconnection.
func (m *IMAP) File(ctx context.Context, in gateway.Incoming, f gateway.Folder) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.isClosed() {
		return ErrClosed
	}
	s := m.sess
	if s == nil {
		return fmt.Errorf("file %s: not connected", in.Ref)
	}
	if in.UIDValidity != s.uidValidity {
		return fmt.Errorf("file %s: UIDVALIDITY is now %d", in.Ref, s.uidValidity)
	}
	dest, ok := s.folders[f]
	if !ok {
		return fmt.Errorf("file %s: unknown folder %q", in.Ref, f)
	}
	stop := s.closeOnDone(ctx)
	defer stop()
	err := s.move(imap.UID(in.UID), dest)
	if isTryCreate(err) { // the folder was deleted meanwhile
		if err = s.ensureMailbox(dest); err == nil {
			err = s.move(imap.UID(in.UID), dest)
		}
	}
	if err != nil {
		if !isProtocolNo(err) {
			m.drop() // Next reconnects
		}
		return fmt.Errorf("file %s to %s: %w", in.Ref, dest, err)
	}
	m.log.Debug("filed message", "ref", in.Ref, "folder", dest)
	return m.saveLastUID(ctx, in.UID)
}

// saveLastUID records lastUID = max(lastUID, uid).
func (m *IMAP) saveLastUID(ctx context.Context, uid uint32) error {
	if uid <= m.lastUID {
		return nil
	}
	if err := m.opt.State.SaveMailboxState(ctx, m.opt.Inbox, m.sess.uidValidity, uid); err != nil {
		return fmt.Errorf("save mailbox state: %w", err)
	}
	m.lastUID = uid
	return nil
}

// move moves one message. Each step of the fallback waits for the previous
// one: the message is flagged \Deleted only once the copy succeeded.
func (s *session) move(uid imap.UID, dest string) error {
	set := imap.UIDSetNum(uid)
	if s.caps.Has(imap.CapMove) {
		_, err := s.c.Move(set, dest).Wait()
		return err
	}
	if _, err := s.c.Copy(set, dest).Wait(); err != nil {
		return fmt.Errorf("uid copy: %w", err)
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := s.c.Store(set, store, nil).Close(); err != nil {
		return fmt.Errorf("uid store: %w", err)
	}
	if s.caps.Has(imap.CapUIDPlus) {
		return expungeErr(s.c.UIDExpunge(set).Close())
	}
	return expungeErr(s.c.Expunge().Close())
}

// isTryCreate reports a NO [TRYCREATE] answer: the target mailbox does not
// exist (RFC 9051 section 7.1).
func isTryCreate(err error) bool {
	var ierr *imap.Error
	return errors.As(err, &ierr) && ierr.Code == imap.ResponseCodeTryCreate
}

func expungeErr(err error) error {
	if err != nil {
		return errors.Join(errors.New("expunge"), err)
	}
	return nil
}
