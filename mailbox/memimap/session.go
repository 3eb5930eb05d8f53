// Package memimap adapts go-imap's in-memory server (imapmemserver) for
// roomgate's tests and demo: its sessions' IDLE also reports what changed
// just before IDLE began, as real servers do.
package memimap

import (
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// NewSession returns a session for user, for imapserver.Options.NewSession.
func NewSession(user *imapmemserver.User) imapserver.Session {
	return &memSession{user: user}
}

// memSession is an imapmemserver session for one user whose IDLE also
// reports changes made just before it began: imapmemserver only reports
// those made after (an update queued between the last command and IDLE
// waits for the next one), which real servers such as Dovecot do not miss.
type memSession struct {
	*imapmemserver.UserSession // nil until login
	user                       *imapmemserver.User
}

var _ imapserver.SessionIMAP4rev2 = (*memSession)(nil)

func (s *memSession) Login(username, password string) error {
	if err := s.user.Login(username, password); err != nil {
		return imapserver.ErrAuthFailed
	}
	s.UserSession = imapmemserver.NewUserSession(s.user)
	return nil
}

func (s *memSession) Close() error {
	if s.UserSession == nil {
		return nil
	}
	return s.UserSession.Close()
}

func (s *memSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("memimap: panic in IDLE: %v", r)
			}
		}()
		done <- s.UserSession.Idle(w, stop)
	}()
	// Flush what was queued before the IDLE goroutine started listening.
	for _, d := range []time.Duration{0, 10 * time.Millisecond, 100 * time.Millisecond} {
		select {
		case err := <-done:
			return err
		case <-time.After(d):
		}
		if err := s.UserSession.Poll(w, true); err != nil {
			<-done
			return err
		}
	}
	return <-done
}
