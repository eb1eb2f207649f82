package csvsafe

import (
	"reflect"
	"testing"
)

func TestRow(t *testing.T) {
	in := []string{"=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "alice", "", "a=b", "'"}
	want := []string{"'=HYPERLINK(\"x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "alice", "", "a=b", "'"}
	got := Row(in)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Row(%q) = %q, want %q", in, got, want)
	}
	if in[0] != "=HYPERLINK(\"x\")" {
		t.Fatal("Row changed its input")
	}
}
