// Package web is the HTTP side of "netcalc serve": the embedded page
// (static/: hand-written HTML, CSS and JavaScript, no build step) and a
// handler that serves it with the JSON API under /api/. The API functions
// come from the caller (internal/cli), so that every answer is made by the
// same code as the CLI's -o json output. Nothing here touches the network
// or the file system for a request: the page is compiled in, and the API
// functions are pure computations.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

//go:embed static
var static embed.FS

// Result is what an API function answers: the bytes the CLI would write on
// standard output, what it would write on standard error, and its exit
// status (0, 1 or 2).
type Result struct {
	Body        []byte
	ContentType string // default application/x-ndjson (JSON Lines)
	Stderr      string
	Exit        int
}

// API answers one request: its query parameters and, for a POST, its body
// (at most MaxBody bytes; nil for a GET). It must not do I/O.
type API func(ctx context.Context, q url.Values, body []byte) Result

// Limits of every request.
const (
	MaxBody     = 64 << 10 // bytes of a request body
	MaxURL      = 8 << 10  // bytes of a request URL (path and query)
	MaxHeader   = 16 << 10 // bytes of the request headers
	Deadline    = 2 * time.Second
	maxStderrHd = 4 << 10 // bytes of the Netcalc-Stderr header
)

// CSP is the Content-Security-Policy of every response: the page's own
// script and style files, fetches to itself, nothing else (no inline
// script or style, no frames, no forms posting elsewhere).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type asset struct {
	body        []byte
	ctype, etag string
}

// Handler serves the page and the API.
type Handler struct {
	apis   map[string]API
	assets map[string]asset
	hosts  map[string]bool // allowed Host headers; nil allows any
}

// New returns the handler for apis (name -> function, served at /api/NAME).
// allowedHosts, when not empty, are the only Host header values accepted
// (the defence against DNS rebinding of a loopback server).
func New(apis map[string]API, allowedHosts []string) *Handler {
	h := &Handler{apis: apis, assets: map[string]asset{}}
	if len(allowedHosts) > 0 {
		h.hosts = map[string]bool{}
		for _, a := range allowedHosts {
			h.hosts[strings.ToLower(a)] = true
		}
	}
	_ = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) { // the machine's mime.types must not change these
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".html":
			ct = "text/html; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		case ".yaml":
			ct = "text/yaml; charset=utf-8"
		}
		h.assets["/"+strings.TrimPrefix(p, "static/")] = asset{b, ct, `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	h.assets["/"] = h.assets["/index.html"]
	return h
}

// ExampleFile returns the embedded copy of examples/topo/NAME (the topology
// view's examples, and the Services file the k8s example names).
func ExampleFile(name string) ([]byte, bool) {
	b, err := static.ReadFile("static/examples/" + name)
	return b, err == nil
}

// LoopbackHosts lists the Host header values a browser sends to a server
// listening on addr (host:port) when addr is a loopback address: the
// address itself, localhost and the other loopback literal. For any other
// address it returns nil (any Host accepted).
func LoopbackHosts(addr string) []string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	return []string{net.JoinHostPort(host, port), "localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port}
}

// IsLoopback reports whether a --listen address binds only loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Server returns an *http.Server for h on addr with every limit set.
func Server(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    MaxHeader,
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	if h.hosts != nil && !h.hosts[strings.ToLower(r.Host)] {
		httpError(w, http.StatusMisdirectedRequest, "netcalc: host "+strconv.Quote(r.Host)+" is not this server's loopback address")
		return
	}
	if len(r.URL.RawQuery)+len(r.URL.Path) > MaxURL {
		httpError(w, http.StatusRequestURITooLong, "netcalc: the request URL is longer than "+strconv.Itoa(MaxURL)+" bytes")
		return
	}
	isAPI := strings.HasPrefix(r.URL.Path, "/api/")
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !(isAPI && r.Method == http.MethodPost) {
		if isAPI {
			hd.Set("Allow", "GET, HEAD, POST")
		} else {
			hd.Set("Allow", "GET, HEAD")
		}
		httpError(w, http.StatusMethodNotAllowed, "netcalc: "+r.Method+" is not served here, want GET")
		return
	}
	if r.ContentLength > MaxBody {
		httpError(w, http.StatusRequestEntityTooLarge, "netcalc: the request body is longer than "+strconv.Itoa(MaxBody)+" bytes")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if name, ok := strings.CutPrefix(r.URL.Path, "/api/"); ok {
		h.serveAPI(w, r, name)
		return
	}
	a, ok := h.assets[r.URL.Path]
	if !ok {
		httpError(w, http.StatusNotFound, "netcalc: no page "+strconv.Quote(r.URL.Path)+" here")
		return
	}
	hd.Set("Content-Type", a.ctype)
	hd.Set("ETag", a.etag)
	hd.Set("Cache-Control", "no-cache")
	if match := r.Header.Get("If-None-Match"); match == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(a.body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(a.body)
}

// serveAPI answers /api/NAME: the body is what the CLI prints on standard
// output, the header Netcalc-Exit its exit status and Netcalc-Stderr what it
// prints on standard error (percent-encoded UTF-8, lines joined by "\n").
// Exit 0 and 1 are 200 OK (1 is "no" or a failed plan, an answer too),
// exit 2 (bad input) is 400.
func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request, name string) {
	api, ok := h.apis[name]
	if !ok {
		httpError(w, http.StatusNotFound, "netcalc: no API "+strconv.Quote(name)+"; there are "+strings.Join(h.apiNames(), ", "))
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		httpError(w, http.StatusBadRequest, "netcalc: the query string is not valid: "+err.Error())
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		if body, err = io.ReadAll(r.Body); err != nil {
			httpError(w, http.StatusRequestEntityTooLarge, "netcalc: the request body is longer than "+strconv.Itoa(MaxBody)+" bytes")
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), Deadline)
	defer cancel()
	done := make(chan Result, 1)
	go func() { done <- api(ctx, q, body) }()
	var res Result
	select {
	case res = <-done:
	case <-ctx.Done():
		httpError(w, http.StatusServiceUnavailable, "netcalc: the computation took longer than "+Deadline.String())
		return
	}
	hd := w.Header()
	ct := res.ContentType
	if ct == "" {
		ct = "application/x-ndjson; charset=utf-8"
	}
	hd.Set("Content-Type", ct)
	hd.Set("Cache-Control", "no-store")
	hd.Set("Netcalc-Exit", strconv.Itoa(res.Exit))
	if res.Stderr != "" {
		msg := strings.TrimRight(res.Stderr, "\n")
		enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
		e := enc(msg)
		if len(e) > maxStderrHd {
			// a byte takes at most 3 characters; cut at a whole character
			// so that decodeURIComponent still decodes it
			msg = msg[:maxStderrHd/3]
			for !utf8.ValidString(msg) {
				msg = msg[:len(msg)-1]
			}
			e = enc(msg)
		}
		hd.Set("Netcalc-Stderr", e)
	}
	hd.Set("Content-Length", strconv.Itoa(len(res.Body)))
	if res.Exit == 2 {
		w.WriteHeader(http.StatusBadRequest)
	}
	if r.Method != http.MethodHead {
		w.Write(res.Body)
	}
}

func (h *Handler) apiNames() []string {
	var n []string
	for k := range h.apis {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write([]byte(msg + "\n"))
}
