package zoomapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// WebhookOptions configure NewWebhookHandler. Secret and OnEvent are
// required.
type WebhookOptions struct {
	// Secret is the app's webhook secret token.
	Secret Secret
	// OnEvent receives every verified event but the URL validation. Zoom
	// waits three seconds for an answer and sends again after a failure,
	// so OnEvent should only record the event durably and return; an
	// error answers 500.
	OnEvent func(ctx context.Context, e *Event) error
	Logger  *slog.Logger
	Now     func() time.Time
	// MaxSkew is how old (or early) a request may be; DefaultMaxSkew.
	MaxSkew time.Duration
	// MaxBody bounds a request body; default 1 MiB.
	MaxBody int64
	// MaxRemembered bounds the requests remembered to refuse their
	// replays; DefaultMaxRemembered.
	MaxRemembered int
	// LogEvery is how often each kind of refusal is logged, the others
	// being counted in the next line; one minute by default.
	LogEvery time.Duration
}

type webhookHandler struct {
	o    WebhookOptions
	seen *seenRequests
	warn *logLimiter
}

// NewWebhookHandler returns the handler of Zoom's event notifications: it
// accepts only POST, verifies x-zm-signature and the timestamp, answers the
// endpoint.url_validation challenge and hands other events to OnEvent.
// Refusals say nothing of why to the caller; the log says it, one line per
// kind of refusal and LogEvery at most.
//
// A request is handled once: its signature is remembered until its
// timestamp is too old to be accepted, and the same request sent again
// meanwhile (an attacker's replay, or Zoom's own second delivery) is
// answered 200 without reaching OnEvent, so that Zoom does not send it
// again (Zoom retries what is not answered 2xx within three seconds). A
// request whose OnEvent failed is forgotten, for Zoom to send it again.
// The memory is the process's: with several instances, each remembers
// what it received.
func NewWebhookHandler(o WebhookOptions) (http.Handler, error) {
	if o.Secret == "" || o.OnEvent == nil {
		return nil, errors.New("zoom webhook: a secret token and an OnEvent callback are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = DefaultMaxSkew
	}
	if o.MaxRemembered <= 0 {
		o.MaxRemembered = DefaultMaxRemembered
	}
	if o.LogEvery <= 0 {
		o.LogEvery = time.Minute
	}
	return &webhookHandler{o: o, seen: &seenRequests{max: o.MaxRemembered, until: map[string]time.Time{}},
		warn: &logLimiter{log: o.Logger, period: o.LogEvery, reasons: map[string]*logCount{}}}, nil
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.o.MaxBody))
	// The clock is read once the body is in: a request sent slowly is as
	// old as its end, and cannot outlive the memory of its first copy.
	now := h.o.Now()
	if err != nil {
		h.warn.warn(now, "zoom webhook refused", "body too large or unreadable", "remote", r.RemoteAddr)
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := VerifyWebhook(h.o.Secret, r.Header, body, now, h.o.MaxSkew); err != nil {
		h.warn.warn(now, "zoom webhook refused", err.Error(), "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	sig := r.Header.Get(SignatureHeader)
	sent, _ := parseTimestamp(r.Header.Get(TimestampHeader)) // VerifyWebhook read it
	switch h.seen.claim(sig, sent.Add(h.o.MaxSkew), now) {
	case seenReplay:
		h.warn.warn(now, "zoom webhook refused", "replayed: this signed request was received already", "remote", r.RemoteAddr)
		writeJSON(w, struct{}{}) // 2xx: Zoom must not send it again
		return
	case seenFull:
		h.warn.warn(now, "zoom webhook refused", "too many requests within their validity to remember them", "remote", r.RemoteAddr)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	if !h.handle(w, r, body, now) {
		h.seen.release(sig)
	}
}

// handle answers a verified request; false when its event was not
// recorded and Zoom should send it again.
func (h *webhookHandler) handle(w http.ResponseWriter, r *http.Request, body []byte, now time.Time) bool {
	e, err := ParseEvent(body)
	if err != nil {
		h.warn.warn(now, "zoom webhook refused", "not a Zoom event", "err", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return true
	}
	if e.Name == EventURLValidation {
		h.answerValidation(w, e, now)
		return true
	}
	return h.deliver(w, r, e)
}

func (h *webhookHandler) answerValidation(w http.ResponseWriter, e *Event, now time.Time) {
	plain, err := e.PlainToken()
	if err != nil {
		h.warn.warn(now, "zoom webhook refused", err.Error())
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	h.o.Logger.Info("zoom webhook: URL validation answered")
	writeJSON(w, ValidateURL(h.o.Secret, plain))
}

// deliver calls OnEvent, turning a panic into a 500 so that Zoom sends the
// event again; false then.
func (h *webhookHandler) deliver(w http.ResponseWriter, r *http.Request, e *Event) bool {
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = errors.New("the event callback panicked")
			}
		}()
		return h.o.OnEvent(r.Context(), e)
	}()
	if err != nil {
		h.o.Logger.Error("zoom webhook: event not recorded", "event", e.Name, "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return false
	}
	h.o.Logger.Debug("zoom webhook: event received", "event", e.Name)
	writeJSON(w, struct{}{})
	return true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
