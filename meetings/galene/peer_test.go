package galene_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/meetings/galene"
	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
)

// peer returns a provider talking to h instead of the fake.
func peer(t *testing.T, h http.HandlerFunc) *galene.Provider {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	p, err := galene.New(galene.Config{URL: s.URL, AdminUser: "admin", AdminPassword: password}, galene.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAnswerSizeIsBounded(t *testing.T) {
	p := peer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusCreated)
			return
		}
		_, _ = w.Write([]byte(`["` + strings.Repeat("a", 100<<10) + `"]`))
	})
	if _, err := p.Open(t.Context(), spec); !errors.Is(err, vtool.ErrTooLarge) || !errors.Is(err, galene.ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
}

func TestCancelledCall(t *testing.T) {
	arrived := make(chan struct{}, 1)
	p := peer(t, func(_ http.ResponseWriter, r *http.Request) {
		// Read the body: net/http watches for the client's going away
		// only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	if _, err := p.Open(ctx, spec); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestUnexpectedAnswers(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"token list not JSON": func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				w.WriteHeader(http.StatusCreated)
				return
			}
			_, _ = w.Write([]byte("<html>"))
		},
		"token name with a slash": func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				w.WriteHeader(http.StatusCreated)
				return
			}
			_, _ = w.Write([]byte(`["../../x"]`))
		},
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
		},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := peer(t, h).Open(t.Context(), spec); !errors.Is(err, galene.ErrUnavailable) {
				t.Fatalf("got %v", err)
			}
		})
	}
}
