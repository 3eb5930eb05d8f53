// Package room holds the provider-neutral values a video tool exchanges with
// the meeting layer: what a booking asks for (Spec) and what the accept mail
// and the agenda show (Room). Every provider (meetings/jitsi, meetings/bbb,
// meetings/galene) takes a Spec and returns a Room, so that the meeting layer
// adapts each with one small adapter.
package room

import "time"

// Spec is what a provider needs to open a room for one booking.
type Spec struct {
	// Key is the stable booking key (e.g. organizer + UID + recurrence
	// hash). A provider derives its room identifier from it, so that
	// opening the same Key twice gives the same room.
	Key   string
	Title string
	// Start and End bound the booking; providers add their own margins.
	Start, End time.Time
	// Host is the booker: the moderator of the room.
	Host Person
	// Lang is the booking's language ("fr" or "en").
	Lang string
}

// Person is someone who joins a room.
type Person struct{ Name, Email string }

// Room is what the accept mail and the agenda show.
type Room struct {
	Provider string
	// ID names the room for Close and Live.
	ID string
	// JoinURL is the guests' link.
	JoinURL string
	// HostURL is the booker's link, as moderator; it may equal JoinURL.
	HostURL  string
	Passcode string
	// ValidFrom and ValidUntil bound the links' validity, margins included.
	ValidFrom, ValidUntil time.Time
}
