package main

import (
	"net"
	"net/url"
	"strings"

	"codeberg.org/opteos/roomgate/gateway"
)

// minApprovalKey is the shortest signing key of approval links accepted.
const minApprovalKey = 32

// validateApproval checks [policy] approval and what it needs: a signing
// key, the web server (the links open its confirmation page), its public
// address, and facilitators to answer.
func (c *Config) validateApproval(bad func(string, ...any)) {
	p := c.Policy
	for _, r := range p.Approval {
		r = strings.TrimSpace(r)
		if strings.Contains(r, "@") {
			if _, err := gateway.ListEntry(r); err != nil {
				bad("policy.approval: %v (write a rule, a full address or @domain)", err)
			}
			continue
		}
		switch strings.ToLower(r) {
		case gateway.ApproveTooLong, gateway.ApproveOutsideHours, gateway.ApproveBeyondWindow, gateway.ApproveEndless:
		default:
			bad("policy.approval: %q is none of %s, %s, %s, %s, an address or @domain", r,
				gateway.ApproveTooLong, gateway.ApproveOutsideHours, gateway.ApproveBeyondWindow, gateway.ApproveEndless)
		}
	}
	if len(p.Approval) == 0 {
		return
	}
	if len(p.ApprovalKey) < minApprovalKey {
		bad("policy.approval_key: at least %d characters are required with policy.approval (approval_key, approval_key_file or ROOMGATE_APPROVAL_KEY; e.g. openssl rand -base64 48)", minApprovalKey)
	}
	if c.HTTP.Listen == "" {
		bad("policy.approval needs the web server: set http.listen (the facilitators' links open its confirmation page)")
	}
	if u, err := url.Parse(c.HTTP.PublicURL); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname()))) ||
		u.RawQuery != "" || u.Fragment != "" {
		bad("http.public_url: %q must be the https:// address facilitators reach the web server at (http only on a loopback address), without query", c.HTTP.PublicURL)
	}
	if len(c.Relay.Facilitators) == 0 {
		bad("policy.approval needs relay.facilitators: nobody would be asked")
	}
}

// loopbackHost reports a loopback name or address.
func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// approvalOptions are the gateway's options for the links.
func (c *Config) approvalOptions() gateway.ApprovalOptions {
	if len(c.Policy.Approval) == 0 {
		return gateway.ApprovalOptions{}
	}
	return gateway.ApprovalOptions{Key: []byte(c.Policy.ApprovalKey), PublicURL: c.HTTP.PublicURL}
}
