package cli

import (
	"errors"
	"time"

	"github.com/spf13/pflag"
)

// positiveDuration is a duration flag that refuses zero and negative
// values when given, so `--for 0s` is a usage error rather than a silent
// "use the default". Left out, the flag keeps its default (which may be 0,
// meaning "the command's own default").
type positiveDuration struct{ d *time.Duration }

func (p positiveDuration) String() string {
	if p.d == nil {
		return "0s"
	}
	return p.d.String()
}

func (p positiveDuration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 90s, 15m or 2h")
	}
	if d <= 0 {
		return errors.New("must be positive, e.g. 15m")
	}
	*p.d = d
	return nil
}

func (positiveDuration) Type() string { return "duration" }

// durationFlag defines a positive duration flag on fs.
func durationFlag(fs *pflag.FlagSet, d *time.Duration, name string, def time.Duration, usage string) {
	*d = def
	fs.Var(positiveDuration{d}, name, usage)
}

// setIfChanged sets *dst to v when the flag name was given: a "set"
// command changes only what its flags name.
func setIfChanged[T any](fs *pflag.FlagSet, name string, dst *T, v T) {
	if fs.Changed(name) {
		*dst = v
	}
}
