package gateway_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// reminderBreaker fails or panics when rendering the reminder of the
// meeting named "Meeting boom"; every other mail renders.
type reminderBreaker struct {
	gateway.Renderer
	panics bool
}

func (r reminderBreaker) Render(lang, name string, data any) (gateway.Rendered, error) {
	if v, ok := data.(gateway.MailView); ok && name == gateway.TmplReminder && v.Summary == "Meeting boom" {
		if r.panics {
			panic("template exploded")
		}
		return gateway.Rendered{}, errors.New("template: no such field")
	}
	return r.Renderer.Render(lang, name, data)
}

// A reminder that does not render holds back no other: the others are
// queued and marked, and it is tried again at the next round.
func TestReminderRenderFailure(t *testing.T) {
	for _, panics := range []bool{false, true} {
		name := map[bool]string{false: "error", true: "panic"}[panics]
		t.Run(name, func(t *testing.T) {
			early := func(o *gateway.Options) { relayOptions(o); o.Relay.ReminderBefore = 2 * time.Hour }
			h := newHarness(t, early)
			h.book("boom", alice, 0, tomorrow(10, 0), tomorrow(10, 30))
			h.book("r-bob", bob, 0, tomorrow(11, 0), tomorrow(11, 30))
			h.setNow(tomorrow(9, 30))
			broken := h.restart(early, func(o *gateway.Options) {
				o.Renderer = reminderBreaker{Renderer: o.Renderer, panics: panics}
			})
			got := subjects(broken.remind())
			if len(got) != 1 || !strings.HasPrefix(got[0], bob+": ") || !strings.Contains(got[0], "r-bob") {
				t.Fatalf("with one reminder broken, queued %q, want Bob's reminder alone", got)
			}
			fixed := h.restart(early)
			got = subjects(fixed.remind())
			if len(got) != 1 || !strings.HasPrefix(got[0], alice+": ") || !strings.Contains(got[0], "boom") {
				t.Fatalf("once it renders, queued %q, want Alice's reminder, tried again", got)
			}
		})
	}
}
