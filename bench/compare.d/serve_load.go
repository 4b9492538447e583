//go:build ignore

// serve_load is the fixed-rate load generator of bench/compare.d/serve.sh:
// it sends GET requests to one URL at a constant rate (open loop, as wrk2
// does; Debian has only wrk, which measures at saturation) and prints the
// achieved rate and the latency percentiles. Latency counts from the time a
// request was due, not from when it was sent, so a server that falls behind
// is not flattered (no coordinated omission). Every answer must equal the
// file given with -want.
//
//	go run bench/compare.d/serve_load.go -url URL -rate 5000 -d 10s -want FILE
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "", "URL to GET")
	rate := flag.Int("rate", 5000, "requests per second")
	dur := flag.Duration("d", 10*time.Second, "how long to send")
	conns := flag.Int("c", 64, "connections (workers)")
	wantFile := flag.String("want", "", "file every answer must equal")
	flag.Parse()
	var want []byte
	if *wantFile != "" {
		var err error
		if want, err = os.ReadFile(*wantFile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}, Timeout: 5 * time.Second}
	due := make(chan time.Time, *rate)
	var mu sync.Mutex
	var lat []time.Duration
	errs, wrong := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			e, w := 0, 0
			for t := range due {
				resp, err := client.Get(*url)
				if err != nil {
					e++
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t))
				if resp.StatusCode != 200 || (want != nil && !bytes.Equal(b, want)) {
					w++
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += e
			wrong += w
			mu.Unlock()
		}()
	}
	start := time.Now()
	interval := time.Second / time.Duration(*rate)
	n := int(dur.Seconds() * float64(*rate))
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(i) * interval)
		if d := time.Until(t); d > 0 {
			time.Sleep(d)
		}
		due <- t
	}
	close(due)
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	p := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(q*float64(len(lat))))]
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
	fmt.Printf("%d requests in %.1fs: %.0f requests/s (target %d), p50 %s, p90 %s, p99 %s, max %s, %d errors, %d wrong answers\n",
		len(lat), elapsed.Seconds(), float64(len(lat))/elapsed.Seconds(), *rate, ms(p(.5)), ms(p(.9)), ms(p(.99)), ms(p(1)), errs, wrong)
	if errs > 0 || wrong > 0 {
		os.Exit(1)
	}
}
