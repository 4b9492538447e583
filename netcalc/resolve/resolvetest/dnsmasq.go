package resolvetest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Dnsmasq is a dnsmasq process started by StartDnsmasq.
type Dnsmasq struct {
	// Addr is where it listens (UDP and TCP on 127.0.0.1).
	Addr netip.AddrPort

	mu  sync.Mutex
	log bytes.Buffer
}

// StartDnsmasq starts dnsmasq in the foreground on 127.0.0.1 at a free
// port with the configuration file conf (loaded instead of the system's
// /etc/dnsmasq.conf), no upstream (--no-resolv), no /etc/hosts
// (--no-hosts), and query logging to its standard error. It waits until
// dnsmasq answers and kills it when the test ends. The test is skipped
// when dnsmasq is not installed (Debian package dnsmasq-base).
func StartDnsmasq(t testing.TB, conf string) *Dnsmasq {
	t.Helper()
	d, _ := startDnsmasq(t, conf, func() netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(freePort(t)))
	}, 10)
	return d
}

// StartDnsmasqAt is StartDnsmasq listening on addr (a loopback address and
// port, such as 127.53.7.1:53, for a C library that can only ask port 53)
// with extra command-line options. It returns nil, without failing the
// test, when the address is in use, so that the caller can pick another.
func StartDnsmasqAt(t testing.TB, conf string, addr netip.AddrPort, extra ...string) *Dnsmasq {
	t.Helper()
	if !addr.Addr().IsLoopback() {
		t.Fatalf("StartDnsmasqAt: %s is not a loopback address", addr)
	}
	d, inUse := startDnsmasq(t, conf, func() netip.AddrPort { return addr }, 1, extra...)
	if inUse {
		return nil
	}
	return d
}

func startDnsmasq(t testing.TB, conf string, pick func() netip.AddrPort, tries int, extra ...string) (*Dnsmasq, bool) {
	t.Helper()
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		t.Skip("dnsmasq not installed (Debian: apt-get install dnsmasq-base); skipping the integration test")
	}
	conf, err = filepath.Abs(conf)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for try := 0; try < tries; try++ {
		d := &Dnsmasq{Addr: pick()}
		args := []string{
			"--keep-in-foreground",
			"--conf-file=" + conf,
			"--no-resolv", "--no-hosts", "--no-poll",
			"--port=" + strconv.Itoa(int(d.Addr.Port())),
			"--listen-address=" + d.Addr.Addr().String(), "--bind-interfaces",
			"--pid-file=" + filepath.Join(dir, "dnsmasq.pid"),
			"--log-queries", "--log-facility=-",
		}
		if os.Geteuid() == 0 {
			args = append(args, "--user=root", "--group=root")
		}
		args = append(args, extra...)
		cmd := exec.Command(bin, args...)
		cmd.Stdout = &logWriter{d: d}
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting dnsmasq: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if d.waitReady(exited) {
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return d, false
		}
		cmd.Process.Kill()
		<-exited
		if !strings.Contains(d.Log(), "Address already in use") {
			t.Fatalf("dnsmasq did not start:\n%s", d.Log())
		}
	}
	if tries == 1 {
		return nil, true
	}
	t.Fatalf("dnsmasq: no free port after %d tries", tries)
	return nil, true
}

type logWriter struct{ d *Dnsmasq }

func (w *logWriter) Write(p []byte) (int, error) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	return w.d.log.Write(p)
}

// Log returns what dnsmasq has written so far.
func (d *Dnsmasq) Log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

var queryLine = regexp.MustCompile(`query\[(\w+)\] (\S+) from`)

// Queries returns the queries dnsmasq has logged so far, as "TYPE NAME"
// (dnsmasq writes names without the trailing dot), leaving out the ". SOA"
// probes StartDnsmasq sends to see whether it is up.
func (d *Dnsmasq) Queries() []string {
	var out []string
	for _, m := range queryLine.FindAllStringSubmatch(d.Log(), -1) {
		if m[1] == "SOA" && m[2] == "." {
			continue
		}
		out = append(out, m[1]+" "+m[2])
	}
	return out
}

// WaitQueries waits up to a second until at least n queries are logged
// (dnsmasq logs asynchronously) and returns them.
func (d *Dnsmasq) WaitQueries(n int) []string {
	deadline := time.Now().Add(time.Second)
	for {
		q := d.Queries()
		if len(q) >= n || time.Now().After(deadline) {
			return q
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitReady sends a DNS query until dnsmasq answers, or it exits.
func (d *Dnsmasq) waitReady(exited chan error) bool {
	// A minimal query for ". SOA", ID 0x4e43.
	q := []byte{0x4e, 0x43, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		select {
		case err := <-exited:
			exited <- err
			return false
		default:
		}
		c, err := net.Dial("udp", d.Addr.String())
		if err == nil {
			c.SetDeadline(time.Now().Add(100 * time.Millisecond))
			c.Write(q)
			buf := make([]byte, 512)
			n, err := c.Read(buf)
			c.Close()
			if err == nil && n >= 2 && buf[0] == 0x4e && buf[1] == 0x43 {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// freePort returns a port free for both UDP and TCP on 127.0.0.1 at the
// time of the call.
func freePort(t testing.TB) int {
	for i := 0; i < 50; i++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		pc.Close()
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}
