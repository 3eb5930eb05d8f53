package chat

import (
	"context"
	"errors"
	"time"
)

// Slot is a time range, in the cooperative's zone when shown.
type Slot struct {
	Start, End time.Time
}

// Booking is one of a member's bookings as chat shows it.
type Booking struct {
	ID    int64 // what `/zoom annuler N` names
	Slot  Slot
	Title string
}

// Outcome statuses of Booker.Book.
const (
	Accepted = "accepted" // booked: the member gets the room's invitation
	Waiting  = "waiting"  // the slot is taken; the request waits
	Pending  = "pending"  // a facilitator must approve
	Declined = "declined" // refused; Outcome.Reason says why
)

// BookRequest is a booking asked for in chat.
type BookRequest struct {
	Member string // the linked member address: the organizer
	Slot   Slot
	Title  string
	Lang   string // the member's language, for Reason and the invitation
	// Via names where the request came from, for the audit log:
	// "mattermost user 8x3…".
	Via string
}

// Outcome is the decision on a BookRequest.
type Outcome struct {
	Status  string  // Accepted, Waiting, Pending or Declined
	Booking Booking // the booking made or asked for
	Reason  string  // why it was declined, in the request's language
}

// Booker is what chat needs of roomgate's decisions. Its implementation
// decides a chat request exactly as a mail: same policies, quotas, waiting
// list, approval and audit, and a booking accepted in chat reaches the
// member's calendar as an invitation from the room (iTIP REQUEST), so the
// calendar stays the one truth.
type Booker interface {
	// FreeSlots lists the free slots that start before to and end after
	// from, within the room's ordinary hours.
	FreeSlots(ctx context.Context, from, to time.Time) ([]Slot, error)
	// Book decides a request. It returns ErrNotMember when the policy
	// does not let r.Member book at all; other refusals are an Outcome
	// with Status Declined.
	Book(ctx context.Context, r BookRequest) (Outcome, error)
	// Bookings lists the member's bookings that end after from, in start
	// order.
	Bookings(ctx context.Context, member string, from time.Time) ([]Booking, error)
	// Cancel cancels one of the member's bookings. It returns
	// ErrNoBooking when the member has no booking with that ID, and
	// ErrNotMember as Book does.
	Cancel(ctx context.Context, member string, id int64, via string) error
	// IsMember reports whether the policy lets address book: link mails
	// go only to such addresses, so chat never mails strangers.
	IsMember(ctx context.Context, address string) (bool, error)
}

// Errors of Booker.
var (
	ErrNotMember = errors.New("this address may not book the room")
	ErrNoBooking = errors.New("no such booking of this member")
)
