package jsonrec

import (
	"bytes"
	"testing"
)

// TestRoundTrip decodes records and writes them back: keys keep their
// order (encoding/json would sort a map's), numbers their text, and
// strings needing no HTML escaping stay as they are.
func TestRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"z":1,"a":{"y":[1,2.50,"x"],"b":null},"m":true}`,
		`[{"k":"<&>"},{}]`,
		`"just a string"`,
		`{"dup":1,"dup":2}`,
	} {
		v, err := Decode([]byte(in))
		if err != nil {
			t.Fatalf("Decode(%s): %v", in, err)
		}
		var b bytes.Buffer
		WriteJSON(&b, v)
		want := in
		if in == `{"dup":1,"dup":2}` {
			want = `{"dup":2}` // the last value wins, the key keeps its place
		}
		if b.String() != want {
			t.Errorf("WriteJSON(Decode(%s)) = %s; want %s", in, b.String(), want)
		}
	}
	if _, err := Decode([]byte(`{} {}`)); err == nil {
		t.Errorf("Decode of two values = nil error; want one")
	}
}

func TestPick(t *testing.T) {
	v, _ := Decode([]byte(`{"a":{"b":[{"c":1},{"c":"two"}]},"n":null}`))
	tests := []struct {
		path    []string
		bare    string
		missing string
	}{
		{[]string{"a", "b", "c"}, "1\ntwo\n", ""},
		{[]string{"n"}, "\n", ""},
		{[]string{"a", "x"}, "", "x"},
		{[]string{"a", "b", "c", "d"}, "", "d"},
	}
	for _, tt := range tests {
		vals, missing, _ := Pick(v, tt.path)
		var b bytes.Buffer
		for _, x := range vals {
			WriteBare(&b, x)
		}
		if b.String() != tt.bare || missing != tt.missing {
			t.Errorf("Pick(%q) = %q, missing %q; want %q, missing %q", tt.path, b.String(), missing, tt.bare, tt.missing)
		}
	}
}
