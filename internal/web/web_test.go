package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestDeadline: an API that does not answer within Deadline gets 503, and
// its context is cancelled.
func TestDeadline(t *testing.T) {
	cancelled := make(chan bool, 1)
	h := New(map[string]API{"slow": func(ctx context.Context, q url.Values, body []byte) Result {
		<-ctx.Done()
		cancelled <- true
		return Result{}
	}}, nil)
	start := time.Now()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/slow", nil))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "longer than "+Deadline.String()) {
		t.Errorf("status %d %q, want 503", w.Code, w.Body.String())
	}
	if d := time.Since(start); d < Deadline || d > Deadline+time.Second {
		t.Errorf("answered after %v, want about %v", d, Deadline)
	}
	select {
	case <-cancelled:
	case <-time.After(time.Second):
		t.Error("the API's context was not cancelled")
	}
}

// TestStderrHeader: standard error reaches the Netcalc-Stderr header
// percent-encoded, cut at a whole escape when it is long.
func TestStderrHeader(t *testing.T) {
	long := strings.Repeat("é", 1000) // 6,000 characters encoded
	h := New(map[string]API{"x": func(ctx context.Context, q url.Values, body []byte) Result {
		return Result{Stderr: q.Get("e"), Exit: 1}
	}}, nil)
	for in, want := range map[string]string{"a b+c\n": "a%20b%2Bc", "": ""} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/x?e="+url.QueryEscape(in), nil))
		if got := w.Header().Get("Netcalc-Stderr"); got != want || w.Code != 200 || w.Header().Get("Netcalc-Exit") != "1" {
			t.Errorf("%q: header %q status %d, want %q and 200", in, got, w.Code, want)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/x?e="+url.QueryEscape(long), nil))
	got := w.Header().Get("Netcalc-Stderr")
	if len(got) > maxStderrHd {
		t.Errorf("header of %d bytes, want at most %d", len(got), maxStderrHd)
	}
	if d, err := url.PathUnescape(got); err != nil || !utf8.ValidString(d) || !strings.HasPrefix(long, d) || len(d) < 1000 || len(d)%2 != 0 {
		t.Errorf("cut header decodes to %d bytes, %v, valid UTF-8 %v; want a whole-character prefix", len(d), err, utf8.ValidString(d))
	}
}
