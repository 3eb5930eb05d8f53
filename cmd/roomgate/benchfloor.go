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

	"codeberg.org/opteos/roomgate/mailbox"
)

func newBufReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// floorSpec is what a floor does beyond the protocol's least. The zero
// value is the floor of issue 19: FETCH the Message-ID, send a short fixed
// reply. The I/O floor (-floor-io) does the mail work any responder that
// answers as roomgate does must do, without deciding anything: FETCH the
// whole invitation, send a reply as large as roomgate's, MOVE the message
// out of the inbox.
type floorSpec struct {
	batch      int    // FETCH and MOVE at most this many messages at a time (0: all the new ones at once)
	whole      bool   // FETCH each whole message
	replyBytes int    // the reply's size in bytes (0: the short reply)
	moveTo     string // MOVE the answered messages there ("": leave them)
}

// what names the floor in the report.
func (f floorSpec) what() string {
	if f == (floorSpec{}) {
		return "floor (IDLE, FETCH, fixed reply)"
	}
	return fmt.Sprintf("I/O floor (IDLE, whole FETCH and MOVE by %d, %d-byte reply, no decision)", f.batch, f.replyBytes)
}

// reply is the floor's fixed reply to the message id, padded with lines of
// text to f.replyBytes (when that is more than the short reply), ending
// with CRLF as SMTP's DATA does.
func (f floorSpec) reply(room, id string) string {
	r := fmt.Sprintf("From: %s\r\nTo: organizer@bench.example\r\nSubject: fixed reply\r\nIn-Reply-To: %s\r\n\r\nOK\r\n", room, id)
	if pad := f.replyBytes - len(r) - 2; pad >= 0 { // the last line's CRLF
		const line = "The room is yours: join link, passcode and host key would be here.\r\n"
		r += strings.Repeat(line, pad/len(line)) + strings.Repeat("x", pad%len(line)) + "\r\n"
	}
	return r
}

// floorLoop is the least any IMAP-to-SMTP responder must do: wait in IDLE,
// FETCH the new messages' Message-ID, and send a fixed reply to each; f
// adds the I/O floor's work. Its latency is the floor the daemon is
// measured against.
func floorLoop(ctx context.Context, o benchOptions, smtpAddr string, f floorSpec) error {
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
	if f.moveTo != "" {
		// roomgate creates its folders at startup; so does this floor.
		if err := c.Create(f.moveTo, nil).Wait(); err != nil && !mailbox.IsAlreadyExists(err) {
			return err
		}
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
		if last, err = floorFetch(c, sc, last, o.user, f); err != nil {
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

// floorFetch fetches the messages after last and replies to each. When
// f.batch is set it does so as roomgate's IMAP source does: it searches
// the new UIDs, then FETCHes, answers and MOVEs them a batch at a time.
func floorFetch(c *imapclient.Client, sc *smtp.Client, last imap.UID, room string, f floorSpec) (imap.UID, error) {
	after := imap.UIDSet{}
	after.AddRange(last+1, 0)
	if f.batch == 0 {
		return floorBatch(c, sc, after, last, room, f)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{after}}, nil).Wait()
	if err != nil {
		return last, err
	}
	uids := found.AllUIDs()
	for len(uids) > 0 {
		var set imap.UIDSet
		for _, u := range uids[:min(f.batch, len(uids))] {
			if u > last { // UID n:* names the last message even below n
				set.AddNum(u)
			}
		}
		uids = uids[min(f.batch, len(uids)):]
		if len(set) == 0 {
			continue
		}
		if last, err = floorBatch(c, sc, set, last, room, f); err != nil {
			return last, err
		}
	}
	return last, nil
}

// floorBatch fetches the messages of set, replies to those after last,
// then moves them when f says so.
func floorBatch(c *imapclient.Client, sc *smtp.Client, set imap.UIDSet, last imap.UID, room string, f floorSpec) (imap.UID, error) {
	sections := []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}, Peek: true}}
	if f.whole {
		sections = append(sections, &imap.FetchItemBodySection{Peek: true})
	}
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: sections}).Collect()
	if err != nil {
		return last, err
	}
	var answered imap.UIDSet
	for _, m := range msgs {
		if m.UID <= last {
			continue
		}
		last = m.UID
		var id string
		for _, b := range m.BodySection {
			if i := strings.Index(string(b.Bytes), ":"); i > 0 && b.Section.Specifier == imap.PartSpecifierHeader {
				id = strings.TrimSpace(string(b.Bytes[i+1:]))
			}
		}
		if err := sc.SendMail(room, []string{"organizer@bench.example"}, strings.NewReader(f.reply(room, id))); err != nil {
			return last, err
		}
		answered.AddNum(m.UID)
	}
	if f.moveTo != "" && len(answered) > 0 {
		if _, err := c.Move(answered, f.moveTo).Wait(); err != nil {
			return last, err
		}
	}
	return last, nil
}
