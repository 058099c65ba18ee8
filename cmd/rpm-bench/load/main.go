// Command load is a small closed-loop HTTP load generator, in the manner of
// `wrk -c N -d D URL` (wrk is not available here): N connections, each
// sending the next GET as soon as the answer to the last one is read, for a
// fixed time. It prints requests/s, the status codes and latency
// percentiles, and with several URLs runs them in interleaved rounds so two
// servers (say the previous and the current binary) share the machine's
// load alike:
//
//	go run ./load -c 16 -d 10s -rounds 3 URL_A URL_B
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	conns := flag.Int("c", 16, "connections (concurrent requests)")
	dur := flag.Duration("d", 10*time.Second, "duration of one round per URL")
	rounds := flag.Int("rounds", 1, "rounds; URLs alternate within each round")
	warm := flag.Duration("warmup", time.Second, "unmeasured load before each measured round")
	flag.Parse()
	urls := flag.Args()
	if len(urls) == 0 {
		fmt.Fprintln(os.Stderr, "usage: load [-c 16] [-d 10s] [-rounds 1] URL...")
		os.Exit(2)
	}
	best := make([]result, len(urls))
	for r := range *rounds {
		for i, u := range urls {
			run(u, *conns, *warm)
			res := run(u, *conns, *dur)
			fmt.Printf("round %d  %-70s %s\n", r+1, u, res)
			if res.rps() > best[i].rps() {
				best[i] = res
			}
		}
	}
	fmt.Println("\nbest round per URL:")
	for i, u := range urls {
		fmt.Printf("%-70s %s\n", u, best[i])
	}
	if len(urls) == 2 && best[0].rps() > 0 {
		fmt.Printf("ratio second/first: %.2f\n", best[1].rps()/best[0].rps())
	}
}

type result struct {
	n       int
	elapsed time.Duration
	status  map[int]int
	errs    int
	lat     []time.Duration
}

func (r result) rps() float64 {
	if r.elapsed == 0 {
		return 0
	}
	return float64(r.n) / r.elapsed.Seconds()
}

func (r result) String() string {
	slices.Sort(r.lat)
	p := func(q float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[int(q*float64(len(r.lat)-1))].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("%8.0f req/s  n=%d status=%v errors=%d  p50 %v p90 %v p99 %v",
		r.rps(), r.n, r.status, r.errs, p(0.5), p(0.9), p(0.99))
}

func run(url string, conns int, d time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	total := result{status: map[int]int{}}
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One keep-alive connection per worker, as wrk holds them.
			tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DialContext: (&net.Dialer{}).DialContext}
			cl := &http.Client{Transport: tr}
			defer tr.CloseIdleConnections()
			local := result{status: map[int]int{}}
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				req.Header.Set("Accept", "application/fhir+json")
				t0 := time.Now()
				resp, err := cl.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						local.errs++
					}
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					if ctx.Err() == nil {
						local.errs++
					}
					continue
				}
				local.n++
				local.status[resp.StatusCode]++
				local.lat = append(local.lat, time.Since(t0))
			}
			mu.Lock()
			total.n += local.n
			total.errs += local.errs
			for k, v := range local.status {
				total.status[k] += v
			}
			total.lat = append(total.lat, local.lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	return total
}
