package gateway

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Host is one licensed Zoom user of the account that hosts booked
// meetings: a pool of them (Options.Hosts) multiplies the account's
// capacity. Each booking on Zoom records the host chosen for it
// (Booking.Host), inside the transaction that decides it, and its mails
// give that host's room and host key. A pool assigns bookings to licensed
// hosts; it never moves a licence from one person to another (Zoom's
// terms allow that only when someone leaves).
type Host struct {
	// Name identifies the host in bookings (Booking.Host): unique, short,
	// never changed once bookings name it.
	Name string
	// HostKey is the user's own host key (Profile → Meeting → Host Key).
	HostKey string
	// JoinURL, MeetingID and Passcode are the host's own fixed room
	// (fixed-rooms mode); "" in Zoom API mode, where each booking gets a
	// meeting of its own.
	JoinURL, MeetingID, Passcode string
	// ZoomUser is, in Zoom API mode, the user (ID or e-mail) under whom
	// this host's meetings are created (POST /users/{userId}/meetings).
	ZoomUser string
	// Meetings is how many meetings the host holds at once: 1 for a Pro
	// licence (0 means 1).
	Meetings int
}

// hostPool is the account's hosts as the decision counts them. legacy is
// set for a configuration without a pool: one host named "" with the
// account's host key, its capacity Options.Concurrent, and the rooms'
// own fixed meetings, exactly as before pools existed.
type hostPool struct {
	hosts  []Host
	legacy bool
	total  int
}

// newHostPool builds the pool of the options: Hosts, or the one host of
// a configuration without a pool.
func newHostPool(o *Options) hostPool {
	if len(o.Hosts) == 0 {
		n := max(o.Concurrent, 1)
		return hostPool{hosts: []Host{{HostKey: o.HostKey, Meetings: n}}, legacy: true, total: n}
	}
	p := hostPool{hosts: slices.Clone(o.Hosts)}
	for i := range p.hosts {
		if p.hosts[i].Meetings <= 0 {
			p.hosts[i].Meetings = 1
		}
		p.total += p.hosts[i].Meetings
	}
	return p
}

// host returns the host of that name, or nil.
func (p hostPool) host(name string) *Host {
	for i := range p.hosts {
		if p.hosts[i].Name == name {
			return &p.hosts[i]
		}
	}
	return nil
}

// of is the host a Zoom booking counts against: its own, or the first
// host for a booking recorded before the pool (Host ""), which was the
// account's single host. A booking of a host no longer configured takes
// some host of the pool, unknown (goneHost).
func (p hostPool) of(b Booking) string {
	if b.Host == "" || p.legacy {
		return p.hosts[0].Name
	}
	if p.host(b.Host) == nil {
		return goneHost
	}
	return b.Host
}

// placement is where a slot fits: busy when no host (and no room) can
// take it, else the free hosts, in the pool's order.
type placement struct {
	busy bool
	// in are the Zoom bookings in the way of the slot (buffers included).
	in   []Booking
	free []string
}

// first is the host a booking of the slot gets: prefer when it is free
// (a moved meeting keeps its host, so its link), else the first free.
func (pl placement) first(prefer string) string {
	for _, h := range pl.free {
		if h == prefer {
			return h
		}
	}
	if len(pl.free) == 0 {
		return ""
	}
	return pl.free[0]
}

// place finds the hosts free for [s, e) among the existing bookings, the
// buffer kept free around each. Without a pool, a slot is busy when, at
// some instant, the account's capacity is reached (buffers included), or
// when the room asked for is in use (a fixed room is one Zoom meeting ID,
// which hosts one meeting at a time), exactly as before pools. With a
// pool, it is busy when no host has a meeting left then, the meetings of
// hosts no longer configured taking some. Bookings of the meeting being decided are skipped (a reschedule
// never conflicts with the slot it replaces), and so are bookings held on
// a free tool: they take nothing of Zoom.
func (p hostPool) place(existing []Booking, own meetingKey, s, e time.Time, buffer time.Duration) placement {
	var all []interval
	var per map[string][]interval // by host, with a pool only
	if !p.legacy {
		per = map[string][]interval{}
	}
	var pl placement
	sameRoom := false
	for _, b := range existing {
		if !occupyingStatus(b.Status) || own.owns(b) || b.Provider != "" {
			continue
		}
		bs, be := b.Start.Add(-buffer), b.End.Add(buffer)
		if !bs.Before(e) || !be.After(s) {
			continue
		}
		pl.in = append(pl.in, b)
		sp := interval{maxTime(bs, s), minTime(be, e)}
		all = append(all, sp)
		if per != nil {
			h := p.of(b)
			per[h] = append(per[h], sp)
		}
		sameRoom = sameRoom || (p.legacy && own.room != "" && b.Room == own.room)
	}
	if p.legacy {
		pl.busy = sameRoom || maxConcurrent(all) >= p.total
		if !pl.busy {
			pl.free = legacyFree // read only
		}
		return pl
	}
	for _, h := range p.hosts {
		if maxConcurrent(per[h.Name]) < h.Meetings {
			pl.free = append(pl.free, h.Name)
		}
	}
	// The meetings of hosts no longer configured still take some host of
	// the account: as many as meet at once.
	pl.busy = len(pl.free) <= maxConcurrent(per[goneHost])
	return pl
}

// legacyFree is the free hosts of a slot free without a pool: the one
// host, named "".
var legacyFree = []string{""}

// goneHost is where place counts the bookings of hosts no longer
// configured (see hostPool.of).
const goneHost = "\x00gone"

// conflicts reports whether [s, e) is busy (see hostPool.place) and the
// bookings in its way.
func (g *Gateway) conflicts(existing []Booking, own meetingKey, s, e time.Time) (busy bool, in []Booking) {
	pl := g.hosts().place(existing, own, s, e, g.opt.Policy.Buffer)
	return pl.busy, pl.in
}

// hostView fills the room details and host key of an accepted Zoom
// booking's mail from its host: in a pool, the host's own room and key;
// without a pool, the room's and the account's. A booking held on a free
// tool gets the tool's room instead (see toolView).
func (g *Gateway) hostView(mv *MailView, room *Room, b *Booking) {
	if b.Provider != "" {
		g.toolView(mv, b)
		return
	}
	mv.Room.JoinURL, mv.Room.MeetingID, mv.Room.Passcode = room.JoinURL, room.MeetingID, room.Passcode
	mv.HostKey = g.opt.HostKey
	if g.hosts().legacy {
		return
	}
	h := g.hosts().host(g.hosts().of(*b))
	if h == nil {
		// A host removed from the configuration: the room's details, and
		// no key (the account's would not open that host's room; the mail
		// sends the member to the facilitators for it).
		mv.HostKey = ""
		return
	}
	mv.HostKey, mv.HostName = h.HostKey, h.Name
	if h.JoinURL != "" {
		mv.Room.JoinURL, mv.Room.MeetingID, mv.Room.Passcode = h.JoinURL, h.MeetingID, h.Passcode
	}
}

// HostOf returns the pool host of a Zoom booking (nil without a pool,
// for a free tool's booking, or for a host no longer configured). Zoom API
// mode creates the booking's meeting under its ZoomUser.
func (g *Gateway) HostOf(b *Booking) *Host {
	if g.hosts().legacy || b.Provider != "" {
		return nil
	}
	return g.hosts().host(g.hosts().of(*b))
}

// Hosts returns the pool's hosts, in the configuration's order (nil
// without a pool).
func (g *Gateway) Hosts() []Host {
	if g.hosts().legacy {
		return nil
	}
	return slices.Clone(g.hosts().hosts)
}

// hostFor returns the first host free for [s, e), read in tx; "" when
// none is (the caller checked the slot is free) or without a pool.
func (g *Gateway) hostFor(ctx context.Context, tx Tx, own meetingKey, s, e time.Time) (string, error) {
	if g.hosts().legacy {
		return "", nil // one host, named "": no query
	}
	buf := g.opt.Policy.Buffer
	near, err := g.overlapping(ctx, tx, s.Add(-buf), e.Add(buf))
	if err != nil {
		return "", fmt.Errorf("read bookings: %w", err)
	}
	return g.hosts().place(near, own, s, e, buf).first(""), nil
}

// seriesHosts gives the dates of a series accepted now one host when one
// is free at all of them, preferring the host its dates already have (the
// carried ones, or those stored before): one room and one host key for
// the whole series. Otherwise each date keeps the first host free then,
// and the accept mail lists the dates of the other hosts (OtherHosts).
func seriesHosts(ds []dated, existing []Booking) {
	var prefer []string
	for _, b := range existing {
		if b.Status == StatusAccepted && b.Provider == "" && !slices.Contains(prefer, b.Host) {
			prefer = append(prefer, b.Host)
		}
	}
	var common []string
	first := true
	for _, d := range ds {
		if d.carried || !d.v.accepted || d.v.tool != "" {
			continue
		}
		if first {
			common, first = slices.Clone(d.v.free), false
			continue
		}
		common = slices.DeleteFunc(common, func(h string) bool { return !slices.Contains(d.v.free, h) })
	}
	if len(common) == 0 {
		return
	}
	pick := common[0]
	for _, h := range prefer {
		if slices.Contains(common, h) {
			pick = h
			break
		}
	}
	for i := range ds {
		if d := &ds[i]; !d.carried && d.v.accepted && d.v.tool == "" {
			d.v.host = pick
		}
	}
}

// hosts is the gateway's pool; a Gateway built without New (in tests)
// gets the one of its options.
func (g *Gateway) hosts() hostPool {
	if len(g.pool.hosts) == 0 {
		return newHostPool(&g.opt)
	}
	return g.pool
}

// checkPool checks the hosts and free tools of the options: names that
// bookings record must be set and unique.
func (o *Options) checkPool() error {
	seen := map[string]bool{}
	for _, h := range o.Hosts {
		if h.Name == "" || seen[h.Name] || h.Name == goneHost {
			return fmt.Errorf("gateway: host name %q: empty or used twice", h.Name)
		}
		seen[h.Name] = true
	}
	tools := map[string]bool{}
	for _, t := range o.FreeTools {
		if t == nil || t.Name() == "" || tools[t.Name()] {
			return fmt.Errorf("gateway: a free tool has no name or one used twice")
		}
		tools[t.Name()] = true
	}
	return nil
}
