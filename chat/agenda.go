package chat

import (
	"strings"
	"time"
)

// Day is one day of the room, for the morning post.
type Day struct {
	Date     time.Time // any instant of the day
	Bookings []Booking // in start order; Title "" when titles are not shown
	Free     []Slot    // the free slots within the room's hours
	Location *time.Location
	Lang     string
}

// maxListed bounds the lines of one list in a post.
const maxListed = 30

// MorningPost is the day's agenda: the bookings and the free slots.
func MorningPost(d Day) Message {
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	lang, date := d.Lang, d.Date.In(loc)
	lines := []string{tr(lang, "morning.title", longDay(lang, date))}
	if len(d.Bookings) == 0 {
		lines = append(lines, tr(lang, "morning.none"))
	} else {
		lines = append(lines, tr(lang, "morning.booked"))
		for i, b := range d.Bookings {
			if i == maxListed {
				lines = append(lines, "- …")
				break
			}
			lines = append(lines, "- "+hours(inZone(b.Slot, loc))+titled(b.Title))
		}
	}
	if len(d.Free) == 0 {
		lines = append(lines, tr(lang, "morning.nofree"))
	} else {
		lines = append(lines, tr(lang, "morning.free"))
		for i, s := range d.Free {
			if i == maxListed {
				lines = append(lines, "- …")
				break
			}
			lines = append(lines, "- "+hours(inZone(s, loc)))
		}
	}
	return Message{Text: strings.Join(lines, "\n")}
}

// titled is " — Title" for a shown title.
func titled(title string) string {
	if title = oneLine(title, MaxTitle); title == "" {
		return ""
	}
	return " — " + title
}

func inZone(s Slot, loc *time.Location) Slot {
	return Slot{Start: s.Start.In(loc), End: s.End.In(loc)}
}

// longDay is "mardi 8 décembre" / "Tuesday 8 December".
func longDay(lang string, t time.Time) string {
	if lang == English {
		return t.Format("Monday 2 January")
	}
	days := [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	mons := [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	d := itoa(t.Day())
	if t.Day() == 1 {
		d = "1er"
	}
	return days[t.Weekday()] + " " + d + " " + mons[t.Month()-1]
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// Event kinds of Announce.
const (
	EventBooked    = "booked"    // a booking was accepted
	EventCancelled = "cancelled" // its organizer cancelled it
	EventReleased  = "released"  // the room was released early (no-show, ended)
	EventFreed     = "freed"     // a slot freed and went to the waiting list
)

// Event is something that happened to a booking, for an opt-in post.
type Event struct {
	Kind     string
	Booking  Booking // Title "" when titles are not shown
	Now      time.Time
	Location *time.Location
	Lang     string
}

// Announce is the post for an event, or ok false for an unknown kind.
func Announce(e Event) (m Message, ok bool) {
	key := map[string]string{EventBooked: "ev.booked", EventCancelled: "ev.cancelled",
		EventReleased: "ev.released", EventFreed: "ev.freed"}[e.Kind]
	if key == "" {
		return Message{}, false
	}
	loc := e.Location
	if loc == nil {
		loc = time.UTC
	}
	s := when(e.Lang, inZone(e.Booking.Slot, loc), e.Now.In(loc))
	return Message{Text: tr(e.Lang, key, s+titled(e.Booking.Title))}, true
}

// NextMorning is the next instant, after now, when the wall clock in loc
// reads at (an offset from midnight, as Config.MorningTime gives): the
// time of the next morning post, right across daylight-saving changes.
func NextMorning(now time.Time, loc *time.Location, at time.Duration) time.Time {
	local := now.In(loc)
	h, m := int(at/time.Hour), int(at%time.Hour/time.Minute)
	for d := 0; ; d++ {
		t := time.Date(local.Year(), local.Month(), local.Day()+d, h, m, 0, 0, loc)
		if t.After(now) {
			return t
		}
	}
}
