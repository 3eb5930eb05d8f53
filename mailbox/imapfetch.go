package mailbox

import (
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"

	"codeberg.org/opteos/roomgate/gateway"
)

var (
	// BODY.PEEK[] and BODY.PEEK[HEADER] never set \Seen (RFC 9051
	// section 6.4.5).
	sectionAll    = &imap.FetchItemBodySection{Peek: true}
	sectionHeader = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
)

// fetch returns the messages with the given UIDs, in UID order. Messages
// larger than MaxMessageSize come with their header only. UIDs expunged
// meanwhile are skipped.
func (s *session) fetch(uids []imap.UID) ([]gateway.Incoming, error) {
	sizes, err := s.fetchSizes(uids)
	if err != nil {
		return nil, err
	}
	var whole, header []imap.UID
	for _, uid := range uids {
		size, ok := sizes[uid]
		switch {
		case !ok:
		case s.m.opt.MaxMessageSize > 0 && size > s.m.opt.MaxMessageSize:
			header = append(header, uid)
		default:
			whole = append(whole, uid)
		}
	}
	var msgs []gateway.Incoming
	for _, part := range []struct {
		uids    []imap.UID
		section *imap.FetchItemBodySection
	}{{whole, sectionAll}, {header, sectionHeader}} {
		got, err := s.fetchBodies(part.uids, part.section, sizes)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, got...)
	}
	slices.SortFunc(msgs, func(a, b gateway.Incoming) int { return int(a.UID) - int(b.UID) })
	return msgs, nil
}

// fetchSizes asks for RFC822.SIZE first, to know which messages to fetch
// whole.
func (s *session) fetchSizes(uids []imap.UID) (map[imap.UID]int64, error) {
	bufs, err := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("uid fetch size: %w", err)
	}
	sizes := make(map[imap.UID]int64, len(bufs))
	for _, b := range bufs {
		if b.UID != 0 {
			sizes[b.UID] = b.RFC822Size
		}
	}
	return sizes, nil
}

func (s *session) fetchBodies(uids []imap.UID, section *imap.FetchItemBodySection, sizes map[imap.UID]int64) ([]gateway.Incoming, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	options := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}
	bufs, err := s.c.Fetch(imap.UIDSetNum(uids...), options).Collect()
	if err != nil {
		return nil, fmt.Errorf("uid fetch body: %w", err)
	}
	msgs := make([]gateway.Incoming, 0, len(bufs))
	for _, b := range bufs {
		raw := b.FindBodySection(section)
		if b.UID == 0 || raw == nil {
			continue
		}
		msgs = append(msgs, gateway.Incoming{
			Ref:         s.ref(uint32(b.UID)),
			UIDValidity: s.uidValidity,
			UID:         uint32(b.UID),
			Raw:         raw,
			Size:        sizes[b.UID],
			Truncated:   section == sectionHeader,
		})
	}
	return msgs, nil
}

// ref names a message as mailbox/UIDVALIDITY/UID.
func (s *session) ref(uid uint32) string {
	return fmt.Sprintf("%s/%d/%d", s.m.opt.Inbox, s.uidValidity, uid)
}
