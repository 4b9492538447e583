package cli

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc"
)

// countNoun finds "N noun" in explain text: a number, an optional
// "host"/"usable", and a countable noun with the verb after it.
var countNoun = regexp.MustCompile(`\b(\d+) ((?:host |usable )?)(bits?|address(?:es)?|hosts?)\b( (?:is|are|gives?)\b)?`)

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
		for _, m := range countNoun.FindAllStringSubmatch(text, -1) {
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
