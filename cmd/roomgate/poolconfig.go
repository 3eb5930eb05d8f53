package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"codeberg.org/opteos/roomgate/gateway"
)

// HostConfig is one [[account.hosts]] entry: a licensed user of the Zoom
// account in the pool of hosts (docs/operator.md, "Several hosts and free
// tools").
type HostConfig struct {
	Name        string `toml:"name"`
	HostKey     string `toml:"host_key"`
	HostKeyFile string `toml:"host_key_file"`
	// The host's own fixed room (fixed-rooms mode).
	JoinURL   string `toml:"join_url"`
	MeetingID string `toml:"meeting_id"`
	Passcode  string `toml:"passcode"`
	// ZoomUser is the user (ID or e-mail) under whom Zoom API mode creates
	// this host's meetings.
	ZoomUser string `toml:"zoom_user"`
}

// hostName is what a host's name may be: it is stored in every booking.
var hostName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// hostKeyForm is a Zoom host key: 6 to 10 digits.
var hostKeyForm = regexp.MustCompile(`^[0-9]{6,10}$`)

// zoomUserForm is a Zoom user ID (letters, digits, - and _) or e-mail.
var zoomUserForm = regexp.MustCompile(`^[A-Za-z0-9._%+-]{1,64}(@[A-Za-z0-9.-]{1,253})?$`)

// readHostSecrets reads each host's key from its file.
func (c *Config) readHostSecrets() []error {
	var errs []error
	for i := range c.Account.Hosts {
		h := &c.Account.Hosts[i]
		if h.HostKey != "" || h.HostKeyFile == "" {
			continue
		}
		b, err := readSecretFile(h.HostKeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("account.hosts[%d].host_key_file: %w", i, err))
			continue
		}
		h.HostKey = strings.TrimSpace(string(b))
	}
	return errs
}

// validatePool checks the pool of hosts, or, without one, the account's
// single host key as before.
func (c *Config) validatePool(bad func(string, ...any)) {
	a := &c.Account
	if len(a.Hosts) == 0 {
		if a.HostKey == "" {
			bad("account.host_key is required (host_key, host_key_file or ROOMGATE_HOST_KEY)")
		}
		if a.ConcurrentMeetings < 1 {
			bad("account.concurrent_meetings must be at least 1")
		}
		return
	}
	if a.HostKey != "" || a.HostKeyFile != "" {
		bad("account.host_key: with [[account.hosts]] each host has its own host_key; remove account.host_key and host_key_file")
	}
	if a.concurrentSet {
		bad("account.concurrent_meetings: with [[account.hosts]] the capacity is the number of hosts (%d); remove concurrent_meetings", len(a.Hosts))
	}
	a.ConcurrentMeetings = len(a.Hosts)
	seen := map[string]bool{}
	for i, h := range a.Hosts {
		c.validateHost(i, h, seen, bad)
	}
	for i, r := range c.Rooms {
		if r.JoinURL != "" || r.MeetingID != "" || r.Passcode != "" {
			bad("rooms[%d]: with [[account.hosts]] a booking gets its host's meeting; remove join_url, meeting_id and passcode from the room", i)
		}
	}
}

// validateHost checks one [[account.hosts]] entry.
func (c *Config) validateHost(i int, h HostConfig, seen map[string]bool, bad func(string, ...any)) {
	if !hostName.MatchString(h.Name) {
		bad("account.hosts[%d].name: %q must be 1 to 32 lower-case letters, digits, - or _ (it is stored with every booking)", i, h.Name)
	}
	if seen[h.Name] {
		bad("account.hosts[%d].name: %q is used twice", i, h.Name)
	}
	seen[h.Name] = true
	switch {
	case h.HostKey == "":
		bad("account.hosts[%d].host_key is required (host_key or host_key_file)", i)
	case !hostKeyForm.MatchString(h.HostKey):
		bad("account.hosts[%d].host_key must be the user's 6 to 10 digits", i) // never the value: it is a secret
	}
	if c.ZoomAPI.Enabled {
		if !zoomUserForm.MatchString(h.ZoomUser) {
			bad("account.hosts[%d].zoom_user: %q must be the licensed user's Zoom ID or e-mail (Zoom API mode creates this host's meetings under it)", i, h.ZoomUser)
		}
		return
	}
	if !strings.HasPrefix(h.JoinURL, "https://") {
		bad("account.hosts[%d].join_url must be an https:// link (the host's own room; with [zoom_api] enabled, give zoom_user instead)", i)
	}
}

// validateTools checks the rooms' tools key.
func (c *Config) validateTools(bad func(string, ...any)) {
	for i, r := range c.Rooms {
		if r.Tools != "" && r.Tools != gateway.AnyTool {
			if m := didYouMean(r.Tools, []string{gateway.AnyTool}); m != "" {
				bad("rooms[%d].tools: %q is not %q (did you mean %s?)", i, r.Tools, gateway.AnyTool, m)
			} else {
				bad("rooms[%d].tools: %q is not %q (leave it out for Zoom only)", i, r.Tools, gateway.AnyTool)
			}
		}
	}
}

// poolHosts turns the pool into the gateway's hosts; nil without a pool.
func (c *Config) poolHosts() []gateway.Host {
	var hs []gateway.Host
	for _, h := range c.Account.Hosts {
		hs = append(hs, gateway.Host{Name: h.Name, HostKey: h.HostKey, JoinURL: h.JoinURL, MeetingID: h.MeetingID,
			Passcode: h.Passcode, ZoomUser: h.ZoomUser, Meetings: 1})
	}
	return hs
}

// hostUsers are the Zoom users of the pool's hosts (zoom_user), under
// whom Zoom API mode makes and watches their meetings.
func (c *Config) hostUsers() []string {
	var us []string
	for _, h := range c.Account.Hosts {
		us = append(us, h.ZoomUser)
	}
	return us
}

// printPool writes the pool for `roomgate check`: each host's name and
// room or Zoom user, never its key.
func printPool(w io.Writer, c *Config) {
	if len(c.Account.Hosts) == 0 {
		fmt.Fprintf(w, "%-11s one host key, %d meeting(s) at once\n", "hosts", c.Account.ConcurrentMeetings)
	} else {
		fmt.Fprintf(w, "%-11s pool of %d, one meeting each\n", "hosts", len(c.Account.Hosts))
		for _, h := range c.Account.Hosts {
			where := h.JoinURL
			if c.ZoomAPI.Enabled {
				where = "zoom_user " + h.ZoomUser
			}
			fmt.Fprintf(w, "            - %s: %s (host key set)\n", h.Name, where)
		}
	}
	for _, r := range c.Rooms {
		if r.Tools == gateway.AnyTool {
			fmt.Fprintf(w, "%-11s %s: any tool (Zoom first)\n", "rooms", r.Address)
		}
	}
}
