package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// DeleteTree removes a folder, its subfolders and the objects filed in
// them (documents with all their versions), in one transaction. Objects
// also filed outside the tree are unfiled from it or deleted, as mode
// says. p is checked on every object removed or unfiled, in the same
// transaction; without continueOnFailure a refusal refuses the whole
// tree, with it what is refused stays whole (a document with all its
// versions), filed where it was, and so do the folders that lead to it;
// their ids are returned.
func (s *DB) DeleteTree(ctx context.Context, repo, folderID string, mode cmis.UnfileMode, continueOnFailure bool, p cmis.Permit) ([]string, error) {
	var removed, failed []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		root, err := s.lockFolder(ctx, tx, lockRemove, repo, folderID)
		if err != nil {
			return err
		}
		if root == "/" {
			return cmis.Errorf(cmis.ErrConstraint, "the root folder cannot be deleted")
		}
		// Nothing is filed in the tree's folders, nor are they moved,
		// until it is gone.
		if err := s.lockSubtree(ctx, tx, repo, root); err != nil {
			return err
		}
		t, err := loadTree(ctx, tx, repo, root, mode)
		if err != nil {
			return err
		}
		if err := t.judge(ctx, tx, p); err != nil {
			return err
		}
		if t.refusal != nil && !continueOnFailure {
			return t.refusal
		}
		failed = t.failed()
		// Unfile everything from the tree's folders but what stays filed
		// there, then delete what goes.
		q, args, err := sqlx.In(`DELETE FROM containment WHERE parent_id IN (?)`, t.folders)
		if kept := t.kept(); len(kept) > 0 {
			q, args, err = sqlx.In(`DELETE FROM containment WHERE parent_id IN (?) AND child_id NOT IN (?)`, t.folders, kept)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		removed, err = s.deleteRows(ctx, tx, t.doomed(), s.now().UnixMilli())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete tree %s: %w", folderID, err)
	}
	s.released(ctx, removed...)
	return failed, nil
}

// tree is what deleteTree works on: the folders of a tree and what is
// filed in them, each object's fate, and what stays.
type tree struct {
	folders []string            // the tree's folders, by path: its top first
	filed   []string            // the other objects filed in them, in tree order
	in      map[string][]string // an object or folder → the tree's folders it is filed in
	deleted map[string]bool     // filed objects the mode deletes (the others are unfiled)
	members []seriesMember      // the version series of the deleted documents
	series  map[string][]string // a deleted document → every row of its series
	stays   map[string]bool     // refused, or leading to something refused
	refusal error               // the first refusal
}

// loadTree reads the tree under the folder at path root: its folders and
// every containment row below them.
func loadTree(ctx context.Context, tx *sqlx.Tx, repo, root string, mode cmis.UnfileMode) (*tree, error) {
	t := &tree{in: map[string][]string{}, deleted: map[string]bool{}, series: map[string][]string{}, stays: map[string]bool{}}
	lo, hi := subtreeRange(root)
	if err := tx.SelectContext(ctx, &t.folders, `SELECT id FROM objects WHERE repository_id = ? AND (path = ? OR (path >= ? AND path < ?))
		ORDER BY path`, repo, root, lo, hi); err != nil {
		return nil, err
	}
	q, args, _ := sqlx.In(`SELECT c.parent_id, c.child_id, o.base_type_id,
			(SELECT COUNT(*) FROM containment x WHERE x.child_id = c.child_id AND x.parent_id NOT IN (?)) AS outside
		FROM containment c JOIN objects o ON o.id = c.child_id JOIN objects p ON p.id = c.parent_id
		WHERE c.parent_id IN (?)
		ORDER BY p.path, c.name`, t.folders, t.folders) // the tree's order: the change log reports it
	rows, err := tx.QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var parent, child, base string
		var outside int
		if err := rows.Scan(&parent, &child, &base, &outside); err != nil {
			return nil, err
		}
		if _, seen := t.in[child]; !seen && base != string(cmis.BaseFolder) {
			t.filed = append(t.filed, child)
			// unfile keeps every object; deletesinglefiled keeps those
			// filed outside the tree too.
			t.deleted[child] = mode == cmis.UnfileDelete || (mode == cmis.UnfileDeleteSingleFiled && outside == 0)
		}
		t.in[child] = append(t.in[child], parent)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var heads []string
	for _, id := range t.filed {
		if t.deleted[id] {
			heads = append(heads, id)
		}
	}
	if len(heads) > 0 {
		if t.members, err = seriesMembers(ctx, tx, heads); err != nil {
			return nil, err
		}
	}
	for _, m := range t.members {
		t.series[m.Head] = append(t.series[m.Head], m.ID)
	}
	return t, nil
}

// judge checks p on everything the tree would lose, in one statement:
// each folder and each version of each document deleted needs p.Delete,
// each object only unfiled p.Unfile. A refused object stays, and with it
// the folders it is filed in, up to the top.
func (t *tree) judge(ctx context.Context, tx *sqlx.Tx, p cmis.Permit) error {
	if !p.Checked() {
		return nil
	}
	ids := append(append([]string{}, t.folders...), t.filed...)
	for _, m := range t.members {
		ids = append(ids, m.ID)
	}
	got, err := levels(ctx, tx, ids, p.Access)
	if err != nil {
		return err
	}
	refuse := func(n cmis.Need, id, keep string) {
		if t.refusal == nil {
			t.refusal = n.Refusal(p.User, id)
		}
		t.keep(keep)
	}
	for _, id := range t.filed {
		if !t.deleted[id] {
			if got[id] < p.Unfile.Level {
				refuse(p.Unfile, id, id)
			}
			continue
		}
		versions := t.series[id]
		if len(versions) == 0 {
			versions = []string{id} // not a document, or a PWC alone
		}
		for _, v := range versions {
			if got[v] < p.Delete.Level {
				refuse(p.Delete, v, id)
				break
			}
		}
	}
	for _, f := range t.folders {
		if got[f] < p.Delete.Level {
			refuse(p.Delete, f, f)
		}
	}
	return nil
}

// keep marks id as staying, with the folders it is filed in and theirs.
func (t *tree) keep(id string) {
	t.stays[id] = true
	for _, f := range t.in[id] {
		if !t.stays[f] {
			t.keep(f)
		}
	}
}

// kept lists what stays filed in the tree.
func (t *tree) kept() []string {
	var out []string
	for _, id := range append(append([]string{}, t.filed...), t.folders...) {
		if t.stays[id] {
			out = append(out, id)
		}
	}
	return out
}

// split divides the deleted documents' series between those that go and
// those that stay, in the order of the change log.
func (t *tree) split(goes bool) []string {
	var heads []string
	for _, id := range t.filed {
		if t.deleted[id] && t.stays[id] != goes {
			heads = append(heads, id)
		}
	}
	var ms []seriesMember
	for _, m := range t.members {
		if t.stays[m.Head] != goes {
			ms = append(ms, m)
		}
	}
	return withSeries(heads, ms)
}

// doomed is what deleteRows removes: the objects and series that go, then
// the folders that go.
func (t *tree) doomed() []string {
	out := t.split(true)
	for _, f := range t.folders {
		if !t.stays[f] {
			out = append(out, f)
		}
	}
	return out
}

// failed is what stays of what deleteTree was to remove or unfile: the
// refused series (every version), the objects refused unfiling, then the
// folders that stay.
func (t *tree) failed() []string {
	out := t.split(false)
	for _, id := range t.filed {
		if !t.deleted[id] && t.stays[id] {
			out = append(out, id)
		}
	}
	for _, f := range t.folders {
		if t.stays[f] {
			out = append(out, f)
		}
	}
	return out
}
