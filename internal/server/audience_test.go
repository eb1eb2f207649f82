package server

import (
	"slices"
	"testing"
)

func TestLoopbackAudiences(t *testing.T) {
	for _, tc := range []struct {
		public string
		want   []string // must be among the aliases
		none   bool
	}{
		{public: "http://127.0.0.1:8420", want: []string{"http://localhost:8420", "http://localhost:8420/", "http://127.0.0.1:8420"}},
		{public: "http://localhost:8420/", want: []string{"http://127.0.0.1:8420", "http://[::1]:8420"}},
		{public: "http://[::1]:9000", want: []string{"http://localhost:9000"}},
		{public: "https://lock.example.com", none: true},
		{public: "http://10.0.0.5:8420", none: true},
		{public: "http://localhost.evil.example:8420", none: true},
	} {
		got := loopbackAudiences(tc.public)
		if tc.none && len(got) != 0 {
			t.Errorf("%s: aliases %v, want none", tc.public, got)
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: %v lacks %s", tc.public, got, w)
			}
		}
	}
}
