package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc"
)

// explainCountNoun finds "N noun" in explain text: a number, an optional
// "host"/"usable", and a countable noun with the verb after it.
var explainCountNoun = regexp.MustCompile(`\b(\d+) ((?:host |usable )?)(bits?|address(?:es)?|hosts?)\b( (?:is|are|gives?)\b)?`)

// TestCidrExplainGrammar checks number agreement in every --explain text at
// the edges where it used to go wrong ("1 host bit give", "2^0 = 1
// addresses", "the host 0 bits"; issue 9, defect 11): singular nouns and
// verbs with 1, plural otherwise, for every prefix length of both families.
func TestCidrExplainGrammar(t *testing.T) {
	env := &Env{}
	var inputs []string
	for bits := 0; bits <= 32; bits++ {
		inputs = append(inputs, "10.0.0.1/"+strconv.Itoa(bits))
	}
	for bits := 0; bits <= 128; bits++ {
		inputs = append(inputs, "2001:db8::1/"+strconv.Itoa(bits))
	}
	inputs = append(inputs, "10.0.0.1 0.0.0.1", "0.0.0.0/0", "::/0", "::1/128", "2001:db8::/127")
	for _, s := range inputs {
		sp, err := netcalc.ParseSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		writeCidrExplain(env, &b, netcalc.DescribeSpec(sp))
		text := b.String()
		for _, m := range explainCountNoun.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[1])
			noun, verb := m[3], strings.TrimSpace(m[4])
			singularNoun := noun == "bit" || noun == "address" || noun == "host"
			singularVerb := verb == "is" || verb == "gives"
			if (n == 1) != singularNoun || (verb != "" && (n == 1) != singularVerb) {
				t.Errorf("%s: %q is ungrammatical in:\n%s", s, m[0], text)
			}
		}
		for _, bad := range []string{"1 host bit give ", "= 1 addresses", "the host 0 bits", "the host 1 bit", "first 1 bit", "first 0 of", "all 0 ", "all 1 ", "all 2 "} {
			if strings.Contains(text, bad) {
				t.Errorf("%s: explain text contains %q:\n%s", s, bad, text)
			}
		}
	}
}

// runCidr runs cidrRun on args with the given output format and standard
// input, as the root command would after validating -o.
func runCidr(t *testing.T, output, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := NewEnv(strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	env.Output = output
	err := cidrRun(env, &cidrOptions{Args: args})
	if ferr := env.Out.Flush(); ferr != nil {
		t.Fatal(ferr)
	}
	if err != nil {
		var s silentExit
		if !errors.As(err, &s) {
			env.Errorf("%s", err.Error())
		}
	}
	return out.String(), errb.String(), ExitCode(err, true)
}

// TestCidrShell checks -o shell: ipcalc-ng's names with ipcalc-ng's
// meanings (MINADDR/MAXADDR the usable hosts, ADDRESSES their number),
// netcalc's extra names, every name in every block, shell quoting, and a
// blank line between blocks.
func TestCidrShell(t *testing.T) {
	out, errOut, code := runCidr(t, "shell", "", "192.168.1.10/24", "10.0.0.1/31", "fe80::1%eth0/64", "0.0.0.0")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := `ADDRESS=192.168.1.10
NETMASK=255.255.255.0
PREFIX=24
BROADCAST=192.168.1.255
NETWORK=192.168.1.0
MINADDR=192.168.1.1
MAXADDR=192.168.1.254
ADDRSPACE=Private-Use
ADDRESSES=254
VERSION=4
CIDR=192.168.1.0/24
WILDCARD=0.0.0.255
TOTAL_ADDRESSES=256
GLOBALLY_REACHABLE=false
DECIDED_BY_REGISTRY=iana-ipv4-special-registry
DECIDED_BY_PREFIX=192.168.0.0/16
PTR=10.1.168.192.in-addr.arpa.

ADDRESS=10.0.0.1
NETMASK=255.255.255.254
PREFIX=31
BROADCAST=
NETWORK=10.0.0.0
MINADDR=10.0.0.0
MAXADDR=10.0.0.1
ADDRSPACE=Private-Use
ADDRESSES=2
VERSION=4
CIDR=10.0.0.0/31
WILDCARD=0.0.0.1
TOTAL_ADDRESSES=2
GLOBALLY_REACHABLE=false
DECIDED_BY_REGISTRY=iana-ipv4-special-registry
DECIDED_BY_PREFIX=10.0.0.0/8
PTR=1.0.0.10.in-addr.arpa.

ADDRESS=fe80::1%eth0
NETMASK=ffff:ffff:ffff:ffff::
PREFIX=64
BROADCAST=
NETWORK=fe80::
MINADDR=fe80::1
MAXADDR=fe80::ffff:ffff:ffff:ffff
ADDRSPACE=Link-Local' 'Unicast
ADDRESSES=18446744073709551615
VERSION=6
CIDR=fe80::/64
WILDCARD=::ffff:ffff:ffff:ffff
TOTAL_ADDRESSES=18446744073709551616
GLOBALLY_REACHABLE=false
DECIDED_BY_REGISTRY=iana-ipv6-special-registry
DECIDED_BY_PREFIX=fe80::/10
PTR=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa.

ADDRESS=0.0.0.0
NETMASK=255.255.255.255
PREFIX=32
BROADCAST=
NETWORK=0.0.0.0
MINADDR=0.0.0.0
MAXADDR=0.0.0.0
ADDRSPACE='"This host on this network"'
ADDRESSES=1
VERSION=4
CIDR=0.0.0.0/32
WILDCARD=0.0.0.0
TOTAL_ADDRESSES=1
GLOBALLY_REACHABLE=false
DECIDED_BY_REGISTRY=iana-ipv4-special-registry
DECIDED_BY_PREFIX=0.0.0.0/32
PTR=0.0.0.0.in-addr.arpa.
`
	want = strings.Replace(want, "Link-Local' 'Unicast", "'Link-Local Unicast'", 1)
	if out != want {
		t.Errorf("-o shell output:\n%s\nwant\n%s", out, want)
	}

	// A bad input: nothing on stdout for it, the error on stderr, exit 2.
	out, errOut, code = runCidr(t, "shell", "", "10.0.0.1 24", "10.0.0.1/33")
	if code != 2 || !strings.Contains(errOut, `"10.0.0.1/33": prefix length 33 is out of range`) || strings.Count(out, "ADDRESS=") != 1 || strings.HasSuffix(out, "\n\n") {
		t.Errorf("bad input: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// stdin works the same, blocks separated by one blank line.
	out, _, code = runCidr(t, "SHELL", "10.0.0.1/8\n\n# c\n2001:db8::1 64\n")
	if code != 0 || strings.Count(out, "\n\nADDRESS=") != 1 || !strings.Contains(out, "\nCIDR=2001:db8::/64\n") {
		t.Errorf("stdin: exit %d, stdout %q", code, out)
	}
}

// TestCidrShellEval runs the output through sh: every value comes back
// exactly, quotes and spaces included.
func TestCidrShellEval(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	out, _, code := runCidr(t, "shell", "", "0.0.0.1/8")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	cmd := exec.Command(sh, "-c", `eval "$1"; printf '%s|%s|%s|%s' "$ADDRSPACE" "$NETWORK" "$BROADCAST" "$ADDRESSES"`, "sh", out)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	got, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := `"This network"|0.0.0.0|0.255.255.255|16777214`; string(got) != want {
		t.Errorf("eval gave %q; want %q", got, want)
	}
}
