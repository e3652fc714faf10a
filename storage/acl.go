package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

var _ cmis.ACLStore = (*DB)(nil)

// readFilter is the SQL condition, " AND …", under which the object of
// the table aliased alias is visible to a; nil access sees everything, an
// admin everything but a.Hidden. It is part of the listing statement
// itself, so paging and counts are right for each user and no object
// costs a query of its own.
func readFilter(alias string, a *cmis.Access) (string, []any) {
	if a == nil {
		return "", nil
	}
	q, args := hiddenFilter(alias, a.Hidden)
	acl, aclArgs := aclFilter(alias+".acl_id", a)
	return q + acl, append(args, aclArgs...)
}

// aclFilter is the part of readFilter that a's ACEs decide, for the
// object whose ACL id is the SQL aclID: objects.acl_id, or the copy a
// filing carries in containment's indexes, which a listing read in index
// order checks without leaving the index (migration 9 on SQLite, 10 on
// PostgreSQL). Every ACE grants read, so a reader sees the ACLs that name
// one of its principals: a few ids of the small acl_readers table, which
// the engine reads once per statement.
func aclFilter(aclID string, a *cmis.Access) (string, []any) {
	if a == nil || a.Admin {
		return "", nil
	}
	if len(a.Principals) == 0 {
		return " AND 1 = 0", nil
	}
	in, args := principalsIn(a)
	// IS TRUE (the same as the bare IN in a WHERE clause) keeps
	// PostgreSQL from making the IN a join, which would reorder the plan
	// around the driving index: it stays a test of the row against the
	// readable ids, hashed once per statement. SQLite reads them once
	// either way.
	return " AND (" + aclID + " IN (SELECT ar.acl_id FROM acl_readers ar WHERE ar.principal_id" + in + ")) IS TRUE", args
}

// principalsIn is " IN (?, …)" over a's principals (at least one), and
// its arguments.
func principalsIn(a *cmis.Access) (string, []any) {
	in, args := inList(a.Principals)
	return " IN (" + in + ")", args
}

// hiddenFilter is the condition, " AND …", that leaves out objects of the
// hidden base types and relationships with an end of one of them.
func hiddenFilter(alias string, hidden []cmis.BaseTypeID) (string, []any) {
	if len(hidden) == 0 {
		return "", nil
	}
	in := "(?" + strings.Repeat(", ?", len(hidden)-1) + ")"
	args := make([]any, 0, 2*len(hidden))
	for range 2 {
		for _, b := range hidden {
			args = append(args, string(b))
		}
	}
	return " AND " + alias + ".base_type_id NOT IN " + in + " AND (" + alias + ".source_id IS NULL OR NOT EXISTS (" +
		"SELECT 1 FROM objects hid WHERE hid.id IN (" + alias + ".source_id, " + alias + ".target_id) AND hid.base_type_id IN " + in + "))", args
}

// ACL returns an object's ACEs.
func (s *DB) ACL(ctx context.Context, repo, id string) ([]cmis.ACE, error) {
	var out []cmis.ACE
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := getObject(ctx, tx, repo, id); err != nil {
			return err
		}
		var err error
		out, err = loadACL(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("acl of %s: %w", id, err)
	}
	return out, nil
}

func loadACL(ctx context.Context, tx *sqlx.Tx, id string) ([]cmis.ACE, error) {
	rows, err := tx.QueryxContext(ctx, `SELECT principal_id, permission, direct FROM acl_entries
		WHERE object_id = ? ORDER BY direct DESC, principal_id, level`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cmis.ACE
	for rows.Next() {
		var a cmis.ACE
		if err := rows.Scan(&a.Principal, &a.Permission, &a.Direct); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// inheritACL gives a new object the ACEs of the folder it is created in,
// as inherited (not direct) entries.
func inheritACL(ctx context.Context, tx *sqlx.Tx, objectID, parentID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO acl_entries (object_id, principal_id, permission, level, direct)
		SELECT ?, principal_id, permission, level, 0 FROM acl_entries WHERE object_id = ?`, objectID, parentID)
	return err
}

// changeACL removes then adds ACEs on the given objects. Added ACEs are
// direct on target and inherited on the others (propagation). Each ACE
// is one statement per idBatch objects, not one per object: on
// PostgreSQL each statement also recomputes the ACL ids of the objects it
// changed (migration 10), and a folder of 20,000 documents took a minute
// one by one.
func changeACL(ctx context.Context, tx *sqlx.Tx, ids []string, target string, add, remove []cmis.ACE) error {
	for batch := range slices.Chunk(ids, idBatch) {
		in, args := inList(batch)
		for _, a := range remove {
			if _, err := tx.ExecContext(ctx, `DELETE FROM acl_entries WHERE principal_id = ? AND permission = ? AND object_id IN (`+in+`)`,
				append([]any{a.Principal, a.Permission}, args...)...); err != nil {
				return err
			}
		}
		for _, a := range add {
			// An ACE already there stays; set on the target it becomes
			// direct. One statement: no window for another writer.
			_, err := tx.ExecContext(ctx, `INSERT INTO acl_entries (object_id, principal_id, permission, level, direct)
				SELECT o.id, ?, ?, ?, CASE WHEN o.id = ? THEN 1 ELSE 0 END FROM objects o WHERE o.id IN (`+in+`)
				ON CONFLICT (object_id, principal_id, permission)
				DO UPDATE SET direct = CASE WHEN excluded.direct = 1 THEN 1 ELSE acl_entries.direct END`,
				append([]any{a.Principal, a.Permission, cmis.PermissionLevel(a.Permission), target}, args...)...)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// insertACE adds one entry to an object's ACL.
func insertACE(ctx context.Context, tx execer, objectID string, a cmis.ACE) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO acl_entries (object_id, principal_id, permission, level, direct)
		VALUES (?, ?, ?, ?, ?)`, objectID, a.Principal, a.Permission, cmis.PermissionLevel(a.Permission), b2i(a.Direct))
	return err
}

// ApplyACL changes an object's ACL, and with propagate that of everything
// below it (a folder's subtree by path, and the objects filed there).
// The object's change token moves, as for any change.
func (s *DB) ApplyACL(ctx context.Context, repo, id string, add, remove []cmis.ACE, propagate bool, user string) ([]cmis.ACE, error) {
	var out []cmis.ACE
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// lockRemove: a write that checked its permission on the object
		// (Levels, lockKeep) finishes first, or checks after this commits.
		if err := s.lockObjects(ctx, tx, lockRemove, id); err != nil {
			return err
		}
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		ids := []string{id}
		if propagate && o.BaseTypeID == cmis.BaseFolder {
			// What is created in the subtree meanwhile would inherit the
			// old ACL and miss the change: it waits.
			if err := s.lockSubtree(ctx, tx, repo, o.Path); err != nil {
				return err
			}
			lo, hi := subtreeRange(o.Path)
			var below []string
			if err := tx.SelectContext(ctx, &below, `SELECT DISTINCT c.child_id FROM containment c JOIN objects p ON p.id = c.parent_id
				WHERE p.repository_id = ? AND (p.id = ? OR (p.path >= ? AND p.path < ?))`, repo, id, lo, hi); err != nil {
				return err
			}
			// Their ACLs change too: the same turn-taking with checks.
			if err := s.lockObjects(ctx, tx, lockRemove, below...); err != nil {
				return err
			}
			ids = append(ids, below...)
		}
		if err := changeACL(ctx, tx, ids, id, add, remove); err != nil {
			return err
		}
		if err := touch(ctx, tx, repo, id, nil, user, s.now().UnixMilli()); err != nil {
			return err
		}
		if err := logChanges(ctx, tx, s.now().UnixMilli(), changeSecurity, ids...); err != nil {
			return err
		}
		out, err = loadACL(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apply acl to %s: %w", id, err)
	}
	return out, nil
}

// Levels returns the highest access a's principals have to each object,
// in one statement for the whole set.
//
// In the request's transaction it reads that; in a write, where it is the
// permission check the write relies on, it first locks the objects
// against a change of their ACLs (lockKeep; ApplyACL takes lockRemove):
// the check stays true until the write commits (PostgreSQL, where writers
// run side by side).
func (s *DB) Levels(ctx context.Context, ids []string, a *cmis.Access) (map[string]cmis.Level, error) {
	if sc := scopeOf(ctx); sc != nil && sc.write && (a == nil || !a.Admin) {
		if err := s.lockObjects(ctx, sc.tx, lockKeep, ids...); err != nil {
			return nil, fmt.Errorf("access levels: %w", err)
		}
	}
	out, err := levels(ctx, s.queryer(ctx), ids, a)
	if err != nil {
		return nil, fmt.Errorf("access levels: %w", err)
	}
	return out, nil
}

// levels is Levels on q: the database, or a transaction that must see
// its own snapshot.
func levels(ctx context.Context, q sqlx.QueryerContext, ids []string, a *cmis.Access) (map[string]cmis.Level, error) {
	out := make(map[string]cmis.Level, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if a != nil && a.Admin {
		for _, id := range ids {
			out[id] = cmis.CanAll
		}
		return out, nil
	}
	if a == nil || len(a.Principals) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT object_id, MAX(level) FROM acl_entries
		WHERE object_id IN (?) AND principal_id IN (?) GROUP BY object_id`, ids, a.Principals)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryxContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var l int
		if err := rows.Scan(&id, &l); err != nil {
			return nil, err
		}
		out[id] = cmis.Level(l)
	}
	return out, rows.Err()
}

// permitted checks, in the deleting transaction, that p.Delete holds on
// every object of ids: the first that it does not is refused.
func permitted(ctx context.Context, tx *sqlx.Tx, p cmis.Permit, ids []string) error {
	if !p.Checked() {
		return nil
	}
	got, err := levels(ctx, tx, ids, p.Access)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if got[id] < p.Delete.Level {
			return p.Delete.Refusal(p.User, id)
		}
	}
	return nil
}
