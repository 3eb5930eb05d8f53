package mailtest

import (
	"errors"
	"slices"
	"sort"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// testClient is an IMAP connection used by the helpers.
type testClient struct {
	*imapclient.Client
}

func (s *IMAPServer) dial(t testing.TB) testClient {
	t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		t.Fatalf("mailtest: dial %s: %v", s.addr, err)
	}
	if err := c.Login(s.username, s.password).Wait(); err != nil {
		c.Close()
		t.Fatalf("mailtest: login: %v", err)
	}
	return testClient{c}
}

func (c testClient) logout() {
	_ = c.Logout().Wait()
	_ = c.Close()
}

// uids selects mailbox read-only and returns its UIDs, or false when it
// does not exist.
func (c testClient) uids(t testing.TB, mailbox string) ([]imap.UID, bool) {
	t.Helper()
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		var ierr *imap.Error
		if errors.As(err, &ierr) {
			return nil, false
		}
		t.Fatalf("mailtest: examine %s: %v", mailbox, err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		t.Fatalf("mailtest: search %s: %v", mailbox, err)
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	return uids, true
}

func (c testClient) fetch(t testing.TB, mailbox string, options *imap.FetchOptions) []*imapclient.FetchMessageBuffer {
	t.Helper()
	uids, ok := c.uids(t, mailbox)
	if !ok || len(uids) == 0 {
		return nil
	}
	options.UID = true
	bufs, err := c.Fetch(imap.UIDSetNum(uids...), options).Collect()
	if err != nil {
		t.Fatalf("mailtest: fetch %s: %v", mailbox, err)
	}
	sort.Slice(bufs, func(i, j int) bool { return bufs[i].UID < bufs[j].UID })
	return bufs
}

func (c testClient) messages(t testing.TB, mailbox string) [][]byte {
	t.Helper()
	section := &imap.FetchItemBodySection{Peek: true}
	var out [][]byte
	for _, b := range c.fetch(t, mailbox, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}) {
		out = append(out, b.FindBodySection(section))
	}
	return out
}

func (c testClient) flags(t testing.TB, mailbox string) [][]imap.Flag {
	t.Helper()
	var out [][]imap.Flag
	for _, b := range c.fetch(t, mailbox, &imap.FetchOptions{Flags: true}) {
		out = append(out, b.Flags)
	}
	return out
}

func (c testClient) mailboxes(t testing.TB) []string {
	t.Helper()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatalf("mailtest: list: %v", err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Mailbox)
	}
	sort.Strings(names)
	return names
}

// clean deletes every mailbox but INBOX and empties INBOX.
func (c testClient) clean(t testing.TB) {
	t.Helper()
	names := c.mailboxes(t)
	// Children first.
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, name := range names {
		if name == "INBOX" {
			continue
		}
		if err := c.Delete(name).Wait(); err != nil {
			t.Fatalf("mailtest: delete %s: %v", name, err)
		}
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("mailtest: select INBOX: %v", err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		t.Fatalf("mailtest: search INBOX: %v", err)
	}
	if uids := data.AllUIDs(); len(uids) > 0 {
		store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
		if err := c.Store(imap.UIDSetNum(uids...), store, nil).Close(); err != nil {
			t.Fatalf("mailtest: store: %v", err)
		}
		if err := c.Expunge().Close(); err != nil {
			t.Fatalf("mailtest: expunge: %v", err)
		}
	}
}
