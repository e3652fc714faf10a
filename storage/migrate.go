package storage

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// migrate applies the engine's embedded migrations not yet recorded in
// schema_migrations, each in its own transaction, in version order. It
// runs on one connection holding the dialect's migration lock, so that
// two processes starting on one database at the same time migrate it
// once: the second finds every version recorded.
func (s *DB) migrate(ctx context.Context) error {
	ctx = context.WithValue(ctx, migrating{}, true)
	conn, err := s.wdb.Connx(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	unlock, err := s.dialect.lockMigrations(ctx, conn)
	if err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer unlock()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	all, err := migrationFiles(s.dialect.migrationsDir())
	if err != nil {
		return err
	}
	for _, m := range all {
		after, err := s.applyMigration(ctx, conn, m)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, stmt := range after {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate: %s: %w", m.name, err)
			}
		}
	}
	return nil
}

// migration is one numbered file of migrations/<engine>.
type migration struct {
	version int
	name    string
}

// migrationFiles lists a directory's migrations in version order.
func migrationFiles(dir string) ([]migration, error) {
	names, err := fs.Glob(migrations, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var all []migration
	for _, n := range names {
		v, err := strconv.Atoi(strings.SplitN(path.Base(n), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", n)
		}
		all = append(all, migration{v, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].version < all[j].version })
	for i := 1; i < len(all); i++ {
		if all[i].version == all[i-1].version {
			// The second would be skipped silently: its version is recorded.
			return nil, fmt.Errorf("migrations %s and %s have one number", all[i-1].name, all[i].name)
		}
	}
	return all, nil
}

// applyMigration runs one migration unless schema_migrations has it, and
// returns its VACUUM statements, which cannot run in a transaction: the
// caller runs them after it commits. (They only help the planner: a
// table a migration rewrote has no page marked all-visible until one
// runs, and PostgreSQL then prices an index-only scan as an index scan.
// Were the process to stop in between, autovacuum would do it in time.)
func (s *DB) applyMigration(ctx context.Context, conn *sqlx.Conn, m migration) (after []string, err error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			return
		}
		err = tx.Commit()
	}()
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, nil
	}
	body, err := migrations.ReadFile(m.name)
	if err != nil {
		return nil, err
	}
	for _, stmt := range splitSQL(string(body)) {
		if strings.HasPrefix(strings.ToUpper(stmt), "VACUUM") {
			after = append(after, stmt)
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("%s: %w", m.name, err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, s.now().UnixMilli())
	return after, err
}

// splitSQL splits a migration into statements at semicolons that end a
// line; the migrations keep to that form. Comment lines are dropped.
func splitSQL(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// Ready reports whether the database answers reads and has every
// migration of this build applied. It reads through the read pool only:
// a long write does not make the store look unready.
func (s *DB) Ready(ctx context.Context) error {
	all, err := migrationFiles(s.dialect.migrationsDir())
	if err != nil {
		return err
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM schema_migrations`); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if n != len(all) {
		return fmt.Errorf("database: %d of %d migrations applied", n, len(all))
	}
	return nil
}
