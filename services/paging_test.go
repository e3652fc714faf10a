package services

import (
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

// Every listing takes its page the same way; the change log bounds its
// own.
func TestPaging(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	pages := []struct {
		max, skip *int64
		want      cmis.Page
		err       bool
	}{
		{nil, nil, cmis.Page{MaxItems: 100}, false},
		{n(0), nil, cmis.Page{MaxItems: 0}, false},
		{n(5), n(10), cmis.Page{MaxItems: 5, SkipCount: 10}, false},
		{n(100000), nil, cmis.Page{MaxItems: 100000}, false},
		{n(-1), nil, cmis.Page{}, true},
		{nil, n(-1), cmis.Page{}, true},
	}
	for _, c := range pages {
		got, err := page(c.max, c.skip, 100)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("page(%v, %v): %+v %v, want %+v (error %v)", deref(c.max), deref(c.skip), got, err, c.want, c.err)
		}
	}
	changes := []struct {
		max  *int64
		want int64
		err  bool
	}{
		{nil, defaultChangesPage, false},
		{n(0), defaultChangesPage, false},
		{n(7), 7, false},
		{n(defaultChangesPage + 1), defaultChangesPage, false},
		{n(-1), 0, true},
	}
	for _, c := range changes {
		got, err := changesPage(c.max)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("changesPage(%v): %d %v, want %d (error %v)", deref(c.max), got, err, c.want, c.err)
		}
	}
	ends := []struct {
		p     cmis.Page
		n     int
		total int64
		more  bool
	}{
		{cmis.Page{MaxItems: 2}, 2, 5, true},
		{cmis.Page{MaxItems: 2, SkipCount: 3}, 2, 5, false},
		{cmis.Page{MaxItems: 0}, 0, 5, true},
		{cmis.Page{MaxItems: 0}, 0, 0, false},
		{cmis.Page{MaxItems: 10, SkipCount: 9}, 0, 5, false},
	}
	for _, c := range ends {
		more, num := pageEnd(c.p.EndOf(c.n, c.total))
		if more != c.more || *num != c.total {
			t.Errorf("pageEnd(%+v, %d, %d): %v %d, want %v %d", c.p, c.n, c.total, more, *num, c.more, c.total)
		}
	}
	// Past the store's count: numItems is left out, hasMoreItems stays.
	for _, more := range []bool{true, false} {
		if got, num := pageEnd(cmis.PageEnd{HasMore: more, Total: cmis.Uncounted}); got != more || num != nil {
			t.Errorf("uncounted, more %v: %v %v", more, got, num)
		}
	}
}
