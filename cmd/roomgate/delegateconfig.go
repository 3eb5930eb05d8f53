package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/ical"
)

// validateDelegates checks [policy] delegates: every organizer and every
// delegate one mailbox (ical.ParseMailbox, as the gateway reads
// ORGANIZER and SENT-BY), and warns of what gives one member another's
// voice without a declaration.
func (c *Config) validateDelegates(bad func(string, ...any)) {
	p := c.Policy
	orgs := make([]string, 0, len(p.Delegates))
	for org := range p.Delegates {
		orgs = append(orgs, org)
	}
	sort.Strings(orgs)
	allowed := gateway.Policy{Organizers: normalizedList(p.Organizers), Approval: normalizedList(p.Approval)}
	for _, org := range orgs {
		o, err := ical.ParseMailbox(strings.TrimSpace(org))
		if err != nil {
			bad("policy.delegates: key %q: %v (write the organizer's full address)", org, err)
			continue
		}
		if len(p.Delegates[org]) == 0 {
			bad("policy.delegates.%q: list at least one delegate's address", org)
		}
		for _, d := range p.Delegates[org] {
			if _, err := ical.ParseMailbox(strings.TrimSpace(d)); err != nil {
				bad("policy.delegates.%q: %v (write the delegate's full address)", org, err)
			}
		}
		if !allowed.AllowedOrganizer(o) && !slices.ContainsFunc(allowed.Approval, func(e string) bool { return e == o || e == "@"+domain(o) }) {
			c.warnings = append(c.warnings, fmt.Sprintf("policy.delegates: %s may not book (not in policy.organizers nor policy.approval): its delegates ask in vain", o))
		}
	}
	for _, t := range normalizedList(p.TrustedSenders) {
		if t[0] == '@' && slices.Contains(allowed.Organizers, t) {
			c.warnings = append(c.warnings, fmt.Sprintf("policy.trusted_senders: %s lets every member of that domain book, move and cancel in any other's name; "+
				"declare delegates instead (policy.delegates)", t))
		}
	}
}

// normalizedList normalizes the entries of an address list with
// gateway.ListEntry, leaving out those it refuses (validatePolicy says so).
func normalizedList(list []string) []string {
	out := make([]string, 0, len(list))
	for _, e := range list {
		if n, err := gateway.ListEntry(e); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// domain is the part of a parsed mailbox after its '@'.
func domain(addr string) string { return addr[strings.LastIndexByte(addr, '@')+1:] }

// holdWarnings warns when people who are no members may ask (an approval
// @domain) and nothing bounds what their domain holds.
func (c *Config) holdWarnings() {
	p := c.Policy
	if *p.MaxHoldsPerDomain > 0 {
		return
	}
	for _, r := range normalizedList(p.Approval) {
		if r[0] == '@' {
			c.warnings = append(c.warnings, fmt.Sprintf("policy.max_holds_per_domain = 0: the people of %s may keep the room pending without limit "+
				"(each of their addresses up to max_holds_per_sender)", r))
		}
	}
}
