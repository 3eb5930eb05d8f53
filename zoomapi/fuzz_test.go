package zoomapi

import (
	"net/http"
	"testing"
	"time"
)

// FuzzVerifyWebhook feeds arbitrary headers and bodies to the signature
// check: it must never panic, and a body signed with Sign at a fresh
// timestamp must always pass.
func FuzzVerifyWebhook(f *testing.F) {
	f.Add("1767225600", "v0=477e4f24e8b2efc83dd154a8ab27d14e64a2c04eea2d4e06f4b69647f8a9b71e", []byte(`{"event":"meeting.started"}`))
	f.Add("", "", []byte{})
	f.Add("99999999999999999999", "v0=", []byte("\x00\xff"))
	f.Add("1767225600000", "v1=abc", []byte(`{}`))
	secret := Secret("R00mgateWebhookSecret")
	now := time.Unix(1767225600, 0)
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(TimestampHeader, ts)
		h.Set(SignatureHeader, sig)
		_ = VerifyWebhook(secret, h, body, now, 0)
		h.Set(TimestampHeader, "1767225600")
		h.Set(SignatureHeader, Sign(secret, "1767225600", body))
		if err := VerifyWebhook(secret, h, body, now, 0); err != nil {
			t.Fatalf("a correctly signed body was refused: %v", err)
		}
	})
}

// FuzzParseEvent feeds arbitrary bodies to the event parser and its typed
// accessors: no panic, whatever the input.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"event":"meeting.started","event_ts":1,"payload":{"account_id":"a","object":{"id":"81234567890"}}}`))
	f.Add([]byte(`{"event":"recording.completed","download_token":"t","payload":{"object":{"id":1,"recording_files":[{"recording_end":""}]}}}`))
	f.Add([]byte(`{"event":"endpoint.url_validation","payload":{"plainToken":"abc"}}`))
	f.Add([]byte(`{"event":"x","payload":{"object":{"id":-1,"start_time":"garbage"}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseEvent(body)
		if err != nil {
			return
		}
		_, _, _ = e.Meeting()
		_, _, _ = e.Recording()
		if p, err := e.PlainToken(); err == nil {
			_ = ValidateURL("s", p)
		}
		_ = e.Time()
	})
}
