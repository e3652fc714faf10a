package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// CheckOut creates the private working copy of a document's latest
// version: same type, name, properties, secondary types and content row;
// the document's ACEs (direct ones stay direct) and cmis:all for user.
func (s *DB) CheckOut(ctx context.Context, repo, id, user string) (*cmis.Object, error) {
	var pwc *cmis.Object
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		if o.BaseTypeID != cmis.BaseDocument {
			return cmis.Errorf(cmis.ErrConstraint, "object %s is not a document", id)
		}
		// Writing the row first takes its lock where the database has row
		// locks, so that two check-outs of one series run one after the
		// other; under SQLite the single writer does that already.
		res, err := tx.ExecContext(ctx, `UPDATE objects SET is_latest_version = 1 WHERE id = ? AND is_latest_version = 1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cmis.Errorf(cmis.ErrVersioning, "object %s is not the latest version of its series", id)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM objects WHERE version_series_id = ? AND is_pwc = 1`, o.VersionSeriesID); err != nil {
			return err
		}
		if n > 0 {
			return cmis.Errorf(cmis.ErrVersioning, "the version series of %s is already checked out", id)
		}
		pid, now := newID(), s.now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO objects (id, repository_id, type_id, base_type_id, name, description,
			created_by, creation_date, last_modified_by, last_modification_date, change_token,
			version_series_id, version_label, is_major_version, is_latest_version, is_latest_major, is_pwc, content_id)
			SELECT ?, repository_id, type_id, base_type_id, name, description, ?, ?, ?, ?, 1,
			version_series_id, 'pwc', 0, 0, 0, 1, content_id FROM objects WHERE id = ?`, pid, user, now, user, now, id); err != nil {
			return err
		}
		for _, q := range []string{
			`INSERT INTO object_properties (object_id, property_id, position, property_type, value_text, value_int, value_real)
				SELECT ?, property_id, position, property_type, value_text, value_int, value_real FROM object_properties WHERE object_id = ?`,
			`INSERT INTO object_secondary_types (object_id, type_id) SELECT ?, type_id FROM object_secondary_types WHERE object_id = ?`,
			`INSERT INTO acl_entries (object_id, principal_id, permission, level, direct)
				SELECT ?, principal_id, permission, level, direct FROM acl_entries WHERE object_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, pid, id); err != nil {
				return err
			}
		}
		if err := changeACL(ctx, tx, []string{pid}, pid, []cmis.ACE{{Principal: user, Permission: cmis.PermAll, Direct: true}}, nil); err != nil {
			return err
		}
		if err := logChanges(ctx, tx, s.now().UnixMilli(), changeCreated, pid); err != nil {
			return err
		}
		// Its series is checked out now: the document's flags changed.
		if err := logChanges(ctx, tx, s.now().UnixMilli(), changeUpdated, id); err != nil {
			return err
		}
		// The working copy shares its document's content, and its text.
		if err := s.indexProps(ctx, tx, pid); err != nil {
			return err
		}
		if err := s.copyBody(ctx, tx, id, pid); err != nil {
			return err
		}
		pwc, err = getObject(ctx, tx, repo, pid)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("check out %s: %w", id, err)
	}
	return pwc, nil
}

// CancelCheckOut deletes a PWC, if p allows. A series created checked
// out had nothing else: the document goes with it.
func (s *DB) CancelCheckOut(ctx context.Context, repo, pwcID string, p cmis.Permit) error {
	var removed []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		o, err := getObject(ctx, tx, repo, pwcID)
		if err != nil {
			return err
		}
		if !o.IsPrivateWorkingCopy {
			return cmis.Errorf(cmis.ErrVersioning, "object %s is not a private working copy", pwcID)
		}
		if err := permitted(ctx, tx, p, []string{pwcID}); err != nil {
			return err
		}
		removed, err = s.deleteRows(ctx, tx, []string{pwcID}, s.now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("cancel check-out %s: %w", pwcID, err)
	}
	s.released(ctx, removed...)
	return nil
}

// CheckIn makes a PWC the latest version of its series, keeping its id:
// the change and content apply, it takes the next label, the series' ACL
// (that of the previous latest version; the checker-out's cmis:all on the
// PWC does not carry over) then ci's ACEs, and the series' filing.
func (s *DB) CheckIn(ctx context.Context, repo, pwcID string, ci cmis.CheckIn) (*cmis.Object, error) {
	st, body, drop, err := s.staged(ctx, ci.Content, nil)
	if err != nil {
		return nil, err
	}
	var out *cmis.Object
	var replaced string
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		// touch first: it takes the row's lock where there are row locks,
		// so that what is read next stays true until commit.
		now := s.now().UnixMilli()
		if err := touch(ctx, tx, repo, pwcID, nil, ci.User, now); err != nil {
			return err
		}
		o, err := getObject(ctx, tx, repo, pwcID)
		if err != nil {
			return err
		}
		if !o.IsPrivateWorkingCopy {
			return cmis.Errorf(cmis.ErrVersioning, "object %s is not a private working copy", pwcID)
		}
		if err := s.lockSeries(ctx, tx, o.VersionSeriesID); err != nil {
			return err
		}
		prev, err := latestOf(ctx, tx, o.VersionSeriesID)
		if err != nil {
			return err
		}
		if err := s.applyChange(ctx, tx, o, ci.Change); err != nil {
			return err
		}
		if st != nil {
			if replaced, err = swapContent(ctx, tx, pwcID, contentIDOf(o), st, ci.Content, now); err != nil {
				return err
			}
		}
		if err := checkInRow(ctx, tx, pwcID, prev, ci, now); err != nil {
			return err
		}
		var previous []string
		if err := tx.SelectContext(ctx, &previous, `SELECT id FROM objects WHERE version_series_id = ? AND is_latest_version = 1
			AND id <> ?`, o.VersionSeriesID, pwcID); err != nil {
			return err
		}
		if _, err := s.settleSeries(ctx, tx, o.VersionSeriesID, ""); err != nil {
			return err
		}
		// The new version, and the one that stops being latest.
		if err := logChanges(ctx, tx, s.now().UnixMilli(), changeUpdated, append([]string{pwcID}, previous...)...); err != nil {
			return err
		}
		if err := s.indexProps(ctx, tx, pwcID); err != nil {
			return err
		}
		if st != nil {
			if err := s.indexBody(ctx, tx, pwcID, body); err != nil {
				return err
			}
		}
		out, err = getObject(ctx, tx, repo, pwcID)
		return err
	})
	if err != nil {
		drop()
		return nil, fmt.Errorf("check in %s: %w", pwcID, err)
	}
	s.released(ctx, replaced)
	return out, nil
}

// latestOf returns a series' latest checked-in version (nil: none yet).
func latestOf(ctx context.Context, tx *sqlx.Tx, seriesID string) (*member, error) {
	ms, err := loadSeries(ctx, tx, seriesID)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i].Latest.Bool {
			return &ms[i], nil
		}
	}
	return nil, nil
}

// checkInRow turns a PWC's row into the version after prev (nil: the
// first): its label, comment and creation, and the ACL of the series
// (prev's) changed by the check-in's ACEs.
func checkInRow(ctx context.Context, tx *sqlx.Tx, pwcID string, prev *member, ci cmis.CheckIn, now int64) error {
	label := nextLabel("", ci.Major)
	if prev != nil {
		label = nextLabel(prev.Label.String, ci.Major)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE objects SET is_pwc = 0, is_major_version = ?, version_label = ?,
		checkin_comment = ?, created_by = ?, creation_date = ? WHERE id = ?`,
		b2i(ci.Major), label, ci.Comment, ci.User, now, pwcID); err != nil {
		return err
	}
	if prev != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM acl_entries WHERE object_id = ?`, pwcID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO acl_entries (object_id, principal_id, permission, level, direct)
			SELECT ?, principal_id, permission, level, direct FROM acl_entries WHERE object_id = ?`, pwcID, prev.ID); err != nil {
			return err
		}
	}
	return changeACL(ctx, tx, []string{pwcID}, pwcID, ci.Add, ci.Remove)
}

// DeleteVersion deletes one version of a document. A PWC goes alone (as
// cancelCheckOut); the only checked-in version takes its series with it;
// otherwise the series settles without it first, so that the filing of a
// deleted latest version moves to the previous one. p must allow
// removing every object that goes.
func (s *DB) DeleteVersion(ctx context.Context, repo, id string, p cmis.Permit) error {
	var removed []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockObjects(ctx, tx, lockRemove, id); err != nil {
			return err
		}
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		if o.BaseTypeID != cmis.BaseDocument {
			return cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not a document: it has no versions", id)
		}
		ids, settle := []string{id}, false
		if !o.IsPrivateWorkingCopy && o.VersionSeriesID != "" {
			if err := s.lockSeries(ctx, tx, o.VersionSeriesID); err != nil {
				return err
			}
			ms, err := loadSeries(ctx, tx, o.VersionSeriesID)
			if err != nil {
				return err
			}
			checkedIn := 0
			for _, m := range ms {
				if !m.PWC.Bool {
					checkedIn++
				}
			}
			if checkedIn <= 1 {
				if ids, err = seriesOf(ctx, tx, ids); err != nil {
					return err
				}
			} else {
				settle = true
			}
		}
		if err := permitted(ctx, tx, p, ids); err != nil {
			return err
		}
		if settle {
			if _, err := s.settleSeries(ctx, tx, o.VersionSeriesID, id); err != nil {
				return err
			}
		}
		removed, err = s.deleteRows(ctx, tx, ids, s.now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("delete version %s: %w", id, err)
	}
	s.released(ctx, removed...)
	return nil
}
