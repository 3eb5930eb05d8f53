package main

import (
	"net"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// AuthConfig is the [authentication] section: how roomgate learns that a
// message really comes from the domain of its From address, for every mail
// (invitations, cancellations and Zoom's own mail).
type AuthConfig struct {
	AuthservID string   `toml:"authserv_id"`
	VerifyDKIM bool     `toml:"verify_dkim"`
	DNSTimeout Duration `toml:"dns_timeout"`
}

// setDefaults fills the section, taking the deprecated [relay] keys when
// the section does not set them.
func (c *Config) setAuthDefaults() {
	a := &c.Auth
	if a.DNSTimeout.Duration == 0 {
		a.DNSTimeout.Duration = 10 * time.Second
	}
	if c.Relay.AuthservID != "" || c.Relay.VerifyDKIM {
		c.warnings = append(c.warnings, "[relay] authserv_id and verify_dkim are deprecated: "+
			"write them in the [authentication] section, which applies to all mail")
		if a.AuthservID == "" {
			a.AuthservID = c.Relay.AuthservID
		}
		a.VerifyDKIM = a.VerifyDKIM || c.Relay.VerifyDKIM
	}
	p := &c.Policy
	if p.RequireAuthentic == nil {
		p.RequireAuthentic = ptr(a.AuthservID != "" || a.VerifyDKIM)
	}
	if !*p.RequireAuthentic {
		c.warnings = append(c.warnings, "mail is not required to be authentic ([policy] require_authentic = false, "+
			"or no [authentication] source): anyone can book, move or cancel in a member's name")
	}
}

// validateAuth checks the section.
func (c *Config) validateAuth(bad func(string, ...any)) {
	a := c.Auth
	if c.Relay.AuthservID != "" && a.AuthservID != c.Relay.AuthservID {
		bad("authentication.authserv_id and the deprecated relay.authserv_id disagree: keep only the first")
	}
	if a.DNSTimeout.Duration <= 0 {
		bad("authentication.dns_timeout must be positive")
	}
	if len(c.Relay.Facilitators) > 0 && a.AuthservID == "" && !a.VerifyDKIM {
		bad("relay.facilitators: set authentication.authserv_id (your receiving server's Authentication-Results id) " +
			"or authentication.verify_dkim = true, or Zoom mail can never be authenticated")
	}
	if *c.Policy.RequireAuthentic && a.AuthservID == "" && !a.VerifyDKIM {
		bad("policy.require_authentic needs a source: set authentication.authserv_id (your receiving server's " +
			"Authentication-Results id) or authentication.verify_dkim = true")
	}
}

// authOptions turns the section into the gateway's options; DKIM keys are
// looked up with the system's resolver.
func (c *Config) authOptions() gateway.AuthOptions {
	return gateway.AuthOptions{AuthservID: c.Auth.AuthservID, VerifyDKIM: c.Auth.VerifyDKIM,
		Resolver: net.DefaultResolver, DNSTimeout: c.Auth.DNSTimeout.Duration}
}
