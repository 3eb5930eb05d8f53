package mailbox

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/textproto"

	"codeberg.org/opteos/roomgate/gateway"
)

// MessageHeader is some header fields of one message of a folder.
type MessageHeader struct {
	Folder string
	Header textproto.Header
}

// RecentHeaders returns the named header fields of the n newest messages
// of the inbox, newest first, then, when the inbox holds fewer, of the
// rejected and the processed folders (where the daemon moved what it
// read). It uses its own connection, opens each folder read-only
// (EXAMINE), fetches BODY.PEEK[HEADER.FIELDS (…)] (RFC 9051 §6.4.5:
// neither the bodies nor \Seen are touched) and creates nothing. It is
// meant for `roomgate check`.
func (m *IMAP) RecentHeaders(ctx context.Context, n int, fields ...string) ([]MessageHeader, error) {
	if m.isClosed() {
		return nil, ErrClosed
	}
	s, err := m.open(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer s.close()
	stop := s.closeOnDone(ctx)
	defer stop()
	if err := s.findDelimiter(); err != nil {
		return nil, err
	}
	var out []MessageHeader
	for _, name := range []string{m.opt.Inbox, s.serverName(m.opt.Folders[gateway.FolderRejected]),
		s.serverName(m.opt.Folders[gateway.FolderProcessed])} {
		if len(out) >= n || name == "" {
			continue
		}
		got, err := s.newestHeaders(name, n-len(out), fields)
		if err != nil {
			return out, err
		}
		out = append(out, got...)
	}
	_ = s.c.Logout().Wait()
	return out, nil
}

// newestHeaders reads the fields of the n newest messages of one folder;
// none when the folder does not exist.
func (s *session) newestHeaders(name string, n int, fields []string) ([]MessageHeader, error) {
	data, err := s.c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if isProtocolNo(err) {
		return nil, nil // no such folder (yet)
	}
	if err != nil {
		return nil, fmt.Errorf("examine %s: %w", name, err)
	}
	if data.NumMessages == 0 {
		return nil, nil
	}
	first := uint32(1)
	if data.NumMessages > uint32(n) {
		first = data.NumMessages - uint32(n) + 1
	}
	var set imap.SeqSet
	set.AddRange(first, data.NumMessages)
	section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: fields, Peek: true}
	bufs, err := s.c.Fetch(set, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	slices.SortFunc(bufs, func(a, b *imapclient.FetchMessageBuffer) int { return int(b.SeqNum) - int(a.SeqNum) })
	out := make([]MessageHeader, 0, len(bufs))
	for _, b := range bufs {
		raw := b.FindBodySection(section)
		if raw == nil {
			continue
		}
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			continue // a header the server cut oddly: say nothing of it
		}
		out = append(out, MessageHeader{Folder: name, Header: h})
	}
	return out, nil
}
