package bbb_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func newHTTP(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}
