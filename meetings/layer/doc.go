// Package layer is the meeting layer of Zoom API mode: what happens to a
// booking's own meeting once the gateway decided the booking.
//
// Package gateway keeps the message loop and the booking decisions. It
// tells the layer what a decision did through its MeetingHooks, inside
// the decision's own transaction: a booking saved (the layer queues the
// sync job that creates, moves or deletes its meeting), an accept mail
// queued (the layer holds it until the meeting's link exists), a
// reminder written (the layer gives the meeting's own link). The layer
// acts back only through the small surface gateway exports for it
// (gateway.MeetingEnv, BookingView, QueueNotice, ReleaseBooking…): it
// composes no mail itself, and a no-show release, which frees a slot and
// lets the waiting list take it, stays a decision of the gateway.
//
// What lives here: the durable jobs and their runner (sync, release,
// recordings, attendance; run.go, sync.go), the held accept mails
// (held.go), the watch of live meetings with the no-show release and the
// overrun (watch.go, release.go), the copies of recordings and the
// attendance report (record.go, attend.go), the alerts about the account
// (alert.go), start links (start.go) and the views the mails show
// (view.go). The provider is any value of package meetings' capabilities
// (meetings/zoom for Zoom's API); the store is the gateway's, whose
// transactions keep the layer's rows (gateway.Tx.Meetings), plus Store
// outside the decisions.
//
// The name: package meetings is the provider-neutral vocabulary of the
// meeting layer; this package is the layer itself, the one piece that
// knows both the bookings (gateway) and the meetings.
//
// cmd/roomgate wires it: New, given the gateway, as
// gateway.Options.Meetings; Run among the daemon's loops; StartURL and
// HandleEvent for the web server.
package layer
