package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Policies are objects of base cmis:policy; applied_policies says which
// policy is applied to which object. A row goes when its object goes
// (deleteRows); a policy that is still applied to an object that stays
// cannot be deleted (constraint). Applying or removing a policy is a
// change of the object it is applied to: its change token moves.

// insertPolicy applies one policy inside a transaction; applying it again
// changes nothing. It reports whether a row was added.
func insertPolicy(ctx context.Context, tx *sqlx.Tx, repo, policyID, objectID string) (bool, error) {
	var base string
	err := tx.GetContext(ctx, &base, `SELECT base_type_id FROM objects WHERE id = ? AND repository_id = ?`, policyID, repo)
	if isNoRows(err) {
		return false, cmis.Errorf(cmis.ErrObjectNotFound, "policy %s not found", policyID)
	}
	if err != nil {
		return false, err
	}
	if base != string(cmis.BasePolicy) {
		return false, cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not a policy", policyID)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO applied_policies (object_id, policy_id) VALUES (?, ?)
		ON CONFLICT (object_id, policy_id) DO NOTHING`, objectID, policyID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// applyPolicies applies the policies a new object is created with.
func applyPolicies(ctx context.Context, tx *sqlx.Tx, o *cmis.Object) error {
	for _, p := range o.Policies {
		if _, err := insertPolicy(ctx, tx, o.RepositoryID, p, o.ID); err != nil {
			return err
		}
	}
	return nil
}

// ApplyPolicy applies a policy to an object.
func (s *DB) ApplyPolicy(ctx context.Context, repo, policyID, objectID, user string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockObjects(ctx, tx, lockChange, objectID); err != nil {
			return err
		}
		if _, err := getObject(ctx, tx, repo, objectID); err != nil {
			return err
		}
		added, err := insertPolicy(ctx, tx, repo, policyID, objectID)
		if err != nil || !added {
			return err
		}
		if err := touch(ctx, tx, repo, objectID, nil, user, s.now().UnixMilli()); err != nil {
			return err
		}
		return logChanges(ctx, tx, s.now().UnixMilli(), changeSecurity, objectID)
	})
	if err != nil {
		return fmt.Errorf("apply policy %s to %s: %w", policyID, objectID, err)
	}
	return nil
}

// RemovePolicy removes a policy from an object.
func (s *DB) RemovePolicy(ctx context.Context, repo, policyID, objectID, user string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockObjects(ctx, tx, lockChange, objectID); err != nil {
			return err
		}
		if _, err := getObject(ctx, tx, repo, objectID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM applied_policies WHERE object_id = ? AND policy_id = ?`, objectID, policyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cmis.Errorf(cmis.ErrInvalidArgument, "policy %s is not applied to %s", policyID, objectID)
		}
		if err := touch(ctx, tx, repo, objectID, nil, user, s.now().UnixMilli()); err != nil {
			return err
		}
		return logChanges(ctx, tx, s.now().UnixMilli(), changeSecurity, objectID)
	})
	if err != nil {
		return fmt.Errorf("remove policy %s from %s: %w", policyID, objectID, err)
	}
	return nil
}

// AppliedPolicies returns the policies applied to an object that reader
// may see.
func (s *DB) AppliedPolicies(ctx context.Context, repo, id string, reader *cmis.Access) ([]*cmis.Object, error) {
	var out []*cmis.Object
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := getObject(ctx, tx, repo, id); err != nil {
			return err
		}
		acl, aclArgs := readFilter("o", reader)
		var err error
		out, err = queryObjects(ctx, tx, `SELECT `+objectColumns+objectFrom+`
			JOIN applied_policies ap ON ap.policy_id = o.id WHERE ap.object_id = ?`+acl+` ORDER BY o.id`,
			append([]any{id}, aclArgs...)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("policies of %s: %w", id, err)
	}
	return out, nil
}

// PolicyIDs returns the ids of the visible policies applied to each of a
// set of objects, in one statement.
func (s *DB) PolicyIDs(ctx context.Context, ids []string, reader *cmis.Access) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT ap.object_id, ap.policy_id FROM applied_policies ap JOIN objects o ON o.id = ap.policy_id
		WHERE ap.object_id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	acl, aclArgs := readFilter("o", reader)
	rows, err := s.queryer(ctx).QueryxContext(ctx, q+acl+` ORDER BY ap.object_id, ap.policy_id`, append(args, aclArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("applied policies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid, pid string
		if err := rows.Scan(&oid, &pid); err != nil {
			return nil, err
		}
		out[oid] = append(out[oid], pid)
	}
	return out, rows.Err()
}

// releasePolicies runs before objects are deleted: their own policy rows
// go, and a policy among them that is still applied to an object that
// stays makes the deletion fail.
func releasePolicies(ctx context.Context, tx *sqlx.Tx, ids []string) error {
	q, args, err := sqlx.In(`DELETE FROM applied_policies WHERE object_id IN (?)`, ids)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return err
	}
	q, args, _ = sqlx.In(`SELECT policy_id, object_id FROM applied_policies WHERE policy_id IN (?) LIMIT 1`, ids)
	var still struct {
		Policy string `db:"policy_id"`
		Object string `db:"object_id"`
	}
	err = tx.GetContext(ctx, &still, q, args...)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return cmis.Errorf(cmis.ErrConstraint, "policy %s is applied to %s: remove it there before deleting it", still.Policy, still.Object)
}
