package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings/door"
	"codeberg.org/opteos/roomgate/meetings/room"
)

// doorTool is a provider behind doors for the handler tests: it records
// its calls and answers a link on the tool's server, or err.
type doorTool struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (d *doorTool) RoomID(key string) string { return "rg-" + key }
func (d *doorTool) AsksName() bool           { return true }
func (d *doorTool) Enter(_ context.Context, s room.Spec, host bool, name string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return "", d.err
	}
	role := "VIEWER"
	if host {
		role = "MODERATOR"
	}
	d.calls = append(d.calls, role+" "+name+" "+s.Title)
	return "https://bbb.coop.example/bigbluebutton/api/join?role=" + role + "&checksum=secretish", nil
}

// doorWorld is a server with one booking held on "bbb" behind doors, the
// booking's doors, the tool and a settable clock.
type doorWorld struct {
	srv        *Server
	tool       *doorTool
	store      *fakeStore
	host, gues string
	now        atomic.Int64 // Unix nanoseconds
	start      time.Time
}

func (w *doorWorld) setNow(t time.Time) { w.now.Store(t.UnixNano()) }

// setBooking edits the booking under the store's lock.
func (w *doorWorld) setBooking(f func(b *gateway.Booking)) {
	w.store.mu.Lock()
	defer w.store.mu.Unlock()
	f(&w.store.bookings[0])
}

// setErr sets the tool's answer.
func (w *doorWorld) setErr(err error) {
	w.tool.mu.Lock()
	defer w.tool.mu.Unlock()
	w.tool.err = err
}

func newDoorWorld(t *testing.T, lang string) *doorWorld {
	t.Helper()
	w := &doorWorld{tool: &doorTool{}, start: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	d, err := door.New(door.Config{Name: "bbb", PublicURL: "https://salles.coop.example", Key: door.LinkKey("bbb-shared-secret-0123456789")}, w.tool)
	if err != nil {
		t.Fatal(err)
	}
	key := "0123456789abcdef01234567"
	r, err := d.Open(context.Background(), room.Spec{Key: key, Start: w.start, End: w.start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	w.host = strings.TrimPrefix(r.HostURL, "https://salles.coop.example")
	w.gues = strings.TrimPrefix(r.JoinURL, "https://salles.coop.example")
	w.store = &fakeStore{bookings: []gateway.Booking{{ID: 7, UID: "u1", Organizer: "anne@coop.example", OrganizerName: "Anne Martin",
		Summary: "Conseil d'administration", Start: w.start, End: w.start.Add(time.Hour), Status: gateway.StatusAccepted,
		Provider: "bbb", ToolRoom: gateway.ToolRoom{ID: r.ID, JoinURL: r.JoinURL, HostURL: r.HostURL}}}}
	w.setNow(w.start.Add(-5 * time.Minute))
	w.srv = newServer(t, w.store, func(o *Options) {
		o.Lang = lang
		o.Now = func() time.Time { return time.Unix(0, w.now.Load()) }
		o.Doors = &DoorOptions{Tools: map[string]Door{"bbb": d}, Origins: map[string]string{"bbb": DoorOrigin("https://bbb.coop.example/bigbluebutton/")}}
	})
	return w
}

// TestDoor: a door redirects within its window only, to the tool's link
// as the door's role, never showing it; a guest is asked a name first;
// forged, early, late, cancelled and failing cases get their page.
func TestDoor(t *testing.T) {
	w := newDoorWorld(t, "en")
	head := httptest.NewRecorder()
	w.srv.ServeHTTP(head, httptest.NewRequest(http.MethodHead, w.host, nil))
	if head.Code != http.StatusNoContent || len(w.tool.calls) != 0 {
		t.Errorf("HEAD on a door: %d, calls %v", head.Code, w.tool.calls)
	}
	res, body := get(t, w.srv, w.host)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "role=MODERATOR") || strings.Contains(body, "checksum") {
		t.Fatalf("booker's door: %d %q %s", res.StatusCode, res.Header.Get("Location"), body)
	}
	res, body = get(t, w.srv, w.gues)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="name"`) || !strings.Contains(body, "Conseil d&#39;administration") ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "form-action 'self' https://bbb.coop.example;") {
		t.Errorf("guests' door without a name: %d %s %s", res.StatusCode, res.Header.Get("Content-Security-Policy"), body)
	}
	if res, body = get(t, w.srv, w.gues+"?name=%20x%20"); res.StatusCode != http.StatusOK || !strings.Contains(body, "at least two characters") {
		t.Errorf("a one-letter name: %d %s", res.StatusCode, body)
	}
	if res, _ = get(t, w.srv, w.gues+"?name=Chlo%C3%A9%0D%0AX"); res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "role=VIEWER") {
		t.Errorf("guests' door: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if got := strings.Join(w.tool.calls, "|"); got != "MODERATOR  Conseil d'administration|VIEWER Chloé X Conseil d'administration" {
		t.Errorf("calls %q", got)
	}
	for name, c := range map[string]struct {
		path string
		at   time.Time
		code int
		want string
		err  error
	}{
		"early":   {w.host, w.start.Add(-16 * time.Minute), http.StatusForbidden, "opens on", nil},
		"over":    {w.host, w.start.Add(time.Hour), http.StatusGone, "is over", nil},
		"forged":  {strings.Replace(w.gues, ".g.", ".h.", 1), w.start, http.StatusForbidden, "not valid", nil},
		"tool":    {"/door/jitsi/x", w.start, http.StatusNotFound, "not valid", nil},
		"failing": {w.host, w.start, http.StatusBadGateway, "does not answer", errors.New("bbb: server unavailable: create: HTTP 502")},
	} {
		w.setNow(c.at)
		w.setErr(c.err)
		res, body := get(t, w.srv, c.path)
		if res.StatusCode != c.code || !strings.Contains(body, c.want) || res.Header.Get("Location") != "" {
			t.Errorf("%s: %d %s", name, res.StatusCode, body)
		}
	}
	w.setErr(nil)
	w.setNow(w.start)
	w.setBooking(func(b *gateway.Booking) { b.Status = gateway.StatusCancelled })
	if res, body := get(t, w.srv, w.host); res.StatusCode != http.StatusGone || !strings.Contains(body, "was cancelled or moved") {
		t.Errorf("cancelled: %d %s", res.StatusCode, body)
	}
	w.setBooking(func(b *gateway.Booking) { b.Status, b.Provider = gateway.StatusAccepted, "" })
	if res, _ := get(t, w.srv, w.host); res.StatusCode != http.StatusGone {
		t.Errorf("moved back to Zoom: %d", res.StatusCode)
	}
}

// TestBrowserDoor renders the doors' pages in French and English on a
// phone: the guest's name form, early, cancelled, the tool down.
func TestBrowserDoor(t *testing.T) {
	b := needBrowser(t)
	for _, lang := range []string{"fr", "en"} {
		w := newDoorWorld(t, lang)
		srv := httptest.NewServer(w.srv)
		defer srv.Close()
		dom := shoot(t, b, "door-name-"+lang+".png", srv.URL+w.gues, 412, 700).dom()
		wantContains(t, lang+" DOM", dom, `<input id="name" name="name"`, "Conseil d'administration")
		w.setNow(w.start.Add(-2 * time.Hour))
		shoot(t, b, "door-early-"+lang+".png", srv.URL+w.host, 412, 500)
		w.setNow(w.start)
		w.setErr(errors.New("down"))
		shoot(t, b, "door-tool-"+lang+".png", srv.URL+w.host, 412, 500)
		w.setBooking(func(b *gateway.Booking) { b.Status = gateway.StatusCancelled })
		shoot(t, b, "door-gone-"+lang+".png", srv.URL+w.host, 412, 500)
	}
}
