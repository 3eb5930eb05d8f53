package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailauth"
	"codeberg.org/opteos/roomgate/mailbox"
)

// authservSample is how many of the newest mails `roomgate check` reads
// to see which server writes their top Authentication-Results field.
const authservSample = 20

// checkAuthserv reads the top Authentication-Results field of the newest
// mails (headers only) and returns what `roomgate check` says of it: on a
// first day, an authserv_id that is not the receiving server's rejects
// every member's mail while the rest of the check is green.
func checkAuthserv(ctx context.Context, cfg *Config, src *mailbox.IMAP) []string {
	hs, err := src.RecentHeaders(ctx, authservSample, "Authentication-Results")
	if err != nil {
		return []string{fmt.Sprintf("%-11s WARNING the newest mails could not be read: %v", "authserv", err)}
	}
	return authservReport(cfg.Auth.AuthservID, hs)
}

// authservCount is how many of the mails read name one authserv-id.
type authservCount struct {
	id string
	n  int
}

// authservReport says which authserv-ids the top fields of hs carry and
// whether want (the configured one, "" when none) is among them.
func authservReport(want string, hs []mailbox.MessageHeader) []string {
	const name = "authserv"
	if len(hs) == 0 {
		return []string{fmt.Sprintf("%-11s -   no mail in the mailbox yet: once a member has invited the room, run check again to see "+
			"which server authenticates the mail", name)}
	}
	counts, none := map[string]int{}, 0
	for _, h := range hs {
		if id := mailauth.TopAuthservID(h.Header); id != "" {
			counts[strings.ToLower(gateway.Printable(id))]++
		} else {
			none++
		}
	}
	var ids []authservCount
	for id, n := range counts {
		ids = append(ids, authservCount{id, n})
	}
	slices.SortFunc(ids, func(a, b authservCount) int { return cmp.Or(b.n-a.n, strings.Compare(a.id, b.id)) })
	seen := make([]string, 0, len(ids)+1)
	for _, c := range ids {
		seen = append(seen, fmt.Sprintf("%s (%d)", c.id, c.n))
	}
	if none > 0 {
		seen = append(seen, fmt.Sprintf("no field (%d)", none))
	}
	of := fmt.Sprintf("the %d newest mail(s)", len(hs))
	switch {
	case len(ids) == 0:
		return []string{fmt.Sprintf("%-11s WARNING none of %s carries an Authentication-Results field: the receiving "+
			"server must write one (see docs/security.md), or no member's mail can be authenticated", name, of)}
	case want == "":
		return []string{fmt.Sprintf("%-11s -   the top Authentication-Results field of %s is from %s; set "+
			"[authentication] authserv_id = %q if %s is your receiving server", name, of, strings.Join(seen, ", "), ids[0].id, ids[0].id)}
	case counts[strings.ToLower(want)] > 0:
		return []string{fmt.Sprintf("%-11s ok  %q wrote the top Authentication-Results field of %d of %s (seen: %s)",
			name, want, counts[strings.ToLower(want)], of, strings.Join(seen, ", "))}
	}
	return []string{fmt.Sprintf("%-11s WARNING the top Authentication-Results field of %s is from %s, never from the "+
		"configured %q: every member's mail will be rejected as not authentic. Set [authentication] authserv_id = %q "+
		"if %s is your receiving server", name, of, strings.Join(seen, ", "), want, ids[0].id, ids[0].id)}
}
