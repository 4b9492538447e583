package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/resolve"
)

const k8sTestdata = "../../netcalc/k8s/testdata/dns/"

func TestK8sResolvConfCLI(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdout string
		stderr string // substring
		code   int
	}{
		{"ClusterFirst", []string{"--namespace", "shop", "--cluster-dns", "10.96.0.10", "--host-resolv-conf", k8sTestdata + "node-resolv.conf"},
			"search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n", "", 0},
		{"Default", []string{"--dns-policy", "default", "--host-resolv-conf", k8sTestdata + "node-resolv.conf"},
			"search corp.example\nnameserver 198.51.100.53\nnameserver 198.51.100.54\noptions edns0 timeout:2\n", "", 0},
		{"pod file", []string{"--pod", k8sTestdata + "pod.yaml", "--cluster-dns", "10.96.0.10", "--host-resolv-conf", k8sTestdata + "node-resolv.conf"},
			"search shop.svc.cluster.local svc.cluster.local cluster.local corp.example my.domain\nnameserver 10.96.0.10\nnameserver 10.0.0.11\noptions ndots:2 single-request-reopen\n", "", 0},
		{"no cluster DNS", []string{"--namespace", "shop", "--host-resolv-conf", k8sTestdata + "node-resolv.conf"},
			"search corp.example\nnameserver 198.51.100.53\nnameserver 198.51.100.54\noptions edns0 timeout:2\n",
			`netcalc: warning: kubelet event on the Node: Warning MissingClusterDNS: kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`, 0},
		{"resolv-conf empty", []string{"--dns-policy", "Default", "--host-resolv-conf", ""}, "search .\nnameserver 127.0.0.1\n", "", 0},
		{"None without dnsConfig", []string{"--dns-policy", "None"}, "",
			"netcalc: the API server rejects this pod: spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None", 2},
		{"bad policy", []string{"--dns-policy", "Cluster"}, "", `netcalc: --dns-policy: "Cluster" is not a DNS policy: want ClusterFirst, ClusterFirstWithHostNet, Default or None`, 2},
		{"bad cluster dns", []string{"--cluster-dns", "kube-dns"}, "", `--cluster-dns: "kube-dns" is not an IP address`, 2},
		{"missing file", []string{"--host-resolv-conf", "/nonexistent/resolv.conf"}, "", `netcalc: --host-resolv-conf: "/nonexistent/resolv.conf": no such file`, 2},
		{"pod and namespace", []string{"--pod", k8sTestdata + "pod.yaml", "--namespace", "x"}, "", "--namespace and --pod cannot be used together", 2},
		{"bad node file", []string{"--host-resolv-conf", "-"}, "", "kubelet cannot create the pod's sandbox: Encountered error while parsing resolv conf file. Error: nameserver list is empty", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdin := ""
			if tt.name == "bad node file" {
				stdin = "nameserver\n"
			}
			out, errOut, code := runCLI(t, stdin, append([]string{"k8s", "resolv-conf"}, tt.args...)...)
			if out != tt.stdout || code != tt.code || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("netcalc k8s resolv-conf %q = %q, stderr %q, exit %d; want %q, stderr with %q, exit %d", tt.args, out, errOut, code, tt.stdout, tt.stderr, tt.code)
			}
		})
	}
}

func TestK8sResolvConfCLIExplainJSON(t *testing.T) {
	out, _, code := runCLI(t, "", "k8s", "resolv-conf", "--pod", k8sTestdata+"pod.yaml", "--cluster-dns", "10.96.0.10", "--host-resolv-conf", k8sTestdata+"node-resolv.conf", "--explain")
	for _, want := range []string{"spec.dnsConfig.nameservers[0]", "kubelet --cluster-dns", "node file " + k8sTestdata + "node-resolv.conf line 2", "kubelet's order of the options varies"} {
		if !strings.Contains(out, want) || code != 0 {
			t.Errorf("--explain output lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	if strings.Contains(out, "%!") {
		t.Errorf("--explain output has a formatting error:\n%s", out)
	}
	out, _, code = runCLI(t, "", "k8s", "resolv-conf", "--namespace", "shop", "--cluster-dns", "10.96.0.10", "-o", "json")
	var j map[string]any
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != 0 {
		t.Fatalf("-o json: %v, exit %d: %s", err, code, out)
	}
	if j["type"] != "resolv_conf" || j["file"] != "search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n" || j["dns_type"] != "cluster" {
		t.Errorf("-o json = %s", out)
	}
}

func TestK8sDNSCLI(t *testing.T) {
	svc := k8sTestdata + "cluster.yaml"
	tests := []struct {
		name   string
		args   []string
		stdout []string // substrings
		code   int
	}{
		{"A", []string{"api.shop.svc.cluster.local"}, []string{"api.shop.svc.cluster.local.\tA\t30\t10.96.0.20", "NOERROR, authoritative"}, 0},
		{"SRV positional", []string{"_postgres._tcp.db.shop.svc.cluster.local", "SRV"}, []string{"0 50 5432 db-0.db.shop.svc.cluster.local.", "; additional: db-0.db.shop.svc.cluster.local.\t30\tIN\tA\t10.244.1.21"}, 0},
		{"PTR of an IP", []string{"10.96.0.20"}, []string{"20.0.96.10.in-addr.arpa.\tPTR\t30\tapi.shop.svc.cluster.local."}, 0},
		{"NXDOMAIN", []string{"nope.shop.svc.cluster.local", "--explain"}, []string{"NXDOMAIN, authoritative", "; authority: cluster.local.\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30", "; why: NXDOMAIN: no Service nope in namespace shop"}, 1},
		{"NODATA", []string{"api.shop.svc.cluster.local", "-t", "AAAA"}, []string{"NOERROR, no AAAA record (NODATA)"}, 1},
		{"REFUSED", []string{"api.shop"}, []string{"REFUSED"}, 1},
		{"TXT", []string{"dns-version.cluster.local", "txt"}, []string{"\"1.1.0\""}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", append([]string{"k8s", "dns", "--services", svc}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d; want %d (stderr %q)", code, tt.code, errOut)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
		})
	}
	out, _, code := runCLI(t, "", "k8s", "dns", "--services", svc, "nope.shop.svc.cluster.local", "-o", "json")
	var j map[string]any
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != 1 || j["rcode"] != "NXDOMAIN" || j["type"] != "A" {
		t.Errorf("-o json: %v exit %d: %s", err, code, out)
	}
	_, errOut, code := runCLI(t, "", "k8s", "dns", "--services", svc, "x", "BOGUS")
	if code != 2 || !strings.Contains(errOut, `"BOGUS" is not a DNS record type`) {
		t.Errorf("bad type: exit %d, %q", code, errOut)
	}
	out, _, code = runCLI(t, "", "k8s", "dns", "--services", svc, "--ttl", "5", "api.shop.svc.cluster.local")
	if code != 0 || !strings.Contains(out, "\tA\t5\t10.96.0.20") {
		t.Errorf("--ttl 5: exit %d %q", code, out)
	}
	_, errOut, code = runCLI(t, "", "k8s", "dns", "--services", svc, "--ttl", "0", "api.shop.svc.cluster.local")
	if code != 2 || !strings.Contains(errOut, "--ttl: 0 is out of range: want 1-3600") {
		t.Errorf("--ttl 0: exit %d %q; want exit 2, not a silent 30", code, errOut)
	}
	_, errOut, code = runCLI(t, "", "k8s", "dns", "x.cluster.local")
	if code != 2 || !strings.Contains(errOut, "services") {
		t.Errorf("no --services: exit %d, %q", code, errOut)
	}
}

// TestK8sDNSServeCLI runs "k8s dns serve" on 127.0.0.1:0, asks it with
// netcalc's resolver (explicit configuration, never the machine's), and
// stops it by cancelling the context, as an interrupt does.
func TestK8sDNSServeCLI(t *testing.T) {
	pr, pw := io.Pipe()
	var out bytes.Buffer
	env := NewEnv(strings.NewReader(""), &out, pw, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, env, []string{"k8s", "dns", "serve", "--services", k8sTestdata + "cluster.yaml", "--listen", "127.0.0.1:0"})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no ready line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`on (127\.0\.0\.1:\d+) \(udp, tcp\)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("ready line %q names no address", line)
	}
	cfg := resolve.Config{Servers: []netip.AddrPort{netip.MustParseAddrPort(m[1])}, Search: []string{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local"}, Ndots: 5, Timeout: 2 * time.Second, Attempts: 1}
	r := &resolve.Resolver{Config: cfg, Order: []resolve.Source{resolve.DNS}}
	res, err := r.Lookup(context.Background(), "db", resolve.TypeA)
	if err != nil || len(res.Addrs()) != 2 {
		t.Errorf("Lookup(db) = %v, %v; want the two ready endpoints", res.Addrs(), err)
	}
	// "netcalc resolve --pod" resolves as the pod would: kubelet's
	// resolv.conf for it (search list, ndots:2 from its dnsConfig), the
	// queries sent to the server named with --server.
	var rout, rerr bytes.Buffer
	renv := NewEnv(strings.NewReader(""), &rout, &rerr, nil)
	code := Run(context.Background(), renv, []string{"resolve", "--pod", k8sTestdata + "pod.yaml", "--cluster-dns", "10.96.0.10",
		"--server", m[1], "--nsswitch", "../../testdata/resolve/nsswitch-dns-first.conf", "--explain", "-t", "A", "db"})
	if code != 0 || !strings.Contains(rout.String(), "db.shop.svc.cluster.local.\tA\t30\t") ||
		!strings.Contains(rout.String(), "candidate names: db.shop.svc.cluster.local. db.svc.cluster.local. db.cluster.local. db.corp.example. db.my.domain. db.") {
		t.Errorf("resolve --pod: exit %d, stdout:\n%s\nstderr:\n%s", code, rout.String(), rerr.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit %d; want 0 after the interrupt", code)
	}
	if want := "udp\t127.0.0.1:"; !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "db.shop.svc.cluster.local.\tA\tNOERROR\t2 answers") {
		t.Errorf("serve printed %q; want one line per query", out.String())
	}
}

// TestK8sPodResolveConfig is the helper "netcalc resolve --pod" uses: the
// pod's resolv.conf read with glibc's rules.
func TestK8sPodResolveConfig(t *testing.T) {
	opts := &k8sResolvConfOptions{}
	cmd := &cobra.Command{Use: "resolve", RunE: func(*cobra.Command, []string) error { return nil }}
	addK8sPodDNSFlags(cmd, opts)
	if err := cmd.ParseFlags([]string{"--pod", k8sTestdata + "pod.yaml", "--cluster-dns", "10.96.0.10", "--host-resolv-conf", k8sTestdata + "node-resolv.conf"}); err != nil {
		t.Fatal(err)
	}
	if !k8sPodDNSFlagsSet(cmd) {
		t.Fatal("k8sPodDNSFlagsSet = false after --pod")
	}
	var errb bytes.Buffer
	env := NewEnv(strings.NewReader(""), &bytes.Buffer{}, &errb, nil)
	cfg, err := k8sPodResolveConfig(env, opts, resolve.ConfEnv{Hostname: "host.corp.example", Getenv: func(string) string { return "other.example" }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "my.domain"}
	if strings.Join(cfg.Search, " ") != strings.Join(want, " ") || cfg.Ndots != 2 {
		t.Errorf("search %q ndots %d; want %q and 2 (the pod's dnsConfig)", cfg.Search, cfg.Ndots, want)
	}
	if len(cfg.Servers) != 2 || cfg.Servers[0] != netip.MustParseAddrPort("10.96.0.10:53") || cfg.Servers[1] != netip.MustParseAddrPort("10.0.0.11:53") {
		t.Errorf("servers %v; want 10.96.0.10:53 10.0.0.11:53", cfg.Servers)
	}
	if errb.Len() != 0 {
		t.Errorf("stderr %q; want nothing", errb.String())
	}
}
