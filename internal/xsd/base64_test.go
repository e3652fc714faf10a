package xsd

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// encodeBase64 writes what encoding/base64 writes, for every length
// around its eight-byte steps and every byte value; Writer.Base64 appends
// it to what the writer holds.
func TestBase64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		for _, fill := range []string{"random", "zero", "ones"} {
			src := make([]byte, n)
			switch fill {
			case "random":
				for i := range src {
					src[i] = byte(rng.IntN(256))
				}
			case "ones":
				for i := range src {
					src[i] = 0xff
				}
			}
			want := base64.StdEncoding.EncodeToString(src)
			dst := make([]byte, base64.StdEncoding.EncodedLen(n))
			encodeBase64(dst, src)
			if string(dst) != want {
				t.Fatalf("%d %s bytes: %q, want %q", n, fill, dst, want)
			}
		}
	}
	every := make([]byte, 3*256*3)
	for i := range every {
		every[i] = byte(i / 3)
	}
	w := NewWriter(nil)
	w.Raw("<x>")
	w.Base64(every[:3*256])
	w.Base64(every[3*256:])
	if want := "<x>" + base64.StdEncoding.EncodeToString(every); string(w.Bytes()) != want {
		t.Fatalf("Writer.Base64: %d bytes, not encoding/base64's %d", len(w.Bytes()), len(want))
	}
}

func BenchmarkBase64(b *testing.B) {
	src := bytes.Repeat([]byte("content stream bytes "), 600)
	dst := make([]byte, base64.StdEncoding.EncodedLen(len(src)))
	b.SetBytes(int64(len(src)))
	b.Run("xsd", func(b *testing.B) {
		for b.Loop() {
			encodeBase64(dst, src)
		}
	})
	b.Run("encoding/base64", func(b *testing.B) {
		for b.Loop() {
			base64.StdEncoding.Encode(dst, src)
		}
	})
}
