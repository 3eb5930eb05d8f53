package mailbox

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWebhookPost(t *testing.T) {
	const secret = "hooks/s3cr3t-t0ken"
	tests := []struct {
		name      string
		status    int
		wantErr   bool
		permanent bool
	}{
		{"ok", http.StatusOK, false, false},
		{"created", http.StatusCreated, false, false},
		{"bad request", http.StatusBadRequest, true, true},
		{"unknown hook", http.StatusNotFound, true, true},
		{"rate limited", http.StatusTooManyRequests, true, false},
		{"server error", http.StatusBadGateway, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got, ctype string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got, ctype = string(b), r.Header.Get("Content-Type")
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			w, err := NewWebhook(WebhookOptions{URL: srv.URL + "/" + secret})
			if err != nil {
				t.Fatal(err)
			}
			err = w.Post(context.Background(), []byte(`{"text":"hi"}`))
			checkPostError(t, err, tt.wantErr, tt.permanent, secret)
			if got != `{"text":"hi"}` || ctype != "application/json" {
				t.Errorf("server got %q (%s)", got, ctype)
			}
		})
	}
}

func checkPostError(t *testing.T, err error, wantErr, permanent bool, secret string) {
	t.Helper()
	if (err != nil) != wantErr {
		t.Fatalf("Post: %v, want error %v", err, wantErr)
	}
	if err == nil {
		return
	}
	var pe *PostError
	if !errors.As(err, &pe) || pe.Permanent() != permanent {
		t.Errorf("error %v: permanent %v, want %v", err, pe != nil && pe.Permanent(), permanent)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the error shows the secret URL: %v", err)
	}
}

func TestWebhookDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	w, err := NewWebhook(WebhookOptions{URL: "http://" + addr + "/hooks/s3cr3t", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checkPostError(t, w.Post(context.Background(), []byte("{}")), true, false, "s3cr3t")
}

func TestNewWebhookRefuses(t *testing.T) {
	for _, u := range []string{"", "hooks/x", "http://chat.example/hooks/x", "ftp://127.0.0.1/x"} {
		if _, err := NewWebhook(WebhookOptions{URL: u}); err == nil {
			t.Errorf("NewWebhook(%q) accepted", u)
		} else if u != "" && strings.Contains(err.Error(), "hooks/x") {
			t.Errorf("error shows the URL: %v", err)
		}
	}
}

func TestDirSenderPost(t *testing.T) {
	d := NewDirSender(t.TempDir())
	ctx := context.Background()
	if err := d.Send(ctx, "a@x.example", []string{"b@x.example"}, []byte("m\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := d.Post(ctx, []byte(`{"text":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if err := d.Send(ctx, "a@x.example", []string{"c@x.example"}, []byte("m\r\n")); err != nil {
		t.Fatal(err)
	}
	names, err := filepathGlob(d.dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "0001-b@x.example.eml 0002-webhook.json 0003-c@x.example.eml"
	if strings.Join(names, " ") != want {
		t.Errorf("files %v, want %s", names, want)
	}
}

// filepathGlob lists the outbox files of dir, sorted.
func filepathGlob(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "0*"))
	for i := range paths {
		paths[i] = filepath.Base(paths[i])
	}
	return paths, err
}
