package server

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// The close delimiter is found wherever the reads split it.
func TestTailReaderFindsTheCloseDelimiter(t *testing.T) {
	cases := []struct {
		body string
		want bool
	}{
		{"--b\r\nx\r\n--b--\r\n", true},
		{"--b\r\nx\r\n--b--", true},
		{"--b\r\nx\r\n--b\r\n", false},
		{"--b\r\nx--b-", false},
	}
	wrap := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
	}
	for _, c := range cases {
		for name, w := range wrap {
			tr := &tailReader{r: w(strings.NewReader(c.body)), closing: []byte("--b--")}
			if _, err := io.Copy(io.Discard, tr); err != nil {
				t.Fatal(err)
			}
			if tr.seen != c.want {
				t.Errorf("%q read %s: seen %v, want %v", c.body, name, tr.seen, c.want)
			}
		}
	}
}
