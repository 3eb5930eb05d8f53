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
}

type webhookHandler struct{ o WebhookOptions }

// NewWebhookHandler returns the handler of Zoom's event notifications: it
// accepts only POST, verifies x-zm-signature and the timestamp, answers the
// endpoint.url_validation challenge and hands other events to OnEvent.
// Refusals say nothing of why to the caller; the log says it.
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
	return &webhookHandler{o: o}, nil
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.o.MaxBody))
	if err != nil {
		h.o.Logger.Warn("zoom webhook refused", "reason", "body too large or unreadable")
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := VerifyWebhook(h.o.Secret, r.Header, body, h.o.Now(), h.o.MaxSkew); err != nil {
		h.o.Logger.Warn("zoom webhook refused", "reason", err.Error(), "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	e, err := ParseEvent(body)
	if err != nil {
		h.o.Logger.Warn("zoom webhook refused", "reason", err.Error())
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if e.Name == EventURLValidation {
		h.answerValidation(w, e)
		return
	}
	h.deliver(w, r, e)
}

func (h *webhookHandler) answerValidation(w http.ResponseWriter, e *Event) {
	plain, err := e.PlainToken()
	if err != nil {
		h.o.Logger.Warn("zoom webhook refused", "reason", err.Error())
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	h.o.Logger.Info("zoom webhook: URL validation answered")
	writeJSON(w, ValidateURL(h.o.Secret, plain))
}

// deliver calls OnEvent, turning a panic into a 500 so that Zoom sends the
// event again.
func (h *webhookHandler) deliver(w http.ResponseWriter, r *http.Request, e *Event) {
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
		return
	}
	h.o.Logger.Debug("zoom webhook: event received", "event", e.Name)
	writeJSON(w, struct{}{})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
