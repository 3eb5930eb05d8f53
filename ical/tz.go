package ical

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// zone turns wall-clock times into instants (in UTC) and back. Wall-clock
// times are time.Time values in UTC whose fields hold the local date and
// time.
type zone interface {
	instant(wall time.Time) time.Time
	wallClock(t time.Time) time.Time
	// location returns a *time.Location that shows t with the right offset.
	location(t time.Time) *time.Location
}

// locZone is a zone backed by a Go location.
type locZone struct{ loc *time.Location }

func (z locZone) instant(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, z.loc).UTC()
}

func (z locZone) wallClock(t time.Time) time.Time {
	l := t.In(z.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

func (z locZone) location(time.Time) *time.Location { return z.loc }

// resolver finds the zone of each TZID of one calendar, in the order of
// interop.md: the message's VTIMEZONE naming a known zone, IANA name,
// Windows name, Outlook display name, vendor prefix stripped, and last the
// VTIMEZONE's own rules (RFC 5545 §3.6.5).
type resolver struct {
	vtz      map[string]*Component
	cache    map[string]zone
	floating zone
}

func newResolver(timezones []*Component, floating *time.Location) *resolver {
	r := &resolver{vtz: map[string]*Component{}, cache: map[string]zone{}, floating: locZone{floating}}
	for _, c := range timezones {
		if p := c.Prop("TZID"); p != nil {
			r.vtz[p.Value] = c
		}
	}
	return r
}

// zone returns the zone named tzid, or an error wrapping ErrUnknownTimeZone.
func (r *resolver) zone(tzid string) (zone, error) {
	if z, ok := r.cache[tzid]; ok {
		return z, nil
	}
	z, err := r.lookup(tzid)
	if err != nil {
		return nil, err
	}
	r.cache[tzid] = z
	return z, nil
}

func (r *resolver) lookup(tzid string) (zone, error) {
	vtz := r.vtz[tzid]
	if vtz == nil {
		for id, c := range r.vtz { // TZIDs are case-sensitive, senders are not
			if strings.EqualFold(strings.TrimSpace(id), strings.TrimSpace(tzid)) {
				vtz = c
			}
		}
	}
	if loc := knownZone(tzid); loc != nil {
		return locZone{loc}, nil
	}
	if vtz == nil {
		return nil, fmt.Errorf("%w %s", ErrUnknownTimeZone, tzid)
	}
	if p := vtz.Prop("X-LIC-LOCATION"); p != nil {
		if loc := knownZone(p.Value); loc != nil {
			return locZone{loc}, nil
		}
	}
	z, err := newRuleZone(vtz)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrUnknownTimeZone, tzid, err)
	}
	return z, nil
}

// knownZone resolves a zone name without VTIMEZONE rules: IANA, Windows,
// Windows display name, then vendor prefixes stripped. It returns nil when
// the name is unknown.
func knownZone(name string) *time.Location {
	name = strings.Trim(strings.TrimSpace(name), `"`)
	if loc := ianaOrWindows(name); loc != nil {
		return loc
	}
	if loc := displayZone(name); loc != nil {
		return loc
	}
	// Vendor prefixes: "/mozilla.org/20050126_1/Europe/Paris",
	// "/citadel.org/20190914_1/Europe/Paris", "/softwarestudio.org/...".
	for i := 0; i < len(name); i++ {
		if name[i] == '/' && i+1 < len(name) {
			if loc := ianaOrWindows(name[i+1:]); loc != nil {
				return loc
			}
		}
	}
	return nil
}

func ianaOrWindows(name string) *time.Location {
	if loc := loadIANA(name); loc != nil {
		return loc
	}
	if iana, ok := windowsZones[name]; ok {
		return loadIANA(iana)
	}
	// IBM Notes writes the Windows key without its suffix: "FLE" for
	// "FLE Standard Time", "W. Europe" for "W. Europe Standard Time".
	if name != "" && !strings.HasSuffix(name, " Time") {
		if iana, ok := windowsZones[name+" Standard Time"]; ok {
			return loadIANA(iana)
		}
	}
	return nil
}

// displayZone resolves an Outlook display name such as
// "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris" or its older form
// "(GMT+01.00) Brussels, Copenhagen, Madrid, Paris" by its city list. Only
// the lists CLDR knows, plus a few older spellings, are recognised; other
// names fall through to the VTIMEZONE rules.
func displayZone(name string) *time.Location {
	if !strings.HasPrefix(name, "(") {
		return nil
	}
	i := strings.IndexByte(name, ')')
	if i < 0 {
		return nil
	}
	cities := strings.ToLower(strings.TrimSpace(name[i+1:]))
	if iana, ok := windowsDisplayCities[cities]; ok {
		return loadIANA(iana)
	}
	if iana, ok := olderDisplayCities[cities]; ok {
		return loadIANA(iana)
	}
	return nil
}

// olderDisplayCities holds city lists of older Windows versions that CLDR's
// comments no longer show.
var olderDisplayCities = map[string]string{
	"helsinki, kiev, riga, sofia, tallinn, vilnius":           "Europe/Kiev",
	"moscow, st. petersburg, volgograd":                       "Europe/Moscow",
	"greenwich mean time : dublin, edinburgh, lisbon, london": "Europe/London",
	"casablanca, monrovia, reykjavik":                         "Africa/Casablanca",
	"coordinated universal time":                              "UTC",
	"athens, bucharest, istanbul":                             "Europe/Bucharest",
	"beijing, chongqing, hong kong sar, urumqi":               "Asia/Shanghai",
	"amsterdam, berlin, bern, rome, stockholm, vienna":        "Europe/Berlin",
}

var ianaCache sync.Map // name -> *time.Location, known names only

// loadIANA loads an IANA zone by name, never the host's "Local" zone and
// never a path.
func loadIANA(name string) *time.Location {
	if name == "" || name == "Local" || len(name) > 64 || strings.HasPrefix(name, "/") ||
		strings.Contains(name, "..") || strings.ContainsAny(name, "\\\x00") {
		return nil
	}
	if v, ok := ianaCache.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil // not cached: the cache must not grow with hostile names
	}
	ianaCache.Store(name, loc)
	return loc
}

// IANAZones lists the IANA zone names the Windows zone names map to
// (CLDR windowsZones.xml): the common zones, sorted.
func IANAZones() []string {
	seen := map[string]bool{}
	var names []string
	for _, z := range windowsZones {
		if !seen[z] && !strings.HasPrefix(z, "Etc/") {
			seen[z] = true
			names = append(names, z)
		}
	}
	sort.Strings(names)
	return names
}
