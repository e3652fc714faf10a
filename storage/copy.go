package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Copying a whole store into another (cmisd copy): SQLite to PostgreSQL
// and back, or between content stores. The copy is row for row, so ids,
// change tokens, dates and the change log stay as they are; only content
// ids change, since each content store names the streams it stores.

// copyTables are the tables a copy carries, parents before children.
// The full-text index is rebuilt rather than copied (its form is the
// engine's own), and schema_migrations is each database's.
var copyTables = []string{
	"repositories", "types", "property_definitions", "contents", "acls", "acl_readers", "objects", "containment",
	"object_properties", "object_secondary_types", "users", "groups", "group_members",
	"acl_entries", "applied_policies", "change_log",
}

// derivedColumns are the columns of a table that one engine's triggers
// derive from other tables and the other's has not: a copy leaves them
// to the destination's triggers.
var derivedColumns = map[string][]string{"object_properties": {"repository_id", "acl_id", "listed_type"}}

// copyBatch is how many rows one INSERT carries.
const copyBatch = 100

// CopyStats is what a copy carried.
type CopyStats struct {
	Rows    map[string]int // per table
	Streams int
	Bytes   int64
}

// sequenceResetter is a dialect whose sequences must be told about rows
// inserted with their keys given (PostgreSQL's identity columns).
type sequenceResetter interface {
	resetSequences(ctx context.Context, tx *sqlx.Tx) error
}

// CopyTo copies the whole store s into to, which must be empty (freshly
// migrated). Every content stream is read from s's content store into
// to's, its SHA-256 checked as it is written and again as it reads back
// from to; the rows follow in one transaction of to, read from one
// snapshot of s; then to's full-text index is built. progress, if set,
// hears of each table and each stream. s should not be served meanwhile:
// what changes after the snapshot is not carried.
func (s *DB) CopyTo(ctx context.Context, to *DB, progress func(format string, args ...any)) (CopyStats, error) {
	if progress == nil {
		progress = func(string, ...any) {}
	}
	stats := CopyStats{Rows: map[string]int{}}
	if err := to.requireEmpty(ctx); err != nil {
		return stats, err
	}
	var copied []string // streams stored in to, removed again if the copy fails
	var ids []string
	err := s.inReadTx(ctx, func(src *sqlx.Tx) error {
		streams, err := s.copyStreams(ctx, src, to, &stats, &copied, progress)
		if err != nil {
			return err
		}
		err = to.inTx(ctx, func(dst *sqlx.Tx) error {
			for _, table := range copyTables {
				n, err := copyTable(ctx, src, dst, table, streams)
				if err != nil {
					return fmt.Errorf("copy %s: %w", table, err)
				}
				stats.Rows[table] = n
				progress("%s: %d rows", table, n)
			}
			if r, ok := to.dialect.(sequenceResetter); ok {
				return r.resetSequences(ctx, dst)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return src.SelectContext(ctx, &ids, `SELECT id FROM objects ORDER BY id`)
	})
	if err != nil {
		to.discard(ctx, copied...)
		return stats, err
	}
	for i, id := range ids {
		if err := to.reindex(ctx, id); err != nil {
			return stats, fmt.Errorf("full-text index of %s: %w", id, err)
		}
		if (i+1)%10000 == 0 {
			progress("full text: %d of %d objects", i+1, len(ids))
		}
	}
	return stats, nil
}

// requireEmpty refuses a store that has a repository or a user.
func (s *DB) requireEmpty(ctx context.Context) error {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT (SELECT COUNT(*) FROM repositories) + (SELECT COUNT(*) FROM users)`); err != nil {
		return fmt.Errorf("copy: the destination: %w", err)
	}
	if n > 0 {
		return errors.New("copy: the destination is not empty (it has repositories or users); copy into a fresh store")
	}
	return nil
}

// copyStreams copies every stream the contents rows describe and returns
// the destination id of each source id.
func (s *DB) copyStreams(ctx context.Context, src *sqlx.Tx, to *DB, stats *CopyStats, copied *[]string, progress func(string, ...any)) (map[string]string, error) {
	var rows []struct {
		ID     string `db:"id"`
		Length int64  `db:"length"`
		SHA256 string `db:"sha256"`
	}
	if err := src.SelectContext(ctx, &rows, `SELECT id, length, sha256 FROM contents ORDER BY id`); err != nil {
		return nil, fmt.Errorf("copy contents: %w", err)
	}
	ids := make(map[string]string, len(rows))
	for i, c := range rows {
		newID, err := s.copyStream(ctx, to, c.ID, c.Length, c.SHA256)
		if newID != "" {
			*copied = append(*copied, newID)
		}
		if err != nil {
			return nil, err
		}
		ids[c.ID] = newID
		stats.Streams++
		stats.Bytes += c.Length
		if (i+1)%1000 == 0 || c.Length >= 64<<20 {
			progress("content: %d of %d streams", i+1, len(rows))
		}
	}
	return ids, nil
}

// copyStream stores one stream in to's content store and checks its
// length and SHA-256 against its row, as written and as read back.
func (s *DB) copyStream(ctx context.Context, to *DB, id string, length int64, sum string) (string, error) {
	r, err := s.content.Open(ctx, id, 0, -1)
	if err != nil {
		return "", fmt.Errorf("copy content %s: %w", id, err)
	}
	st, err := to.content.Put(ctx, r)
	r.Close()
	if err != nil {
		return "", fmt.Errorf("copy content %s: %w", id, err)
	}
	if st.Length != length || st.SHA256 != sum {
		return st.ID, fmt.Errorf("copy content %s: read %d bytes with SHA-256 %s; its row says %d bytes, %s", id, st.Length, st.SHA256, length, sum)
	}
	back, err := to.content.Open(ctx, st.ID, 0, -1)
	if err != nil {
		return st.ID, fmt.Errorf("copy content %s: reading the copy back: %w", id, err)
	}
	defer back.Close()
	h := sha256.New()
	n, err := io.Copy(h, back)
	if err != nil {
		return st.ID, fmt.Errorf("copy content %s: reading the copy back: %w", id, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != length || got != sum {
		return st.ID, fmt.Errorf("copy content %s: the copy reads back %d bytes with SHA-256 %s, want %d bytes, %s", id, n, got, length, sum)
	}
	return st.ID, nil
}

// copyTable copies a table's rows in batches, content ids mapped through
// streams. types go parents first (a type's parent is a row of the same
// table, and there are few).
func copyTable(ctx context.Context, src, dst *sqlx.Tx, table string, streams map[string]string) (int, error) {
	order := ""
	if table == "change_log" {
		order = " ORDER BY token"
	}
	rows, err := src.QueryxContext(ctx, "SELECT * FROM "+table+order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	keep := copiedColumns(table, cols)
	cols = pick(cols, keep)
	remap := -1 // the column holding a content id
	for i, c := range cols {
		if (table == "contents" && c == "id") || (table == "objects" && c == "content_id") {
			remap = i
		}
	}
	var batch [][]any
	n := 0
	for rows.Next() {
		vals, err := rows.SliceScan()
		if err != nil {
			return 0, err
		}
		vals = pick(vals, keep)
		if err := copyValues(vals, remap, streams); err != nil {
			return 0, err
		}
		batch = append(batch, vals)
		n++
		if len(batch) == copyBatch && table != "types" {
			if err := insertRows(ctx, dst, table, cols, batch); err != nil {
				return 0, err
			}
			batch = batch[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if table == "types" {
		batch = parentsFirst(cols, batch)
	}
	for i := 0; i < len(batch); i += copyBatch {
		if err := insertRows(ctx, dst, table, cols, batch[i:min(i+copyBatch, len(batch))]); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// copiedColumns are the indexes of a table's columns that a copy carries
// (nil: all of them).
func copiedColumns(table string, cols []string) []int {
	var keep []int
	for i, c := range cols {
		if !slices.Contains(derivedColumns[table], c) {
			keep = append(keep, i)
		}
	}
	if len(keep) == len(cols) {
		return nil
	}
	return keep
}

// pick is the values at the indexes keep (nil: all of them).
func pick[T any](vals []T, keep []int) []T {
	if keep == nil {
		return vals
	}
	out := make([]T, len(keep))
	for j, i := range keep {
		out[j] = vals[i]
	}
	return out
}

// copyValues readies a row's values for the destination: text as
// strings (every column is text or a number), and the content id in
// column remap (if any) mapped to the copy's.
func copyValues(vals []any, remap int, streams map[string]string) error {
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			vals[i] = string(b)
		}
	}
	if remap < 0 || vals[remap] == nil {
		return nil
	}
	old := fmt.Sprint(vals[remap])
	id, ok := streams[old]
	if !ok {
		return fmt.Errorf("content %s was not copied", old)
	}
	vals[remap] = id
	return nil
}

// parentsFirst orders type rows so that each comes after its parent.
func parentsFirst(cols []string, rows [][]any) [][]any {
	col := func(name string) int {
		for i, c := range cols {
			if c == name {
				return i
			}
		}
		return -1
	}
	repo, id, parent := col("repository_id"), col("id"), col("parent_id")
	key := func(r []any, i int) string { return fmt.Sprint(r[repo]) + "\x00" + fmt.Sprint(r[i]) }
	placed := map[string]bool{}
	var out [][]any
	for len(rows) > 0 {
		var later [][]any
		for _, r := range rows {
			if r[parent] == nil || placed[key(r, parent)] {
				placed[key(r, id)] = true
				out = append(out, r)
			} else {
				later = append(later, r)
			}
		}
		if len(later) == len(rows) {
			return append(out, later...) // orphans: the insert reports them
		}
		rows = later
	}
	return out
}

func insertRows(ctx context.Context, dst *sqlx.Tx, table string, cols []string, rows [][]any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var args []any
	values := make([]string, len(rows))
	for i, r := range rows {
		values[i] = one
		args = append(args, r...)
	}
	_, err := dst.ExecContext(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES "+strings.Join(values, ", "), args...)
	return err
}
