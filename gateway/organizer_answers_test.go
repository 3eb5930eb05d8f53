package gateway_test

import (
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// thunderbirdDeclineCounter is bob's "Decline counter" in Thunderbird,
// written after what its calItipUtils sends (sendDeclineCounterMessage
// mails the organizer's own copy of the event): METHOD:DECLINECOUNTER,
// the Mozilla PRODID, the event with its VTIMEZONE, UID and SEQUENCE of
// the meeting, a new DTSTAMP, the ORGANIZER and every ATTENDEE (RFC 5546
// §3.2.8), Thunderbird's CREATED, LAST-MODIFIED and X-MOZ lines.
func thunderbirdDeclineCounter(from string) invite {
	iv := meeting("DECLINECOUNTER", "tb-1", bob, 0, tomorrow(10, 30), tomorrow(11, 30))
	iv.ProdID = thunderbirdProdID
	iv.From = from
	iv.Events[0].Paris = true
	iv.Events[0].Stamp = t0.Add(2 * time.Minute)
	iv.Events[0].Lines = []string{"CREATED:20261130T075500Z", "LAST-MODIFIED:20261130T080200Z",
		"X-MOZ-SEND-INVITATIONS:TRUE", "X-MOZ-SEND-INVITATIONS-UNDISCLOSED:FALSE"}
	return iv
}

// counterHeld books alice's 10:00–11:00, then bob's Thunderbird request
// for 10:30 is declined with a COUNTER that holds 11:15–12:15.
func counterHeld(t *testing.T, edit ...func(*gateway.Options)) *harness {
	t.Helper()
	h := newHarness(t, append([]func(*gateway.Options){counterOn}, edit...)...)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(bobAsks(thunderbirdProdID, 0).bytes())
	if s := h.booking("tb-1", "hold").Status; s != gateway.StatusHeld {
		t.Fatalf("the proposal is %s, want held", s)
	}
	return h
}

// TestDeclineCounterAuthenticated: with authentic mail required, the
// organizer's own DECLINECOUNTER releases the proposal (it was rejected
// as "From is not exactly one valid address" and alerted as a forgery);
// one its organizer did not send is rejected and alerted, and the slot
// stays held.
func TestDeclineCounterAuthenticated(t *testing.T) {
	tests := []struct {
		name     string
		from     string
		auth     string // the Authentication-Results field, "" a DMARC pass
		released bool
		reason   string
	}{
		{"the organizer", bob, "", true, "the organizer declined the proposal: 1 slot(s) released"},
		{"a trusted calendar server", "noreply@cloud.coop.example", "", true, "1 slot(s) released"},
		{"an outsider", mallory, "", false, "the sender mallory@evil.example is neither the organizer bob@coop.example"},
		{"another member", carol, "", false, "the sender carol@coop.example is neither the organizer bob@coop.example"},
		{"the organizer, DMARC fail", bob, mx + "; dmarc=fail header.from=coop.example", false, "not authenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := counterHeld(t, securityOptions)
			n := len(h.st.outbox())
			dc := thunderbirdDeclineCounter(tt.from)
			dc.AuthResults = tt.auth
			out := h.handle(dc.bytes())
			if !strings.Contains(out.Reason, tt.reason) {
				t.Errorf("reason %q, want it to say %q", out.Reason, tt.reason)
			}
			hold := h.booking("tb-1", "hold").Status
			if tt.released {
				if out.Action != gateway.ActionCancelled || out.Folder != gateway.FolderProcessed || hold != gateway.StatusCancelled {
					t.Errorf("outcome %+v, hold %s: want the proposal released", out, hold)
				}
				if q := h.queuedSince(n); len(q) != 0 {
					t.Errorf("%d mails queued for a DECLINECOUNTER, want none", len(q))
				}
				return
			}
			if out.Action != gateway.ActionRejected || out.Folder != gateway.FolderRejected || hold != gateway.StatusHeld {
				t.Errorf("outcome %+v, hold %s: want rejected and the slot still held", out, hold)
			}
			q := h.queuedSince(n)
			if len(q) != 1 || q[0].To[0] != tech {
				t.Fatalf("queued %+v, want only the alert to the facilitator", q)
			}
			r := decodeNotice(t, q[0].Raw)
			if !strings.Contains(r.Text, "a refusal of the room's counter-proposal in the\nname of bob@coop.example") {
				t.Errorf("alert:\n%s", r.Text)
			}
		})
	}
}

// TestDeclineCounterUnauthenticatedSetup: without require_authentic the
// DECLINECOUNTER is taken as before, whatever the From says of its domain.
func TestDeclineCounterUnauthenticatedSetup(t *testing.T) {
	h := counterHeld(t)
	dc := thunderbirdDeclineCounter(bob)
	dc.AuthResults = "-"
	if out := h.handle(dc.bytes()); out.Action != gateway.ActionCancelled {
		t.Errorf("DECLINECOUNTER: %+v, want the proposal released", out)
	}
}

// TestRefresh: a REFRESH (RFC 5546 §3.2.6) gets no answer and changes
// nothing; from the organizer or the attendee asking it is filed as
// processed, from anybody else as rejected, with no alert.
func TestRefresh(t *testing.T) {
	refresh := func(from, requestor string) invite {
		iv := invite{Method: "REFRESH", From: from, ProdID: thunderbirdProdID, Events: []vevent{{UID: "a-1", Seq: 0,
			Stamp: t0.Add(time.Minute), Start: tomorrow(10, 0), End: tomorrow(11, 0), Omit: []string{"DTSTART", "DTEND"},
			Lines: []string{"ORGANIZER;CN=Alice:mailto:" + alice, "ATTENDEE;CN=Requestor:mailto:" + requestor}}}}
		return iv
	}
	tests := []struct {
		name, from, requestor string
		folder                gateway.Folder
	}{
		{"the organizer", alice, carol, gateway.FolderProcessed},
		{"the attendee asking", carol, carol, gateway.FolderProcessed},
		{"an outsider in the organizer's name", mallory, carol, gateway.FolderRejected},
		{"a member for another attendee", bob, carol, gateway.FolderRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, securityOptions)
			h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
			n := len(h.st.outbox())
			out := h.handle(refresh(tt.from, tt.requestor).bytes())
			if out.Folder != tt.folder || out.UID != "a-1" {
				t.Errorf("outcome %+v, want filed in %s", out, tt.folder)
			}
			if tt.folder == gateway.FolderRejected && !strings.Contains(out.Reason, "REFRESH not accepted as alice@coop.example's mail") {
				t.Errorf("reason %q", out.Reason)
			}
			if q := h.queuedSince(n); len(q) != 0 {
				t.Errorf("%d mails queued for a REFRESH, want none", len(q))
			}
			if s := h.booking("a-1", "").Status; s != gateway.StatusAccepted {
				t.Errorf("alice's booking is %s after a REFRESH", s)
			}
		})
	}
}
