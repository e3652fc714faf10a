package cmis

import (
	"fmt"
	"testing"
)

// A listing held in memory pages as the store's SQL does.
func TestPageOf(t *testing.T) {
	all := []int{0, 1, 2, 3, 4}
	cases := []struct {
		p    Page
		want string
	}{
		{AllItems, "[0 1 2 3 4]"},
		{Page{MaxItems: 2}, "[0 1]"},
		{Page{MaxItems: 2, SkipCount: 4}, "[4]"},
		{Page{MaxItems: -1, SkipCount: 3}, "[3 4]"},
		{Page{MaxItems: 0}, "[]"},
		{Page{MaxItems: 3, SkipCount: 5}, "[]"},
		{Page{MaxItems: 3, SkipCount: 9}, "[]"},
	}
	for _, c := range cases {
		if got := fmt.Sprint(PageOf(all, c.p)); got != c.want {
			t.Errorf("PageOf(%+v) = %s, want %s", c.p, got, c.want)
		}
	}
}

// A byte range is cut to the stream.
func TestContentRange(t *testing.T) {
	c := ContentInfo{Length: 10}
	cases := []struct{ off, n, wantOff, wantN int64 }{
		{0, -1, 0, 10}, {3, 4, 3, 4}, {3, 100, 3, 7}, {10, -1, 10, 0}, {12, 5, 10, 0}, {0, 0, 0, 0},
	}
	for _, r := range cases {
		if off, n := c.Range(r.off, r.n); off != r.wantOff || n != r.wantN {
			t.Errorf("Range(%d, %d) = %d, %d; want %d, %d", r.off, r.n, off, n, r.wantOff, r.wantN)
		}
	}
}
