package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
)

func newBufReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// floorLoop is the least any IMAP-to-SMTP responder must do: wait in IDLE,
// FETCH the new messages' Message-ID, and send a fixed reply to each. Its
// latency is the floor the daemon is measured against.
func floorLoop(ctx context.Context, o benchOptions, smtpAddr string) error {
	wake := make(chan struct{}, 1)
	c, err := imapclient.DialInsecure(o.imapAddr, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(*imapclient.UnilateralDataMailbox) {
			select {
			case wake <- struct{}{}:
			default:
			}
		}}})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(o.user, o.password).Wait(); err != nil {
		return err
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		return err
	}
	sc, err := smtp.Dial(smtpAddr)
	if err != nil {
		return err
	}
	defer sc.Close()
	var last imap.UID
	for ctx.Err() == nil {
		var err error
		if last, err = floorFetch(c, sc, last, o.user); err != nil {
			return err
		}
		idle, err := c.Idle()
		if err != nil {
			return err
		}
		select {
		case <-wake:
		case <-ctx.Done():
		case <-time.After(25 * time.Minute):
		}
		if err := idle.Close(); err != nil {
			return err
		}
		if err := idle.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// floorFetch fetches the messages after last and replies to each.
func floorFetch(c *imapclient.Client, sc *smtp.Client, last imap.UID, room string) (imap.UID, error) {
	set := imap.UIDSet{}
	set.AddRange(last+1, 0)
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{
		{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}, Peek: true}}}).Collect()
	if err != nil {
		return last, err
	}
	for _, m := range msgs {
		if m.UID <= last {
			continue
		}
		last = m.UID
		var id string
		for _, b := range m.BodySection {
			if i := strings.Index(string(b.Bytes), ":"); i > 0 {
				id = strings.TrimSpace(string(b.Bytes[i+1:]))
			}
		}
		reply := fmt.Sprintf("From: %s\r\nTo: organizer@bench.example\r\nSubject: fixed reply\r\nIn-Reply-To: %s\r\n\r\nOK\r\n", room, id)
		if err := sc.SendMail(room, []string{"organizer@bench.example"}, strings.NewReader(reply)); err != nil {
			return last, err
		}
	}
	return last, nil
}
