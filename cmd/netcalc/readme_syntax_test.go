package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExampleSyntax checks the parser of the README example test on a page
// that uses every part of the syntax, and the errors it must report.
func TestExampleSyntax(t *testing.T) {
	page := strings.Join([]string{
		"# Title",                           // 1
		"",                                  // 2
		"<!-- example: skip needs root -->", // 3
		"```console",                        // 4
		"$ sudo netcalc arp 203.0.113.2",    // 5
		"```",                               // 6
		"",                                  // 7
		"<!-- example: env NETCALC_FORCE_TTY=1 -->", // 8
		"",                                   // 9
		"```",                                // 10
		"$ netcalc range 10.0.0.0-10.0.0.3",  // 11
		"10.0.0.0/30",                        // 12
		"",                                   // 13
		"$ netcalc cidr \\",                  // 14
		"> 10.0.0.300",                       // 15
		"netcalc: bad",                       // 16
		"...",                                // 17
		"[exit 2]",                           // 18
		"",                                   // 19
		"$ true",                             // 20
		"```",                                // 21
		"```yaml",                            // 22
		"a: $ not a command",                 // 23
		"```",                                // 24
		"````md",                             // 25
		"```",                                // 26
		"$ inside a longer fence, not first", // 27
		"````",                               // 28
		"<!-- example: skip orphan -->",      // 29
		"text",                               // 30
		"<!-- example: bogus x -->",          // 31
		"~~~",                                // 32
		"$ netcalc version",                  // 33
		"~~~",                                // 34
		"<!-- example: dnsmasq -->",          // 35
		"```console",                         // 36
		"$ netcalc resolve web --short",      // 37
		"```",                                // 38
	}, "\n")
	blocks, errs := parseExamples("page.md", []byte(page))
	want := []exampleBlock{
		{File: "page.md", Line: 4, Skip: "needs root", Cmds: []exampleCmd{{Line: 5, Text: "sudo netcalc arp 203.0.113.2"}}},
		{File: "page.md", Line: 10, Env: []string{"NETCALC_FORCE_TTY=1"}, Cmds: []exampleCmd{
			{Line: 11, Text: "netcalc range 10.0.0.0-10.0.0.3", Want: []string{"10.0.0.0/30"}},
			{Line: 14, Text: "netcalc cidr \\\n10.0.0.300", Want: []string{"netcalc: bad", "..."}, Exit: 2},
			{Line: 20, Text: "true"},
		}},
		{File: "page.md", Line: 32, Cmds: []exampleCmd{{Line: 33, Text: "netcalc version"}}},
		{File: "page.md", Line: 36, DNS: true, Cmds: []exampleCmd{{Line: 37, Text: "netcalc resolve web --short"}}},
	}
	if d := cmp.Diff(want, blocks); d != "" {
		t.Errorf("parseExamples: (-want +got)\n%s", d)
	}
	var got []string
	for _, err := range errs {
		got = append(got, err.Error())
	}
	wantErrs := []string{
		`page.md:27: a "$ " line inside a block that does not start with one; an example block starts with its first command`,
		`page.md:31: unknown example directive "bogus": want skip REASON, env NAME=VALUE or dnsmasq`,
		`page.md:29: example directive not followed by an example block`,
	}
	if d := cmp.Diff(wantErrs, got); d != "" {
		t.Errorf("parseExamples errors: (-want +got)\n%s", d)
	}
}

func TestMatchLines(t *testing.T) {
	tests := []struct {
		name      string
		want, got []string
		ok        bool
	}{
		{"equal", []string{"a", "b"}, []string{"a", "b"}, true},
		{"both empty", nil, nil, true},
		{"missing line", []string{"a", "b"}, []string{"a"}, false},
		{"extra line", []string{"a"}, []string{"a", "b"}, false},
		{"trailing space counts", []string{"a"}, []string{"a "}, false},
		{"tab is not spaces", []string{"a  b"}, []string{"a\tb"}, false},
		{"dots match none", []string{"a", "...", "b"}, []string{"a", "b"}, true},
		{"dots match many", []string{"a", "...", "z"}, []string{"a", "b", "c", "z"}, true},
		{"dots at end", []string{"a", "..."}, []string{"a", "b"}, true},
		{"dots need the rest", []string{"...", "z"}, []string{"a", "b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ok := matchLines(tt.want, tt.got); ok != tt.ok {
				t.Errorf("matchLines(%q, %q) = %v; want %v", tt.want, tt.got, ok, tt.ok)
			}
		})
	}
}

// TestCheckCommand runs real commands and checks that a wrong output and a
// wrong exit status are reported with the file, the line and a diff.
func TestCheckCommand(t *testing.T) {
	netcalcOnPath(t)
	dir := t.TempDir()
	b := exampleBlock{File: "page.md", Line: 9}
	tests := []struct {
		name string
		cmd  exampleCmd
		want []string // substrings of the report; none: it must pass
	}{
		{"pass", exampleCmd{Line: 10, Text: "netcalc range 10.0.0.0-10.0.0.3", Want: []string{"10.0.0.0/30"}}, nil},
		{"stderr and status", exampleCmd{Line: 10, Text: "echo out; echo err >&2; exit 3", Want: []string{"out", "err"}, Exit: 3}, nil},
		{"wrong output", exampleCmd{Line: 12, Text: "netcalc range 10.0.0.0-10.0.0.3", Want: []string{"10.0.0.0/29"}},
			[]string{"page.md:12: $ netcalc range", "-10.0.0.0/29", "+10.0.0.0/30"}},
		{"wrong status", exampleCmd{Line: 14, Text: "echo x; exit 1", Want: []string{"x"}},
			[]string{"page.md:14: $ echo x; exit 1", "+[exit 1]", "hint: the command exits 1; write [exit 1]"}},
		{"missing program", exampleCmd{Line: 18, Text: "no-such-program-netcalc-test"}, []string{"[exit 127]", "hint: a program is missing"}},
		{"missing file", exampleCmd{Line: 20, Text: "netcalc merge no-such-file.txt"}, []string{"page.md:20", "hint: the examples run in a copy of docs/examples"}},
		{"env directive", exampleCmd{Line: 16, Text: "echo $NETCALC_X", Want: []string{""}}, []string{"+y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bb := b
			if tt.name == "env directive" {
				bb.Env = []string{"NETCALC_X=y"}
			}
			report := checkCommand(bb, tt.cmd, dir)
			if tt.want == nil && report != "" {
				t.Errorf("checkCommand reported a difference for a matching example:\n%s", report)
			}
			for _, w := range tt.want {
				if !strings.Contains(report, w) {
					t.Errorf("report lacks %q:\n%s", w, report)
				}
			}
		})
	}
}
