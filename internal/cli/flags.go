package cli

import (
	"fmt"
	"unicode/utf8"

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
		Value:       &deprecatedValue{Value: f.Value, env: env, old: oldName, new: newName},
		DefValue:    f.DefValue,
		NoOptDefVal: f.NoOptDefVal,
		Hidden:      true,
	})
}

// deprecatedValue forwards to the new flag's value and warns once.
type deprecatedValue struct {
	pflag.Value
	env      *Env
	old, new string
	warned   bool
}

func (d *deprecatedValue) Set(s string) error {
	if !d.warned {
		d.warned = true
		d.env.Warnf("--%s is deprecated: use --%s", d.old, d.new)
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
