package mailbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"codeberg.org/opteos/roomgate/gateway"
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
	validity, err := m.fileOne(ctx, in, f)
	if err != nil {
		return err
	}
	return m.saveLastUID(ctx, validity, in.UID)
}

// fileOne moves the message of File and returns the UIDVALIDITY it was
// moved under. It holds the connection, which the state's record does not
// need.
func (m *IMAP) fileOne(ctx context.Context, in gateway.Incoming, f gateway.Folder) (uint32, error) {
	m.filers.enter() // Next, waiting for new mail, steps aside
	defer m.filers.leave()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.isClosed() {
		return 0, ErrClosed
	}
	s := m.sess
	if s == nil {
		return 0, fmt.Errorf("file %s: not connected", in.Ref)
	}
	if in.UIDValidity != s.uidValidity {
		return 0, fmt.Errorf("file %s: UIDVALIDITY is now %d", in.Ref, s.uidValidity)
	}
	dest, ok := s.folders[f]
	if !ok {
		return 0, fmt.Errorf("file %s: unknown folder %q", in.Ref, f)
	}
	stop := s.closeOnDone(ctx)
	defer stop()
	if err := m.moveTo(s, imap.UIDSetNum(imap.UID(in.UID)), dest); err != nil {
		return 0, fmt.Errorf("file %s: %w", in.Ref, err)
	}
	m.log.Debug("filed message", "ref", in.Ref, "folder", dest)
	return s.uidValidity, nil
}

// FileBatch files several delivered messages: one MOVE (or COPY, STORE
// and EXPUNGE) per destination folder for all its messages, then records
// the highest UID as filed. It implements gateway.BatchFiler.
func (m *IMAP) FileBatch(ctx context.Context, items []gateway.Filing) error {
	validity, highest, err := m.moveBatch(ctx, items)
	if err != nil {
		return err
	}
	return m.saveLastUID(ctx, validity, highest)
}

// moveBatch moves the messages of FileBatch and returns the UIDVALIDITY
// they were moved under and the highest UID. It holds the connection,
// which the state's record does not need.
func (m *IMAP) moveBatch(ctx context.Context, items []gateway.Filing) (validity, highest uint32, err error) {
	m.filers.enter() // Next, waiting for new mail, steps aside
	defer m.filers.leave()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.isClosed() {
		return 0, 0, ErrClosed
	}
	s := m.sess
	if s == nil {
		return 0, 0, errors.New("file messages: not connected")
	}
	sets := map[string]*imap.UIDSet{}
	var order []string
	for _, it := range items {
		if it.In.UIDValidity != s.uidValidity {
			return 0, 0, fmt.Errorf("file %s: UIDVALIDITY is now %d", it.In.Ref, s.uidValidity)
		}
		dest, ok := s.folders[it.Folder]
		if !ok {
			return 0, 0, fmt.Errorf("file %s: unknown folder %q", it.In.Ref, it.Folder)
		}
		if sets[dest] == nil {
			sets[dest] = &imap.UIDSet{}
			order = append(order, dest)
		}
		sets[dest].AddNum(imap.UID(it.In.UID))
		highest = max(highest, it.In.UID)
	}
	stop := s.closeOnDone(ctx)
	defer stop()
	for _, dest := range order {
		if err := m.moveTo(s, *sets[dest], dest); err != nil {
			return 0, 0, err
		}
		m.log.Debug("filed messages", "uids", sets[dest].String(), "folder", dest)
	}
	return s.uidValidity, highest, nil
}

// moveTo moves a set of messages, creating the folder again if it was
// deleted meanwhile. Messages another instance filed first are "already
// filed": when the server answers NO [EXPUNGEISSUED] (RFC 9051 §7.1),
// the messages still in the inbox are looked up and moved again, and
// none left is success. On a connection failure the session is dropped.
func (m *IMAP) moveTo(s *session, set imap.UIDSet, dest string) error {
	err := s.moveSet(set, dest)
	if isTryCreate(err) { // the folder was deleted meanwhile
		if err = s.ensureMailbox(dest); err == nil {
			err = s.moveSet(set, dest)
		}
	}
	for try := 0; try < 2 && isExpungeIssued(err); try++ {
		var left imap.UIDSet
		if left, err = s.stillThere(set); err == nil {
			if len(left) == 0 {
				m.log.Debug("messages already filed by another instance", "uids", set.String(), "folder", dest)
				return nil
			}
			m.log.Debug("some messages already filed by another instance; moving the others", "uids", left.String(), "folder", dest)
			set = left
			err = s.moveSet(set, dest)
		}
	}
	if err != nil {
		if isProtocolNo(err) {
			m.refile = true // Next reconnects after a backoff
		} else {
			m.drop() // Next reconnects
		}
		return fmt.Errorf("file %s to %s: %w", set.String(), dest, err)
	}
	m.fileFailures = 0
	return nil
}

// saveLastUID records lastUID = max(lastUID, uid), for messages filed
// under UIDVALIDITY validity. It holds smu, not mu: Next goes on while
// the store makes it wait (SQLite's one writer). A filing made under a
// UIDVALIDITY the stored state no longer has records nothing.
func (m *IMAP) saveLastUID(ctx context.Context, validity, uid uint32) error {
	m.smu.Lock()
	defer m.smu.Unlock()
	if validity != m.stateValidity || uid <= m.lastUID {
		return nil
	}
	if err := m.opt.State.SaveMailboxState(ctx, m.opt.Inbox, validity, uid); err != nil {
		return fmt.Errorf("save mailbox state: %w", err)
	}
	m.lastUID = uid
	return nil
}

// moveSet moves messages. Each step of the fallback waits for the previous
// one: the messages are flagged \Deleted only once the copy succeeded.
func (s *session) moveSet(set imap.UIDSet, dest string) error {
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

// stillThere returns the UIDs of set still in the selected mailbox (UID
// SEARCH, RFC 9051 §6.4.4); the NOOP first lets the server tell the
// expunges of others (§6.1.2).
func (s *session) stillThere(set imap.UIDSet) (imap.UIDSet, error) {
	if err := s.c.Noop().Wait(); err != nil {
		return nil, fmt.Errorf("noop: %w", err)
	}
	data, err := s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("uid search: %w", err)
	}
	var left imap.UIDSet
	for _, uid := range data.AllUIDs() {
		left.AddNum(uid)
	}
	return left, nil
}

// responseCodeExpungeIssued is RFC 9051's EXPUNGEISSUED, which go-imap
// does not name.
const responseCodeExpungeIssued imap.ResponseCode = "EXPUNGEISSUED"

// isExpungeIssued reports a NO [EXPUNGEISSUED] answer: some of the
// messages were expunged by another session (RFC 9051 section 7.1).
func isExpungeIssued(err error) bool {
	var ierr *imap.Error
	return errors.As(err, &ierr) && ierr.Code == responseCodeExpungeIssued
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
