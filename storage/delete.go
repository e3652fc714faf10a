package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// DeleteObject removes one object; a folder must be empty and cannot be
// the root. A document goes with all its versions, each of which p must
// allow removing.
func (s *DB) DeleteObject(ctx context.Context, repo, id string, p cmis.Permit) error {
	var removed []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// Locked first: nothing is filed in it or related to it meanwhile.
		if err := s.lockObjects(ctx, tx, lockRemove, id); err != nil {
			return err
		}
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		if o.BaseTypeID == cmis.BaseFolder {
			if o.Path == "/" {
				return cmis.Errorf(cmis.ErrConstraint, "the root folder cannot be deleted")
			}
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM containment WHERE parent_id = ?`, id); err != nil {
				return err
			}
			if n > 0 {
				return cmis.Errorf(cmis.ErrConstraint, "folder %s is not empty (%d children); use deleteTree", id, n)
			}
		}
		ids, err := seriesOf(ctx, tx, []string{id}) // a document goes with all its versions
		if err != nil {
			return err
		}
		if err := permitted(ctx, tx, p, ids); err != nil {
			return err
		}
		removed, err = s.deleteRows(ctx, tx, ids, s.now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	s.released(ctx, removed...)
	return nil
}

// deleteRows deletes objects (containment, properties and secondary types
// go by cascade) and the content rows they were the last to use. The
// relationships of the objects go with them; a policy still applied to
// an object that stays is a constraint error.
func (s *DB) deleteRows(ctx context.Context, tx *sqlx.Tx, ids []string, now int64) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// Locked before their relationships are read: none is added meanwhile.
	if err := s.lockObjects(ctx, tx, lockRemove, ids...); err != nil {
		return nil, err
	}
	ids, err := withDependents(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	if err := s.lockObjects(ctx, tx, lockRemove, ids...); err != nil {
		return nil, err
	}
	if err := logChanges(ctx, tx, now, changeDeleted, ids...); err != nil {
		return nil, err
	}
	if err := s.unindex(ctx, tx, ids); err != nil {
		return nil, err
	}
	if err := releasePolicies(ctx, tx, ids); err != nil {
		return nil, err
	}
	q, args, err := sqlx.In(`SELECT DISTINCT content_id FROM objects WHERE id IN (?) AND content_id IS NOT NULL`, ids)
	if err != nil {
		return nil, err
	}
	var contents []string
	if err := tx.SelectContext(ctx, &contents, q, args...); err != nil {
		return nil, err
	}
	// Containment rows naming the objects as parent first: the foreign key
	// on parent_id does not cascade (a folder's children are not deleted
	// implicitly).
	q, args, _ = sqlx.In(`DELETE FROM containment WHERE parent_id IN (?)`, ids)
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return nil, err
	}
	q, args, _ = sqlx.In(`DELETE FROM objects WHERE id IN (?)`, ids)
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return nil, err
	}
	var removed []string
	for _, c := range contents {
		r, err := dropContentIfUnused(ctx, tx, c)
		if err != nil {
			return nil, err
		}
		if r != "" {
			removed = append(removed, r)
		}
	}
	return removed, nil
}
