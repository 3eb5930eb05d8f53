package mailbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"codeberg.org/opteos/roomgate/gateway"
)

// Next returns the inbox messages not yet delivered, in UID order. It
// connects when needed and waits (IDLE or polling) until there is one.
// After each (re)connection it first returns every message still in the
// inbox, including those with UID <= the last filed UID: they were decided
// but not filed before a crash or a drop, and the gateway re-files them.
// Errors other than ctx's are logged and followed by a reconnection with
// backoff; Next returns only with messages, ErrClosed or ctx's error.
func (m *IMAP) Next(ctx context.Context) ([]gateway.Incoming, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		if m.isClosed() {
			return nil, ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if m.refile {
			m.refileLater(ctx)
			continue
		}
		msgs, err := m.step(ctx)
		if err == nil && len(msgs) > 0 {
			return msgs, nil
		}
		switch {
		case err == nil:
		case ctx.Err() == nil && !m.isClosed():
			m.fail(ctx, err)
		case m.sess != nil && isDone(m.sess.c.Closed()):
			m.drop() // closed because ctx ended mid-command
		}
	}
}

// step connects if needed, returns pending messages, or waits for new
// mail and returns none. With nothing to deliver it lets the filings that
// wait go first, and returns none after them: it would hold the
// connection in IDLE while they wait.
func (m *IMAP) step(ctx context.Context) ([]gateway.Incoming, error) {
	if m.sess == nil {
		if err := m.connect(ctx); err != nil {
			return nil, err
		}
	}
	msgs, err := m.pending(ctx)
	if err != nil || len(msgs) > 0 {
		return msgs, err
	}
	m.filers.forget()
	if over := m.filers.busy(); over != nil {
		m.yieldToFilers(ctx, over)
		return nil, nil
	}
	if m.onWait != nil {
		m.onWait()
	}
	return nil, m.wait(ctx)
}

// fail drops the connection after err and sleeps before the next attempt.
// A refused login is retried after minutes, not seconds, so the provider
// does not lock the account, and it is an error: only a person can fix it.
func (m *IMAP) fail(ctx context.Context, err error) {
	m.drop()
	m.attempt++
	if errors.Is(err, ErrLoginRefused) {
		m.refusals++
		delay := backoffDelay(m.loginBackoff, m.loginMaxWait, m.refusals)
		m.log.Error("IMAP login refused: check [imap] username and password; retrying less often so the account is not locked",
			"attempt", m.attempt, "delay", delay.Round(time.Second), "err", err)
		if m.opt.OnLoginFailed != nil {
			m.opt.OnLoginFailed()
		}
		_ = sleep(ctx, delay)
		return
	}
	delay := m.retryDelay(m.attempt)
	m.log.Warn("IMAP connection failed, reconnecting",
		"attempt", m.attempt, "delay", delay.Round(time.Millisecond), "err", err)
	_ = sleep(ctx, delay)
}

// refileLater drops the connection after the server refused to file
// messages, and waits before the next one, which delivers them again (the
// gateway files them without deciding them again). Without it they would
// stay in the inbox while the connection lives: IDLE reports only new
// mail. The wait grows with each refusal in a row, so a folder that stays
// over quota costs one reconnection every maxWait at most.
func (m *IMAP) refileLater(ctx context.Context) {
	m.refile = false
	m.fileFailures++
	delay := m.retryDelay(m.fileFailures)
	m.log.Warn("the server refused to file messages; reconnecting to file them again",
		"attempt", m.fileFailures, "delay", delay.Round(time.Millisecond))
	m.drop()
	_ = sleep(ctx, delay)
}

// drop forgets the current connection.
func (m *IMAP) drop() {
	if m.sess != nil {
		m.sess.close()
		m.sess = nil
	}
	m.cmu.Lock()
	m.conn = nil
	m.cmu.Unlock()
	m.setUp(false)
}

// connect opens a session, selects the inbox and checks UIDVALIDITY
// (RFC 9051 section 2.3.1.1).
func (m *IMAP) connect(ctx context.Context) error {
	// Forget EXISTS signals from an earlier connection.
	select {
	case <-m.wake:
	default:
	}
	s, err := m.open(ctx, m.wake)
	if err != nil {
		return err
	}
	m.cmu.Lock()
	if m.closed {
		m.cmu.Unlock()
		s.close()
		return ErrClosed
	}
	m.conn = s.c
	m.cmu.Unlock()
	m.sess = s // from here on, drop closes it
	stop := s.closeOnDone(ctx)
	defer stop()
	data, err := s.setup()
	if err != nil {
		return err
	}
	if err := m.checkValidity(ctx, data.UIDValidity); err != nil {
		return err
	}
	m.lastSeen = 0
	m.logConnected(s)
	m.attempt, m.refusals = 0, 0
	m.setUp(true)
	return nil
}

// checkValidity loads the stored state; if UIDVALIDITY changed, UIDs are
// meaningless and the last UID restarts at 0.
func (m *IMAP) checkValidity(ctx context.Context, uidValidity uint32) error {
	m.smu.Lock() // a filing of the last connection may be recording it
	defer m.smu.Unlock()
	stored, lastUID, err := m.opt.State.LoadMailboxState(ctx, m.opt.Inbox)
	if err != nil {
		return fmt.Errorf("load mailbox state: %w", err)
	}
	if stored == uidValidity {
		m.sess.uidValidity, m.stateValidity, m.lastUID = uidValidity, uidValidity, lastUID
		return nil
	}
	if stored != 0 {
		m.log.Warn("UIDVALIDITY changed: reading the inbox from the start",
			"old_uidvalidity", stored, "uidvalidity", uidValidity, "last_uid", lastUID)
	}
	if err := m.opt.State.SaveMailboxState(ctx, m.opt.Inbox, uidValidity, 0); err != nil {
		return fmt.Errorf("save mailbox state: %w", err)
	}
	m.sess.uidValidity, m.stateValidity, m.lastUID = uidValidity, uidValidity, 0
	return nil
}

// pending fetches up to FetchBatch messages with UID > lastSeen. Right
// after connecting lastSeen is 0, so everything still in the inbox comes.
func (m *IMAP) pending(ctx context.Context) ([]gateway.Incoming, error) {
	s := m.sess
	stop := s.closeOnDone(ctx)
	defer stop()
	uids, err := s.searchAfter(m.lastSeen)
	if err != nil {
		return nil, err
	}
	if len(uids) == 0 {
		return nil, nil
	}
	if len(uids) > FetchBatch {
		uids = uids[:FetchBatch]
	}
	msgs, err := s.fetch(uids)
	if err != nil {
		return nil, err
	}
	if n := len(msgs); n > 0 {
		m.lastSeen = max(m.lastSeen, msgs[n-1].UID)
	}
	return msgs, nil
}

// searchAfter returns the UIDs > after, sorted. "UID n:*" always matches
// the last message even when its UID is below n (RFC 9051 section 6.4.4),
// hence the filter.
func (s *session) searchAfter(after uint32) ([]imap.UID, error) {
	criteria := &imap.SearchCriteria{
		UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(after + 1), Stop: 0}}},
	}
	data, err := s.c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("uid search: %w", err)
	}
	var uids []imap.UID
	for _, uid := range data.AllUIDs() {
		if uint32(uid) > after {
			uids = append(uids, uid)
		}
	}
	slices.Sort(uids)
	return uids, nil
}

// wait blocks until new mail may have arrived, or a filing wants the
// connection: IDLE (RFC 2177) when the server has it, else NOOP every
// PollInterval.
func (m *IMAP) wait(ctx context.Context) error {
	s := m.sess
	if s.caps.Has(imap.CapIdle) {
		return m.idle(ctx, s)
	}
	return m.poll(ctx, s)
}

func (m *IMAP) idle(ctx context.Context, s *session) error {
	select {
	case <-m.wake: // EXISTS came with an earlier answer
		return nil
	case <-m.filers.wake:
		return nil
	default:
	}
	cmd, err := s.c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	t := time.NewTimer(idleRestart)
	defer t.Stop()
	var cause error
	select {
	case <-m.wake:
	case <-m.filers.wake:
	case <-t.C:
	case <-ctx.Done():
		cause = ctx.Err()
	case <-s.c.Closed():
		cause = errors.New("connection closed by server")
	}
	// DONE must be answered quickly; closeOnDone bounds a dead server.
	dctx, cancel := context.WithTimeout(context.Background(), doneTimeout)
	defer cancel()
	stop := s.closeOnDone(dctx)
	defer stop()
	if err := endIdle(cmd); err != nil && cause == nil {
		cause = err
	}
	return cause
}

// isDone reports whether ch is closed.
func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// endIdle sends DONE and waits for the IDLE command to complete.
func endIdle(cmd *imapclient.IdleCommand) error {
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("idle done: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return nil
}

func (m *IMAP) poll(ctx context.Context, s *session) error {
	select {
	case <-m.wake:
		return nil
	case <-m.filers.wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.c.Closed():
		return errors.New("connection closed by server")
	case <-time.After(m.opt.PollInterval):
	}
	stop := s.closeOnDone(ctx)
	defer stop()
	if err := s.c.Noop().Wait(); err != nil {
		return fmt.Errorf("noop: %w", err)
	}
	return nil
}

// logConnected says that the inbox is selected, and how new mail is
// awaited.
func (m *IMAP) logConnected(s *session) {
	mode := "idle"
	if !s.caps.Has(imap.CapIdle) {
		mode = "polling every " + m.opt.PollInterval.String()
	}
	attrs := []any{"user", m.opt.Username, "wait", mode}
	if m.attempt > 0 {
		attrs = append(attrs, "after_attempts", m.attempt)
	}
	m.log.Info("IMAP logged in", attrs...)
}
