package cli

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// aliasFlag registers oldName as a hidden, deprecated spelling of the flag
// newName already defined on fs: both set the same value, and using the old
// spelling writes one warning to env's standard error. Old spellings are kept
// for one release after a rename (see the flag table in the README).
func aliasFlag(env *Env, fs *pflag.FlagSet, oldName, newName string) {
	f := fs.Lookup(newName)
	if f == nil {
		panic("aliasFlag: no flag --" + newName)
	}
	fs.AddFlag(&pflag.Flag{
		Name:        oldName,
		Usage:       "deprecated spelling of --" + newName,
		Value:       &deprecatedValue{Value: f.Value, env: env, old: "--" + oldName, new: "--" + newName},
		DefValue:    f.DefValue,
		NoOptDefVal: f.NoOptDefVal,
		Hidden:      true,
	})
}

// deprecatedValue forwards to the new flag's value and warns once. old and
// new are spelled as typed: "--hosts", "-t".
type deprecatedValue struct {
	pflag.Value
	env      *Env
	old, new string
	warned   bool
}

func (d *deprecatedValue) Set(s string) error {
	if !d.warned {
		d.warned = true
		d.env.Warnf("%s is deprecated: use %s", d.old, d.new)
	}
	return d.Value.Set(s)
}

// IsBoolFlag lets a deprecated spelling of a switch be given without a value.
func (d *deprecatedValue) IsBoolFlag() bool {
	b, ok := d.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// maxQuoted is how many characters of a bad token an error message quotes.
const maxQuoted = 80

// quoteToken quotes s for an error message, cut to about 80 characters
// with "…" when longer, so that a 3 MB line does not become a 3 MB message.
func quoteToken(s string) string {
	return fmt.Sprintf("%q", shorten(s))
}

// shorten cuts s to maxQuoted characters (runes), adding "…" when it cut.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return s
	}
	n := 0
	for i := range s {
		if n == maxQuoted {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// flagError turns pflag's parse errors into messages in the user's words:
// which flag, which value, what was expected. It is the root's
// FlagErrorFunc, so every command's flags go through it.
func flagError(c *cobra.Command, err error) error {
	var notExist *pflag.NotExistError
	var needsValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	var syntax *pflag.InvalidSyntaxError
	switch {
	case errors.As(err, &notExist):
		if shorts := notExist.GetSpecifiedShortnames(); shorts != "" {
			token := "-" + shorts
			if negativeNumber(token) {
				return fmt.Errorf("%s: unknown flag; a negative number? put it after --, as in: %s -- %s", token, c.CommandPath(), token)
			}
			name := "-" + notExist.GetSpecifiedName()
			if name != token {
				return fmt.Errorf("%s (in %s): unknown flag", name, token)
			}
			return fmt.Errorf("%s: unknown flag", token)
		}
		name := notExist.GetSpecifiedName()
		if s := suggestFlag(c, name); s != "" {
			return fmt.Errorf("--%s: unknown flag; did you mean --%s?", name, s)
		}
		return fmt.Errorf("--%s: unknown flag", name)
	case errors.As(err, &needsValue):
		return fmt.Errorf("%s needs a value", flagNames(needsValue.GetFlag()))
	case errors.As(err, &invalid):
		f, v, cause := invalid.GetFlag(), invalid.GetValue(), errors.Unwrap(invalid)
		if cause != nil && !goInternal(cause.Error()) {
			// a netcalc flag type that words its own error
			if msg := cause.Error(); strings.Contains(msg, quoteToken(v)) {
				return fmt.Errorf("--%s: %s", f.Name, msg)
			}
			return fmt.Errorf("--%s: %s: %s", f.Name, quoteToken(v), cause)
		}
		return fmt.Errorf("--%s: %s %s", f.Name, quoteToken(v), badValue(f, cause))
	case errors.As(err, &syntax):
		return fmt.Errorf("%s: not a flag; write --NAME, --NAME=VALUE or -X", quoteToken(syntax.GetSpecifiedFlag()))
	}
	return err
}

// negativeNumber reports whether token looks like a negative number (what
// the regexp ^-[0-9.] matched; a package-level regexp cost start-up).
func negativeNumber(token string) bool {
	return len(token) > 1 && token[0] == '-' && (token[1] >= '0' && token[1] <= '9' || token[1] == '.')
}

// flagNames is "-o/--output" or "--seed".
func flagNames(f *pflag.Flag) string {
	if f == nil {
		return "the flag"
	}
	if f.Shorthand != "" && f.ShorthandDeprecated == "" {
		return "-" + f.Shorthand + "/--" + f.Name
	}
	return "--" + f.Name
}

// badValue says what is wrong with a flag's value, by the flag's type,
// without the strconv or time package's wording.
func badValue(f *pflag.Flag, cause error) string {
	outOfRange := errors.Is(cause, strconv.ErrRange)
	typ := f.Value.Type()
	switch typ {
	case "uint", "uint64", "uint32", "uint16", "uint8":
		if outOfRange {
			return "is out of range, want 0 to " + maxUint(typ)
		}
		return "is not a whole number ≥ 0"
	case "int", "int64", "int32", "int16", "int8", "count":
		if outOfRange {
			return "is out of range for a whole number"
		}
		return "is not a whole number"
	case "float64", "float32":
		return "is not a number"
	case "bool":
		return "is not true or false"
	case "duration":
		return "is not a duration such as 5s, 250ms or 1m30s"
	case "ip":
		return "is not an IP address"
	case "ipNet":
		return "is not a prefix such as 10.0.0.0/8"
	case "ipMask":
		return "is not a netmask such as 255.255.255.0"
	}
	return "is not a valid " + typ
}

func maxUint(typ string) string {
	switch typ {
	case "uint8":
		return "255"
	case "uint16":
		return "65535"
	case "uint32":
		return "4294967295"
	}
	return "18446744073709551615"
}

// goInternal reports whether msg is written in Go's terms rather than the
// user's (a package prefix, a type name).
func goInternal(msg string) bool {
	for _, s := range []string{"strconv.", "time: ", "json: ", "yaml: ", "netip.", "IPRange", "arg(s)", "flag:"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// suggestFlag returns the visible flag of c whose name is closest to name
// (an edit distance of at most 2, or a prefix), or "".
func suggestFlag(c *cobra.Command, name string) string {
	best, bestD := "", 3
	visit := func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editDistance(name, f.Name)
		if strings.HasPrefix(f.Name, name) && len(name) >= 3 {
			d = 1
		}
		if d < bestD {
			best, bestD = f.Name, d
		}
	}
	c.Flags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// cobraErrors are cobra's required-flag and flag-group messages, compiled on
// first use (only when such an error is being reworded), not at start-up.
var cobraErrors = sync.OnceValue(func() (r struct{ requiredFlags, groupAll, groupNone, groupOne *regexp.Regexp }) {
	r.requiredFlags = regexp.MustCompile(`^required flag\(s\) (.*) not set$`)
	r.groupAll = regexp.MustCompile(`^if any flags in the group \[(.*)\] are set they must all be set; missing \[(.*)\]$`)
	r.groupNone = regexp.MustCompile(`^if any flags in the group \[(.*)\] are set none of the others can be; \[(.*)\] were all set$`)
	r.groupOne = regexp.MustCompile(`^at least one of the flags in the group \[(.*)\] is required$`)
	return r
})

// rewriteCobraError words cobra's required-flag and flag-group errors the
// way netcalc speaks.
func rewriteCobraError(err error) error {
	msg := err.Error()
	re := cobraErrors()
	dashed := func(list string, sep string) []string {
		var out []string
		for _, n := range strings.Split(list, sep) {
			if n = strings.Trim(strings.TrimSpace(n), `"`); n != "" {
				out = append(out, "--"+n)
			}
		}
		return out
	}
	if m := re.requiredFlags.FindStringSubmatch(msg); m != nil {
		names := dashed(m[1], ",")
		if len(names) == 1 {
			return fmt.Errorf("%s is required", names[0])
		}
		return fmt.Errorf("%s are required", andList(names))
	}
	if m := re.groupAll.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s go together: give %s too", andList(dashed(m[1], " ")), andList(dashed(m[2], " ")))
	}
	if m := re.groupNone.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s cannot be used together", andList(dashed(m[2], " ")))
	}
	if m := re.groupOne.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("give one of %s", orList(dashed(m[1], " ")))
	}
	return err
}

func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// explainArgs wraps a command's argument check: when it fails, the message
// says what the command takes (from its Use line), how many arguments that
// is, and which argument is extra or what is missing, instead of cobra's
// "accepts 1 arg(s), received 2".
func explainArgs(c *cobra.Command, check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		if err == nil {
			return nil
		}
		if errors.As(err, new(silentExit)) {
			// The check reported its own error (env.usageError): probing
			// it with other arguments would print more errors.
			return Usage(err)
		}
		return Usage(argsError(cmd, check, args, err))
	}
}

func argsError(cmd *cobra.Command, check cobra.PositionalArgs, args []string, orig error) error {
	ok := func(a []string) bool { return check(cmd, a) == nil }
	name := "'" + cmd.CommandPath() + "'"
	want := useArgs(cmd.Use)
	takes := name + " takes "
	if want != "" {
		takes += want + ", "
	}
	n := len(args)
	// Too many: the longest accepted beginning of args.
	for k := n - 1; k >= 0; k-- {
		if !ok(args[:k]) {
			continue
		}
		extra := args[k:]
		verb := "is one too many"
		if len(extra) > 1 {
			verb = "are too many"
		}
		if k == 0 {
			return fmt.Errorf("%s takes no arguments; got %s", name, quoteList(extra))
		}
		bound := "exactly"
		if ok(args[:k-1]) {
			bound = "at most"
		}
		return fmt.Errorf("%s%s %s; got %d: %s %s", takes, bound, countOf(k, "argument"), n, quoteList(extra), verb)
	}
	// Too few: the smallest number of arguments accepted.
	padded := slices.Clone(args)
	for m := n + 1; m <= n+8; m++ {
		padded = append(padded, "x")
		if !ok(padded) {
			continue
		}
		bound := "at least"
		if !ok(append(slices.Clone(padded), "x")) {
			bound = "exactly"
		}
		got := "got none"
		if n > 0 {
			got = fmt.Sprintf("got %d", n)
		}
		missing := "more"
		if req := requiredWords(want); n < len(req) {
			missing = strings.Join(req[n:], " ")
		}
		return fmt.Errorf("%s%s %s; %s: missing %s", takes, bound, countOf(m, "argument"), got, missing)
	}
	if goInternal(orig.Error()) {
		return fmt.Errorf("%s takes %s; got %s", name, want, quoteList(args))
	}
	return orig
}

func countOf(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// quoteList quotes up to three tokens, then "…".
func quoteList(tokens []string) string {
	var q []string
	for i, t := range tokens {
		if i == 3 {
			q = append(q, "…")
			break
		}
		q = append(q, quoteToken(t))
	}
	return strings.Join(q, " ")
}

// useArgs returns the argument part of a cobra Use line, without the
// command name and without flags: "split PREFIX (--prefix N | --subnets N)"
// gives "PREFIX", "simulate [SCENARIO.yaml | --preset NAME]" gives
// "[SCENARIO.yaml]", "arp TARGET... | --scan PREFIX" gives "TARGET...".
func useArgs(use string) string {
	words := useWords(use)
	if len(words) == 0 {
		return ""
	}
	return strings.Join(argWords(words[1:]), " ")
}

// useWords splits s at spaces outside brackets.
func useWords(s string) []string {
	var out []string
	depth, start := 0, -1
	for i, r := range s {
		switch {
		case r == '[' || r == '(':
			depth++
		case r == ']' || r == ')':
			depth--
		}
		if r == ' ' && depth == 0 {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func argWords(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "|":
			return out
		case w == "[flags]":
		case strings.HasPrefix(w, "-"):
			if i+1 < len(words) && isPlaceholder(words[i+1]) {
				i++
			}
		case strings.HasPrefix(w, "[") || strings.HasPrefix(w, "("):
			closing := strings.LastIndexAny(w, "])")
			if closing < 0 {
				out = append(out, w)
				continue
			}
			inner := argWords(useWords(w[1:closing]))
			if len(inner) > 0 {
				out = append(out, w[:1]+strings.Join(inner, " ")+w[closing:])
			}
		default:
			out = append(out, w)
		}
	}
	return out
}

func isPlaceholder(w string) bool {
	return w != "" && w != "|" && w[0] != '-' && w[0] != '[' && w[0] != '(' && strings.ToUpper(w) == w
}

// requiredWords returns the words of a Use argument part that are not in
// brackets.
func requiredWords(args string) []string {
	var out []string
	for _, w := range useWords(args) {
		if !strings.HasPrefix(w, "[") {
			out = append(out, w)
		}
	}
	return out
}
