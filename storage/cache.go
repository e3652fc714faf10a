package storage

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Repositories, types, accounts and group membership are read by nearly
// every request and change rarely: they are kept in memory, valid for
// one value of the cache generation (migration 0005: every change to
// their tables bumps it in the changing transaction). A request reads the
// generation once, in its read snapshot (Read), so a change made through
// any process sharing the store shows at the next request, at the cost of
// one cheap statement per request for all the caches together.
//
// Cached values are shared: callers must not modify them.
type cache struct {
	mu       sync.Mutex
	gen      int64
	types    map[typeKey]*cmis.TypeDefinition
	byQuery  map[typeKey]*cmis.TypeDefinition // repository, type query name
	props    map[typeKey]*cmis.PropertyDefinition
	queried  map[typeKey][]string // a type and its subtypes a query of it reads
	children map[typeKey][]string // a type's direct subtypes ("": the base types)
	accounts map[string]*cmis.Account
	repos    map[string]*cmis.RepositoryInfo

	hits, misses atomic.Int64
}

type typeKey struct{ repo, id string }

// reset empties the cache for generation gen; the caller holds mu.
func (c *cache) reset(gen int64) {
	c.gen = gen
	c.types = map[typeKey]*cmis.TypeDefinition{}
	c.byQuery = map[typeKey]*cmis.TypeDefinition{}
	c.props = map[typeKey]*cmis.PropertyDefinition{}
	c.queried = map[typeKey][]string{}
	c.children = map[typeKey][]string{}
	c.accounts = map[string]*cmis.Account{}
	c.repos = map[string]*cmis.RepositoryInfo{}
}

// CacheStats are the hits and misses of the in-memory caches.
func (s *DB) CacheStats() (hits, misses int64) { return s.cache.hits.Load(), s.cache.misses.Load() }

// cached returns m's entry for k, valid in the generation the request
// sees, or loads it. Inside a write transaction it stores only what the
// transaction read before it changed any cached table (unchangedBy):
// anything else may never commit.
func cached[K comparable, V any](s *DB, ctx context.Context, m func(*cache) map[K]V, k K, load func() (V, error)) (V, error) {
	gen, err := s.generation(ctx)
	if err != nil {
		var zero V
		return zero, err
	}
	c := &s.cache
	// A write transaction's generation may be one it bumped itself and
	// never commits: it neither resets the cache nor fills it.
	inWrite := scopeOf(ctx) != nil && scopeOf(ctx).write
	c.mu.Lock()
	if !inWrite && (gen > c.gen || c.types == nil) {
		c.reset(gen)
	}
	if gen == c.gen && c.types != nil {
		if v, ok := m(c)[k]; ok {
			c.mu.Unlock()
			c.hits.Add(1)
			return v, nil
		}
	}
	c.mu.Unlock()
	c.misses.Add(1)
	v, err := load()
	if err != nil {
		return v, err
	}
	if inWrite && !s.unchangedBy(ctx, gen) {
		return v, nil
	}
	c.mu.Lock()
	if gen == c.gen {
		m(c)[k] = v
	}
	c.mu.Unlock()
	return v, nil
}

// unchangedBy reports whether the request's write transaction, which
// first saw the generation gen, still sees gen, and gen is the cache's:
// a change to a cached table bumps the generation in the changing
// transaction, so what the transaction has loaded so far is what gen
// committed, and may be cached. Without it, a write-only load (a stream
// of createFolder) would load its type from SQL on every request. One
// statement, on a miss only.
func (s *DB) unchangedBy(ctx context.Context, gen int64) bool {
	s.cache.mu.Lock()
	current := gen == s.cache.gen && s.cache.types != nil
	s.cache.mu.Unlock()
	if !current {
		return false
	}
	var now int64
	err := scopeOf(ctx).tx.GetContext(ctx, &now, generationQuery)
	return err == nil && now == gen
}

// generationQuery reads the cache generation (on SQLite it also opens a
// read snapshot: sqlite_snapshot.go).
const generationQuery = `SELECT value FROM cache_generation WHERE id = 1`

// generation is the cache generation the request sees: read once per
// transaction (a write reads its own), or alone outside one.
func (s *DB) generation(ctx context.Context) (int64, error) {
	sc := scopeOf(ctx)
	if sc != nil && sc.genKnown {
		return sc.gen, nil
	}
	var gen int64
	var err error
	if sc != nil && sc.tx != nil {
		err = sc.tx.GetContext(ctx, &gen, generationQuery)
	} else {
		err = s.db.GetContext(ctx, &gen, generationQuery)
	}
	if err != nil {
		return 0, fmt.Errorf("cache generation: %w", err)
	}
	if sc != nil && sc.tx != nil {
		sc.gen, sc.genKnown = gen, true
	}
	return gen, nil
}

// Type returns a type definition with its inherited property definitions.
func (s *DB) Type(ctx context.Context, repo, typeID string) (*cmis.TypeDefinition, error) {
	t, err := cached(s, ctx, func(c *cache) map[typeKey]*cmis.TypeDefinition { return c.types }, typeKey{repo, typeID},
		func() (t *cmis.TypeDefinition, err error) {
			err = s.inReadTx(ctx, func(tx *sqlx.Tx) error {
				t, err = loadType(ctx, tx, repo, typeID)
				return err
			})
			return t, err
		})
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", typeID, err)
	}
	return t, nil
}

// TypeByQueryName returns the type a query's FROM names.
func (s *DB) TypeByQueryName(ctx context.Context, repo, queryName string) (*cmis.TypeDefinition, error) {
	return cached(s, ctx, func(c *cache) map[typeKey]*cmis.TypeDefinition { return c.byQuery }, typeKey{repo, queryName},
		func() (*cmis.TypeDefinition, error) {
			var id string
			err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
				return tx.GetContext(ctx, &id, `SELECT id FROM types WHERE repository_id = ? AND query_name = ?`, repo, queryName)
			})
			if isNoRows(err) {
				return nil, cmis.Errorf(cmis.ErrObjectNotFound, "no type has the query name %q", queryName)
			}
			if err != nil {
				return nil, fmt.Errorf("type %q: %w", queryName, err)
			}
			return s.Type(ctx, repo, id)
		})
}

// PropertyByQueryName finds the property a query name stands for.
func (s *DB) PropertyByQueryName(ctx context.Context, repo, queryName string) (*cmis.PropertyDefinition, error) {
	return cached(s, ctx, func(c *cache) map[typeKey]*cmis.PropertyDefinition { return c.props }, typeKey{repo, queryName},
		func() (*cmis.PropertyDefinition, error) { return s.propertyByQueryName(ctx, repo, queryName) })
}

// Repository returns one repository.
func (s *DB) Repository(ctx context.Context, id string) (*cmis.RepositoryInfo, error) {
	return cached(s, ctx, func(c *cache) map[string]*cmis.RepositoryInfo { return c.repos }, id,
		func() (*cmis.RepositoryInfo, error) { return s.repository(ctx, id) })
}

// Account returns a user with its groups.
func (s *DB) Account(ctx context.Context, name string) (*cmis.Account, error) {
	return cached(s, ctx, func(c *cache) map[string]*cmis.Account { return c.accounts }, name,
		func() (*cmis.Account, error) { return s.account(ctx, name) })
}
