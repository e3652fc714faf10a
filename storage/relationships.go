package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Relationships are rows of objects with source_id and target_id set
// (both indexed); they are never filed. A relationship depends on its
// ends: deleting either end deletes it in the same transaction (see
// deleteRows), whoever may see it, so no relationship ever points at a
// missing object.

// directionClause is the condition selecting relationships of the objects
// whose ids fill the IN lists, in a direction.
func directionClause(dir cmis.Direction, ids []string) (string, []any, error) {
	var q string
	var args []any
	switch dir {
	case cmis.DirectionSource, "":
		q, args = `o.source_id IN (?)`, []any{ids}
	case cmis.DirectionTarget:
		q, args = `o.target_id IN (?)`, []any{ids}
	case cmis.DirectionEither:
		q, args = `(o.source_id IN (?) OR o.target_id IN (?))`, []any{ids, ids}
	default:
		return "", nil, cmis.Errorf(cmis.ErrInvalidArgument, "relationship direction %q", dir)
	}
	return q, args, nil
}

// Relationships returns one page of an object's relationships that the
// reader may see, and their total: two statements for the rows, two for
// their properties.
func (s *DB) Relationships(ctx context.Context, repo string, rq cmis.RelationshipQuery) ([]*cmis.Object, cmis.PageEnd, error) {
	var out []*cmis.Object
	var end cmis.PageEnd
	err := s.readLimited(ctx, "getObjectRelationships", func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := getObject(ctx, tx, repo, rq.ObjectID); err != nil {
			return err
		}
		dir, dargs, err := directionClause(rq.Direction, []string{rq.ObjectID})
		if err != nil {
			return err
		}
		where := ` WHERE ` + s.dialect.noIndexPrefix() + `o.repository_id = ? AND o.base_type_id = 'cmis:relationship' AND ` + dir
		args := append([]any{repo}, dargs...)
		if len(rq.TypeIDs) > 0 {
			where += ` AND o.type_id IN (?)`
			args = append(args, rq.TypeIDs)
		}
		where, args, err = sqlx.In(where, args...)
		if err != nil {
			return err
		}
		acl, aclArgs := readFilter("o", rq.Reader)
		where += acl
		args = append(args, aclArgs...)
		out, end, err = s.listPage(ctx, tx, where, args, nil, rq.Page, true)
		return err
	})
	if err != nil {
		return nil, cmis.PageEnd{}, fmt.Errorf("relationships of %s: %w", rq.ObjectID, err)
	}
	return out, end, nil
}

// RelationshipsOf returns the relationships of a page of objects that the
// reader may see, in three statements whatever the page size.
func (s *DB) RelationshipsOf(ctx context.Context, repo string, ids []string, d cmis.Direction, reader *cmis.Access) ([]*cmis.Object, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []*cmis.Object
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		dir, dargs, err := directionClause(d, ids)
		if err != nil {
			return err
		}
		where, args, err := sqlx.In(` WHERE `+s.dialect.noIndexPrefix()+`o.repository_id = ? AND o.base_type_id = 'cmis:relationship' AND `+dir, append([]any{repo}, dargs...)...)
		if err != nil {
			return err
		}
		acl, aclArgs := readFilter("o", reader)
		order, _ := orderBy(s.dialect, nil, true)
		out, err = queryObjects(ctx, tx, `SELECT `+objectColumns+objectFrom+where+acl+order, append(args, aclArgs...)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("relationships: %w", err)
	}
	return out, nil
}

// checkEnds verifies, inside the transaction that creates a relationship,
// that both its ends exist in the repository and are not relationships
// themselves (a relationship relates independent objects).
func checkEnds(ctx context.Context, tx *sqlx.Tx, o *cmis.Object) error {
	if o.BaseTypeID != cmis.BaseRelationship {
		return nil
	}
	if o.SourceID == "" || o.TargetID == "" {
		return cmis.Errorf(cmis.ErrInvalidArgument, "a relationship needs cmis:sourceId and cmis:targetId")
	}
	for _, end := range []string{o.SourceID, o.TargetID} {
		var base string
		err := tx.GetContext(ctx, &base, `SELECT base_type_id FROM objects WHERE id = ? AND repository_id = ?`, end, o.RepositoryID)
		if isNoRows(err) {
			return cmis.Errorf(cmis.ErrObjectNotFound, "relationship end %s not found", end)
		}
		if err != nil {
			return err
		}
		if base == string(cmis.BaseRelationship) {
			return cmis.Errorf(cmis.ErrConstraint, "relationship end %s is a relationship", end)
		}
	}
	return nil
}

// withDependents adds to a set of objects about to be deleted the
// relationships that have one of them as an end. Relationships cannot be
// ends themselves, so one level is all there is.
func withDependents(ctx context.Context, tx *sqlx.Tx, ids []string) ([]string, error) {
	q, args, err := sqlx.In(`SELECT id FROM objects WHERE base_type_id = 'cmis:relationship'
		AND (source_id IN (?) OR target_id IN (?)) ORDER BY name, creation_date`, ids, ids) // stable for the change log
	if err != nil {
		return nil, err
	}
	var rels []string
	if err := tx.SelectContext(ctx, &rels, q, args...); err != nil {
		return nil, err
	}
	if len(rels) == 0 {
		return ids, nil
	}
	seen := make(map[string]bool, len(ids))
	out := append([]string{}, ids...)
	for _, id := range ids {
		seen[id] = true
	}
	for _, id := range rels {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}
