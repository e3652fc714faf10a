package storage

import "testing"

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`},
		{`SELECT '?', "?x", ? FROM t WHERE s = 'it''s ?' AND x = ?`, `SELECT '?', "?x", $1 FROM t WHERE s = 'it''s ?' AND x = $2`},
		{`LIKE ? ESCAPE '\'`, `LIKE $1 ESCAPE '\'`},
	}
	for _, c := range cases {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	r := newRebinder()
	for i := 0; i < rebindCacheSize+10; i++ {
		r.rebind("SELECT ?" + string(rune('a'+i%26)) + string(rune(i)))
	}
	if n := len(r.texts); n > rebindCacheSize {
		t.Errorf("the cache holds %d texts, at most %d", n, rebindCacheSize)
	}
}
