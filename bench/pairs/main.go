// Command pairs times two commands in interleaved pairs and prints the
// median of the per-pair ratios, so that load from other jobs on a shared
// machine, which drifts over seconds, hits both sides of each ratio alike.
//
//	pairs [-n PAIRS] [-in FILE] [-out FILE] -- COMMAND_A ARGS... -- COMMAND_B ARGS...
//
// Each pair runs A and B back to back, alternating which goes first. Standard
// output goes to -out (default /dev/null), standard input comes from -in
// (default /dev/null). The output is one line of numbers:
//
//	wallA cpuA rssA_KB wallB cpuB rssB_KB wallRatio cpuRatio load1
//
// where wallA, cpuA (user+system) and wallB, cpuB are medians in seconds,
// rssA and rssB the largest peak RSS of any run, the ratios the medians of
// the per-pair A/B ratios, and load1 the one-minute load average before
// the first run.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

type sample struct{ wall, cpu, rss float64 }

func run(argv []string, in, out string) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	stdin, err := os.Open(in)
	if err != nil {
		return sample{}, err
	}
	defer stdin.Close()
	stdout, err := os.Create(out)
	if err != nil {
		return sample{}, err
	}
	defer stdout.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%s: %v", strings.Join(argv, " "), err)
	}
	wall := time.Since(start).Seconds()
	ps := cmd.ProcessState
	ru := ps.SysUsage().(*syscall.Rusage)
	return sample{wall, (ps.UserTime() + ps.SystemTime()).Seconds(), float64(ru.Maxrss)}, nil
}

func median(x []float64) float64 {
	x = slices.Clone(x)
	slices.Sort(x)
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}

func main() {
	n := flag.Int("n", 11, "number of pairs")
	in := flag.String("in", os.DevNull, "standard input of every run")
	out := flag.String("out", os.DevNull, "standard output of every run")
	flag.Parse()
	args := flag.Args() // the flag package drops the first "--"
	i := slices.Index(args, "--")
	if i < 1 || i+1 >= len(args) {
		fmt.Fprintln(os.Stderr, "usage: pairs [-n PAIRS] [-in FILE] [-out FILE] -- A... -- B...")
		os.Exit(2)
	}
	a, b := args[:i], args[i+1:]
	load := "?"
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Fields(string(l))[0]
	}
	var wa, ca, wb, cb, wr, cr []float64
	var ra, rb float64
	for k := 0; k < *n; k++ {
		var sa, sb sample
		var err error
		first, second := &sa, &sb
		fa, fb := a, b
		if k%2 == 1 {
			first, second, fa, fb = &sb, &sa, b, a
		}
		if *first, err = run(fa, *in, *out); err == nil {
			*second, err = run(fb, *in, *out)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "pairs:", err)
			os.Exit(1)
		}
		wa, ca, wb, cb = append(wa, sa.wall), append(ca, sa.cpu), append(wb, sb.wall), append(cb, sb.cpu)
		wr, cr = append(wr, sa.wall/sb.wall), append(cr, sa.cpu/max(sb.cpu, 1e-6))
		ra, rb = max(ra, sa.rss), max(rb, sb.rss)
	}
	fmt.Printf("%.4f %.4f %.0f %.4f %.4f %.0f %.3f %.3f %s\n", median(wa), median(ca), ra, median(wb), median(cb), rb, median(wr), median(cr), load)
}
