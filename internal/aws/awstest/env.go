package awstest

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/aws/lambdaenv"
)

// Env is a Lambda function's environment held in a map, as lambdaenv's
// loaders read it.
func Env(m map[string]string) lambdaenv.Env { return func(k string) string { return m[k] } }

// InvalidEnv is a change that makes a valid environment invalid, and the
// variables the error must name.
type InvalidEnv struct {
	Change map[string]string
	Vars   []string
}

// ExpectInvalidEnv checks that load refuses the valid environment ok,
// changed by each case, with lambdaenv.ErrConfig naming the case's
// variables.
func ExpectInvalidEnv(t testing.TB, load func(lambdaenv.Env) error, ok map[string]string, cases []InvalidEnv) {
	t.Helper()
	for _, tt := range cases {
		env := maps.Clone(ok)
		maps.Copy(env, tt.Change)
		err := load(Env(env))
		if !errors.Is(err, lambdaenv.ErrConfig) {
			t.Errorf("%v: %v, want ErrConfig", tt.Change, err)
			continue
		}
		for _, v := range tt.Vars {
			if !strings.Contains(err.Error(), v+":") {
				t.Errorf("%v: error does not name %s: %v", tt.Change, v, err)
			}
		}
	}
}
