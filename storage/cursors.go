package storage

import (
	"container/list"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Keyset continuation. Clients page with skipCount: page after page, each
// skipping every row before it, so that page 100 would cost a hundred
// pages. Where the order is an index's (the index paths of queries,
// getChildren by name or date), the store remembers where each page it
// served ended: the values of the order's keys in its last row, for the
// position after it. A request for the page at that position, of the
// same statement with the same arguments (so the same reader), seeks past
// those keys in the index instead of skipping rows: a deep page costs
// what the first one does.
//
// A position holds for the data it was read in: the newest token of the
// change log, which every write of an object, its filing or its ACL
// moves. A change in between, and the next page skips rows again.

// maxCursors is how many page ends the store remembers (the least
// recently used go first).
const maxCursors = 4096

type cursorCache struct {
	mu      sync.Mutex
	entries map[[32]byte]*list.Element
	lru     list.List // of *cursorEntry, most recent first
}

type cursorEntry struct {
	id      [32]byte
	version int64 // the change log's newest token when the page was read
	key     []any // the order's keys in the page's last row
}

func newCursorCache() *cursorCache {
	return &cursorCache{entries: map[[32]byte]*list.Element{}}
}

// cursorID names the position pos of a statement with its arguments.
func cursorID(stmt string, args []any, pos int64) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s", pos, stmt)
	for _, a := range args {
		fmt.Fprintf(h, "\x00%T:%v", a, a)
	}
	var id [32]byte
	h.Sum(id[:0])
	return id
}

// get returns the keys remembered for a position, if they were read in
// the data as it is (version).
func (c *cursorCache) get(id [32]byte, version int64) ([]any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		return nil, false
	}
	ce := e.Value.(*cursorEntry)
	if ce.version != version {
		c.lru.Remove(e)
		delete(c.entries, id)
		return nil, false
	}
	c.lru.MoveToFront(e)
	return ce.key, true
}

// put remembers the keys of the row before a position.
func (c *cursorCache) put(id [32]byte, version int64, key []any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[id]; ok {
		e.Value = &cursorEntry{id: id, version: version, key: key}
		c.lru.MoveToFront(e)
		return
	}
	c.entries[id] = c.lru.PushFront(&cursorEntry{id: id, version: version, key: key})
	for c.lru.Len() > maxCursors {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.entries, last.Value.(*cursorEntry).id)
	}
}

// dataVersion is the change log's newest token, in the caller's
// snapshot.
func dataVersion(ctx context.Context, tx *sqlx.Tx) (int64, error) {
	var v int64
	if err := tx.GetContext(ctx, &v, `SELECT COALESCE(MAX(token), 0) FROM change_log`); err != nil {
		return 0, fmt.Errorf("data version: %w", err)
	}
	return v, nil
}

// seekPast is the condition that a row sorts after the one whose keys
// (the order's, at most two: a key and a unique tie-breaker) are k,
// written so that the first key bounds an index range.
func seekPast(keys []string, desc bool, k []any) fragment {
	if desc {
		return keyRange(keys, " < ", " < ", k)
	}
	return keyRange(keys, " > ", " > ", k)
}

// seekUpTo is the condition that a row sorts at or before the one whose
// keys are k.
func seekUpTo(keys []string, desc bool, k []any) fragment {
	if desc {
		return keyRange(keys, " > ", " >= ", k)
	}
	return keyRange(keys, " < ", " <= ", k)
}

// keyRange compares the first key by op, then the second (for rows equal
// in the first) by last.
func keyRange(keys []string, op, last string, k []any) fragment {
	if len(keys) == 1 {
		return fragment{sql: keys[0] + last + "?", args: k}
	}
	return fragment{sql: keys[0] + strings.TrimSpace(op) + "= ? AND (" + keys[0] + op + "? OR " + keys[1] + last + "?)",
		args: []any{k[0], k[0], k[1]}}
}

// keyValue is a scanned key as an argument again.
func keyValue(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}
