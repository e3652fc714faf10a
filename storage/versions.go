package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Version series.
//
// A series is the set of document rows sharing a version_series_id: its
// checked-in versions and at most one private working copy (is_pwc = 1).
// Exactly one checked-in version is the latest (is_latest_version) and at
// most one is the latest major (is_latest_major); a PWC is neither. The
// checked-out state is not stored: a series is checked out exactly when
// it has a PWC, whose id and creator every read of a document's row
// brings along (objectColumns).
//
// Versions are ordered by their labels, "major.minor", which checkIn
// computes from the latest version's: a major check-in after 1.1 gives
// 2.0, a minor one 1.2.
//
// Filing belongs to the series (capabilityVersionSpecificFiling false):
// containment rows point at its head, the latest version, or the PWC when
// the series has no checked-in version (a document created checked out).
// getChildren and getObjectByPath therefore show the latest version, and
// Parents of any version answers the head's folders. When the head
// changes (checkIn, deleting the latest version) settleSeries moves the
// rows to the new head, under its name.
//
// A PWC references its source's contents row: content ids are counted by
// dropContentIfUnused, so checking out copies no bytes and replacing the
// PWC's content never touches the version it came from.

// member is what ordering a series needs of each of its rows.
type member struct {
	ID      string         `db:"id"`
	Name    string         `db:"name"`
	Label   sql.NullString `db:"version_label"`
	Major   sql.NullBool   `db:"is_major_version"`
	Latest  sql.NullBool   `db:"is_latest_version"`
	PWC     sql.NullBool   `db:"is_pwc"`
	Created int64          `db:"creation_date"`
}

// parseLabel reads "major.minor"; anything else sorts first.
func parseLabel(l string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(l, ".")
	if !found {
		return 0, 0, false
	}
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return x, y, true
}

// newer reports whether version a (label, creation, id) sorts before b
// in a newest-first listing.
func newer(aLabel string, aCreated int64, aID, bLabel string, bCreated int64, bID string) bool {
	am, an, _ := parseLabel(aLabel)
	bm, bn, _ := parseLabel(bLabel)
	switch {
	case am != bm:
		return am > bm
	case an != bn:
		return an > bn
	case aCreated != bCreated:
		return aCreated > bCreated
	}
	return aID > bID
}

// nextLabel is the label of a version checked in after prev ("" when the
// series has no checked-in version yet).
func nextLabel(prev string, major bool) string {
	m, n, _ := parseLabel(prev)
	if major {
		return strconv.Itoa(m+1) + ".0"
	}
	return strconv.Itoa(m) + "." + strconv.Itoa(n+1)
}

// loadSeries reads a series' rows, the PWC first, then newest first.
func loadSeries(ctx context.Context, q sqlx.QueryerContext, seriesID string) ([]member, error) {
	var ms []member
	if err := sqlx.SelectContext(ctx, q, &ms, `SELECT id, name, version_label, is_major_version, is_latest_version, is_pwc,
		creation_date FROM objects WHERE version_series_id = ?`, seriesID); err != nil {
		return nil, err
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].PWC.Bool != ms[j].PWC.Bool {
			return ms[i].PWC.Bool
		}
		return newer(ms[i].Label.String, ms[i].Created, ms[i].ID, ms[j].Label.String, ms[j].Created, ms[j].ID)
	})
	return ms, nil
}

// sortVersions orders objects of one series as getAllVersions lists them.
func sortVersions(objs []*cmis.Object) {
	sort.Slice(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		if a.IsPrivateWorkingCopy != b.IsPrivateWorkingCopy {
			return a.IsPrivateWorkingCopy
		}
		return newer(a.VersionLabel, a.CreationDate.UnixMilli(), a.ID, b.VersionLabel, b.CreationDate.UnixMilli(), b.ID)
	})
}

// settleSeries restores a series' invariants after a change, leaving out
// the row gone (about to be deleted; "" for none): the newest checked-in
// version becomes the latest, the newest major one the latest major, and
// every filing of the series moves to its head. It returns the head ("":
// nothing would remain).
func (s *DB) settleSeries(ctx context.Context, tx *sqlx.Tx, seriesID, gone string) (string, error) {
	ms, err := loadSeries(ctx, tx, seriesID)
	if err != nil {
		return "", err
	}
	var head, latest, latestMajor *member
	for i := range ms {
		m := &ms[i]
		if m.ID == gone {
			continue
		}
		if !m.PWC.Bool {
			if latest == nil {
				latest = m
			}
			if latestMajor == nil && m.Major.Bool {
				latestMajor = m
			}
		}
	}
	head = latest
	if head == nil {
		for i := range ms {
			if ms[i].ID != gone && ms[i].PWC.Bool {
				head = &ms[i]
			}
		}
	}
	if head == nil {
		return "", nil
	}
	idOf := func(m *member) string {
		if m == nil {
			return ""
		}
		return m.ID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE objects SET
		is_latest_version = CASE WHEN id = ? THEN 1 ELSE 0 END,
		is_latest_major = CASE WHEN id = ? THEN 1 ELSE 0 END
		WHERE version_series_id = ?`, idOf(latest), idOf(latestMajor), seriesID); err != nil {
		return "", err
	}
	var others []string
	for _, m := range ms {
		if m.ID != head.ID {
			others = append(others, m.ID)
		}
	}
	if len(others) > 0 {
		// A folder that already holds the head keeps that filing only.
		q, args, err := sqlx.In(`DELETE FROM containment WHERE child_id IN (?)
			AND parent_id IN (SELECT h.parent_id FROM containment h WHERE h.child_id = ?)`, others, head.ID)
		if err != nil {
			return "", err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return "", err
		}
		q, args, err = sqlx.In(`UPDATE containment SET child_id = ?, name = ? WHERE child_id IN (?)`, head.ID, head.Name, others)
		if err != nil {
			return "", err
		}
		_, err = tx.ExecContext(ctx, q, args...)
		if s.dialect.isUniqueViolation(err) {
			return "", cmis.Errorf(cmis.ErrNameConstraintViolation, "version %s cannot take its series' place: a folder of the series has another object named %q", head.ID, head.Name)
		}
		if err != nil {
			return "", err
		}
	}
	return head.ID, nil
}

// resolveSeries finds the version series an id names: a document's, or
// the series of that id itself.
func resolveSeries(ctx context.Context, q sqlx.QueryerContext, repo, id string) (string, error) {
	var base string
	var vs sql.NullString
	err := q.QueryRowxContext(ctx, `SELECT base_type_id, version_series_id FROM objects WHERE id = ? AND repository_id = ?`, id, repo).Scan(&base, &vs)
	switch {
	case err == nil:
		if base != string(cmis.BaseDocument) || !vs.Valid {
			return "", cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not a document: it has no versions", id)
		}
		return vs.String, nil
	case !isNoRows(err):
		return "", err
	}
	// A series lies in one repository: its first version tells which.
	// (With the repository in the statement, SQLite would search every
	// object of the repository for the series, for every unknown id.)
	var owner string
	err = q.QueryRowxContext(ctx, `SELECT repository_id FROM objects WHERE version_series_id = ? LIMIT 1`, id).Scan(&owner)
	switch {
	case isNoRows(err) || err == nil && owner != repo:
		return "", cmis.Errorf(cmis.ErrObjectNotFound, "no object or version series %s", id)
	case err != nil:
		return "", err
	}
	return id, nil
}

// seriesOf returns the ids that go when objects are deleted with all
// their versions: a document's whole series (PWC included), any other
// object alone. A PWC alone stays alone (deleting it cancels the
// check-out).
func seriesOf(ctx context.Context, tx *sqlx.Tx, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ms, err := seriesMembers(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	return withSeries(ids, ms), nil
}

// seriesMember is a row of the version series of Head.
type seriesMember struct {
	Head string `db:"head"`
	ID   string `db:"id"`
}

// seriesMembers lists every row of the series of the documents among ids
// that are not PWCs, in a stable order for the change log.
func seriesMembers(ctx context.Context, tx *sqlx.Tx, ids []string) ([]seriesMember, error) {
	q, args, err := sqlx.In(`SELECT o.id AS head, s.id FROM objects s JOIN objects o ON o.version_series_id = s.version_series_id
		WHERE o.id IN (?) AND o.base_type_id = 'cmis:document' AND (o.is_pwc IS NULL OR o.is_pwc = 0)
		ORDER BY o.name, s.is_pwc, s.version_label`, ids)
	if err != nil {
		return nil, err
	}
	var out []seriesMember
	if err := tx.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, err
	}
	return out, nil
}

// withSeries is ids, then the other members of their series, each once.
func withSeries(ids []string, ms []seriesMember) []string {
	seen := make(map[string]bool, len(ids)+len(ms))
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range ids {
		add(id)
	}
	for _, m := range ms {
		add(m.ID)
	}
	return out
}

// Versions lists a series' versions that reader may see, the PWC first,
// then newest first.
func (s *DB) Versions(ctx context.Context, repo, id string, reader *cmis.Access) ([]*cmis.Object, error) {
	var out []*cmis.Object
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		vs, err := resolveSeries(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		acl, aclArgs := readFilter("o", reader)
		out, err = queryObjects(ctx, tx, `SELECT `+objectColumns+objectFrom+` WHERE `+s.dialect.noIndexPrefix()+`o.repository_id = ? AND o.version_series_id = ?`+acl,
			append([]any{repo, vs}, aclArgs...)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", id, err)
	}
	sortVersions(out)
	return out, nil
}

// LatestVersion returns a series' latest (or latest major) version.
func (s *DB) LatestVersion(ctx context.Context, repo, id string, major bool) (*cmis.Object, error) {
	var out *cmis.Object
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		vs, err := resolveSeries(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		flag := "o.is_latest_version"
		if major {
			flag = "o.is_latest_major"
		}
		objs, err := queryObjects(ctx, tx, `SELECT `+objectColumns+objectFrom+`
			WHERE `+s.dialect.noIndexPrefix()+`o.repository_id = ? AND o.version_series_id = ? AND `+flag+` = 1`, repo, vs)
		if err != nil {
			return err
		}
		if len(objs) == 0 && !major {
			// A document created checked out is only its PWC until checked in.
			objs, err = queryObjects(ctx, tx, `SELECT `+objectColumns+objectFrom+`
				WHERE `+s.dialect.noIndexPrefix()+`o.repository_id = ? AND o.version_series_id = ? AND o.is_pwc = 1
				AND NOT EXISTS (SELECT 1 FROM objects v WHERE v.version_series_id = o.version_series_id AND v.is_pwc = 0)`, repo, vs)
			if err != nil {
				return err
			}
		}
		if len(objs) == 0 {
			what := "latest"
			if major {
				what = "major"
			}
			return cmis.Errorf(cmis.ErrObjectNotFound, "version series %s has no %s version", vs, what)
		}
		out = objs[0]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("latest version of %s: %w", id, err)
	}
	return out, nil
}

// CheckedOut returns a page of the PWCs a reader may see, in the
// repository or in a folder (where their series is filed), with their
// total, in four statements.
func (s *DB) CheckedOut(ctx context.Context, repo string, q cmis.ChildrenQuery) ([]*cmis.Object, cmis.PageEnd, error) {
	var out []*cmis.Object
	var end cmis.PageEnd
	err := s.readLimited(ctx, "getCheckedOutDocs", func(ctx context.Context, tx *sqlx.Tx) error {
		where := ` WHERE o.repository_id = ? AND o.is_pwc = 1`
		args := []any{repo}
		if q.FolderID != "" {
			if _, err := requireFolder(ctx, tx, repo, q.FolderID); err != nil {
				return err
			}
			where += ` AND EXISTS (SELECT 1 FROM containment cc JOIN objects h ON h.id = cc.child_id
				WHERE cc.parent_id = ? AND h.version_series_id = o.version_series_id)`
			args = append(args, q.FolderID)
		}
		acl, aclArgs := readFilter("o", q.Reader)
		where += acl
		args = append(args, aclArgs...)
		var err error
		out, end, err = s.listPage(ctx, tx, where, args, q.OrderBy, q.Page, true)
		return err
	})
	if err != nil {
		return nil, cmis.PageEnd{}, fmt.Errorf("checked-out documents: %w", err)
	}
	return out, end, nil
}
