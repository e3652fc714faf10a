package storage

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// stage writes incoming content durably before any transaction starts,
// so that the single SQLite writer is never held while bytes are copied.
// prefix, if set, is stored content whose bytes come first
// (appendContentStream).
func (s *DB) stage(ctx context.Context, content *cmis.ContentStream, prefix *cmis.ContentInfo) (*cmis.StoredContent, error) {
	if content == nil || content.Reader == nil {
		return nil, nil
	}
	src := &sourceReader{r: content.Reader}
	var r io.Reader = src
	if prefix != nil {
		old, err := s.content.Open(ctx, prefix.ID, 0, prefix.Length)
		if err != nil {
			return nil, &cmis.Error{Type: cmis.ErrStorage, Message: "content could not be read", Err: err}
		}
		defer old.Close()
		r = io.MultiReader(old, src)
	}
	st, err := s.content.Put(ctx, r)
	if src.err != nil {
		// The upload broke: the caller's error, kept as it came.
		return nil, fmt.Errorf("reading the content stream: %w", src.err)
	}
	if err != nil {
		return nil, &cmis.Error{Type: cmis.ErrStorage, Message: "content could not be stored", Err: err}
	}
	return &st, nil
}

// sourceReader remembers the error reading incoming content, which is
// the client's (a broken upload), not the store's.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

func insertContent(ctx context.Context, tx *sqlx.Tx, st *cmis.StoredContent, c *cmis.ContentStream, now int64) error {
	mime := c.MimeType
	if mime == "" {
		mime = "application/octet-stream"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO contents (id, length, mime_type, file_name, sha256, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, st.ID, st.Length, mime, c.FileName, st.SHA256, now)
	return err
}

// CreateObject stores a new object with its properties, filing and content
// in one transaction.
func (s *DB) CreateObject(ctx context.Context, o *cmis.Object, parentID string, content *cmis.ContentStream, add, remove []cmis.ACE) (*cmis.Object, error) {
	st, err := s.stage(ctx, content, nil)
	if err != nil {
		return nil, err
	}
	body := ""
	if st != nil {
		body = s.contentText(ctx, st, content.MimeType)
	}
	var out *cmis.Object
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		now := s.now().UnixMilli()
		o.ID = newID()
		if err := checkEnds(ctx, tx, o); err != nil {
			return err
		}
		var path any
		if parentID != "" {
			ppath, err := requireFolder(ctx, tx, o.RepositoryID, parentID)
			if err != nil {
				return err
			}
			if o.BaseTypeID == cmis.BaseFolder {
				path = joinPath(ppath, o.Name)
			}
		}
		var contentID any
		if st != nil {
			if err := insertContent(ctx, tx, st, content, now); err != nil {
				return err
			}
			contentID = st.ID
		}
		if err := s.insertObject(ctx, tx, o, path, contentID, now); err != nil {
			return err
		}
		if parentID != "" {
			if err := s.file(ctx, tx, parentID, o.ID, o.Name); err != nil {
				return err
			}
			if err := inheritACL(ctx, tx, o.ID, parentID); err != nil {
				return err
			}
		}
		if err := changeACL(ctx, tx, []string{o.ID}, o.ID, add, remove); err != nil {
			return err
		}
		if err := insertProperties(ctx, tx, o.ID, o.Properties); err != nil {
			return err
		}
		if err := applyPolicies(ctx, tx, o); err != nil {
			return err
		}
		for _, t := range o.SecondaryTypeIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO object_secondary_types (object_id, type_id) VALUES (?, ?)`, o.ID, t); err != nil {
				return err
			}
		}
		if err := logChanges(ctx, tx, s.now().UnixMilli(), changeCreated, o.ID); err != nil {
			return err
		}
		if err := indexProps(ctx, tx, o.ID); err != nil {
			return err
		}
		if err := indexBody(ctx, tx, o.ID, body); err != nil {
			return err
		}
		out, err = getObject(ctx, tx, o.RepositoryID, o.ID)
		return err
	})
	if err != nil {
		if st != nil {
			s.discard(ctx, st.ID)
		}
		return nil, fmt.Errorf("create %q: %w", o.Name, err)
	}
	return out, nil
}

// execer runs statements: a transaction, or one that prepares each
// statement once (bulk loads).
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertObject writes a new object's row, with its first change token;
// a document without a version series starts one. A folder's path taken
// is nameConstraintViolation.
func (s *DB) insertObject(ctx context.Context, tx execer, o *cmis.Object, path, contentID any, now int64) error {
	if o.BaseTypeID == cmis.BaseDocument && o.VersionSeriesID == "" {
		o.VersionSeriesID = newID()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO objects (id, repository_id, type_id, base_type_id, name, description,
		created_by, creation_date, last_modified_by, last_modification_date, change_token, path,
		version_series_id, version_label, is_major_version, is_latest_version, is_latest_major, is_pwc,
		checkin_comment, content_id, source_id, target_id, policy_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.RepositoryID, o.TypeID, o.BaseTypeID, o.Name, o.Description, o.CreatedBy, now, o.CreatedBy, now,
		path, nullIfEmpty(o.VersionSeriesID), nullIfEmpty(o.VersionLabel), docBool(o, o.IsMajorVersion),
		docBool(o, o.IsLatestVersion), docBool(o, o.IsLatestMajorVersion), docBool(o, o.IsPrivateWorkingCopy),
		o.CheckinComment, contentID, nullIfEmpty(o.SourceID), nullIfEmpty(o.TargetID), o.PolicyText)
	if s.dialect.isUniqueViolation(err) {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "a folder named %q exists in the parent folder", o.Name)
	}
	return err
}

// file adds a containment row; a taken name is nameConstraintViolation.
func (s *DB) file(ctx context.Context, tx execer, parentID, childID, name string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO containment (parent_id, child_id, name) VALUES (?, ?, ?)`, parentID, childID, name)
	if s.dialect.isUniqueViolation(err) {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "an object named %q exists in folder %s", name, parentID)
	}
	return err
}

func joinPath(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// docBool stores versioning flags for documents only.
func docBool(o *cmis.Object, b bool) any {
	if o.BaseTypeID != cmis.BaseDocument {
		return nil
	}
	return b2i(b)
}

// touch checks the change token and bumps it in the same statement: a
// stale token changes no row, and nothing can slip in between a read and
// the write. It returns updateConflict for a stale token.
func touch(ctx context.Context, tx *sqlx.Tx, repo, id string, changeToken *int64, user string, now int64) error {
	q := `UPDATE objects SET change_token = change_token + 1, last_modified_by = ?, last_modification_date = ?
		WHERE id = ? AND repository_id = ?`
	args := []any{user, now, id, repo}
	if changeToken != nil {
		q += ` AND change_token = ?`
		args = append(args, *changeToken)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := getObject(ctx, tx, repo, id); err != nil {
			return err
		}
		return cmis.Errorf(cmis.ErrUpdateConflict, "object %s was changed by someone else (stale change token)", id)
	}
	return nil
}

// UpdateObject applies a change under optimistic locking.
func (s *DB) UpdateObject(ctx context.Context, repo, id string, changeToken *int64, c cmis.Change, user string) (*cmis.Object, error) {
	var out *cmis.Object
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := touch(ctx, tx, repo, id, changeToken, user, s.now().UnixMilli()); err != nil {
			return err
		}
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		if err := s.applyChange(ctx, tx, o, c); err != nil {
			return err
		}
		if err := indexProps(ctx, tx, id); err != nil {
			return err
		}
		out, err = s.updated(ctx, tx, repo, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update %s: %w", id, err)
	}
	return out, nil
}

// updated ends a write that changed an object: its change-log event, in
// the same transaction, and the object as it now is.
func (s *DB) updated(ctx context.Context, tx *sqlx.Tx, repo, id string) (*cmis.Object, error) {
	if err := logChanges(ctx, tx, s.now().UnixMilli(), changeUpdated, id); err != nil {
		return nil, err
	}
	return getObject(ctx, tx, repo, id)
}

// applyChange writes a property change to an object (UpdateObject,
// CheckIn) inside the caller's transaction.
func (s *DB) applyChange(ctx context.Context, tx *sqlx.Tx, o *cmis.Object, c cmis.Change) error {
	if c.Name != nil && *c.Name != o.Name {
		if err := s.rename(ctx, tx, o, *c.Name); err != nil {
			return err
		}
	}
	if c.Description != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE objects SET description = ? WHERE id = ?`, *c.Description, o.ID); err != nil {
			return err
		}
	}
	for pid, vs := range c.Properties {
		if _, err := tx.ExecContext(ctx, `DELETE FROM object_properties WHERE object_id = ? AND property_id = ?`, o.ID, pid); err != nil {
			return err
		}
		if len(vs) > 0 {
			if err := insertProperties(ctx, tx, o.ID, map[string][]cmis.Value{pid: vs}); err != nil {
				return err
			}
		}
	}
	if c.SecondaryTypeIDs != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM object_secondary_types WHERE object_id = ?`, o.ID); err != nil {
			return err
		}
		for _, t := range *c.SecondaryTypeIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO object_secondary_types (object_id, type_id) VALUES (?, ?)`, o.ID, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// rename changes an object's name everywhere it is filed and, for a
// folder, the paths of everything below it.
func (s *DB) rename(ctx context.Context, tx *sqlx.Tx, o *cmis.Object, name string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE objects SET name = ? WHERE id = ?`, name, o.ID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE containment SET name = ? WHERE child_id = ?`, name, o.ID)
	if s.dialect.isUniqueViolation(err) {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "an object named %q exists in the same folder", name)
	}
	if err != nil {
		return err
	}
	if o.BaseTypeID == cmis.BaseFolder && o.Path != "/" {
		parent := o.Path[:strings.LastIndexByte(o.Path, '/')]
		if parent == "" {
			parent = "/"
		}
		return s.movePaths(ctx, tx, o.RepositoryID, o.Path, joinPath(parent, name))
	}
	return nil
}

// movePaths rewrites the materialised paths of a folder and its subtree.
func (s *DB) movePaths(ctx context.Context, tx *sqlx.Tx, repo, from, to string) error {
	lo, hi := subtreeRange(from)
	_, err := tx.ExecContext(ctx, `UPDATE objects SET path = ? || substr(path, ?)
		WHERE repository_id = ? AND (path = ? OR (path >= ? AND path < ?))`,
		to, len(from)+1, repo, from, lo, hi)
	if s.dialect.isUniqueViolation(err) {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "a folder exists at %s", to)
	}
	return err
}

// OpenContent opens a byte range of a document's content.
func (s *DB) OpenContent(ctx context.Context, repo, id string, offset, length int64) (*cmis.Content, error) {
	o, err := s.Object(ctx, repo, id)
	if err != nil {
		return nil, err
	}
	if o.Content == nil {
		return nil, cmis.Errorf(cmis.ErrConstraint, "object %s has no content stream", id)
	}
	offset, length = o.Content.Range(offset, length)
	r, err := s.content.Open(ctx, o.Content.ID, offset, length)
	if err != nil {
		return nil, cmis.Errorf(cmis.ErrStorage, "content of %s cannot be read: %v", id, err)
	}
	return &cmis.Content{Info: *o.Content, Offset: offset, Length: length, ReadCloser: r}, nil
}

// SetContent stores new content (or the old content followed by new bytes
// when appending) and swaps it in under optimistic locking; the replaced
// file is removed after the commit.
func (s *DB) SetContent(ctx context.Context, repo, id string, changeToken *int64, content *cmis.ContentStream, overwrite, appendTo bool, user string) (*cmis.Object, error) {
	before, err := s.Object(ctx, repo, id)
	if err != nil {
		return nil, err
	}
	if before.BaseTypeID != cmis.BaseDocument {
		return nil, cmis.Errorf(cmis.ErrConstraint, "object %s is not a document", id)
	}
	if before.Content != nil && !overwrite && !appendTo {
		return nil, cmis.Errorf(cmis.ErrContentAlreadyExists, "document %s has content", id)
	}
	var prefix *cmis.ContentInfo
	if appendTo && before.Content != nil {
		prefix = before.Content
		if content.MimeType == "" {
			content.MimeType = before.Content.MimeType
		}
		if content.FileName == "" {
			content.FileName = before.Content.FileName
		}
	}
	st, err := s.stage(ctx, content, prefix)
	if err != nil {
		return nil, err
	}
	body := s.contentText(ctx, st, content.MimeType)
	var out *cmis.Object
	var replaced string
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		now := s.now().UnixMilli()
		if err := touch(ctx, tx, repo, id, changeToken, user, now); err != nil {
			return err
		}
		var current sql.NullString
		if err := tx.GetContext(ctx, &current, `SELECT content_id FROM objects WHERE id = ?`, id); err != nil {
			return err
		}
		if current.String != contentIDOf(before) {
			// Someone replaced the content since we read it (the append
			// was built on the old bytes).
			return cmis.Errorf(cmis.ErrUpdateConflict, "the content of %s changed meanwhile", id)
		}
		if err := insertContent(ctx, tx, st, content, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE objects SET content_id = ? WHERE id = ?`, st.ID, id); err != nil {
			return err
		}
		var err error
		if replaced, err = dropContentIfUnused(ctx, tx, current.String); err != nil {
			return err
		}
		if err := indexBody(ctx, tx, id, body); err != nil {
			return err
		}
		out, err = s.updated(ctx, tx, repo, id)
		return err
	})
	if err != nil {
		s.discard(ctx, st.ID)
		return nil, fmt.Errorf("set content of %s: %w", id, err)
	}
	s.discard(ctx, replaced)
	return out, nil
}

func contentIDOf(o *cmis.Object) string {
	if o.Content == nil {
		return ""
	}
	return o.Content.ID
}

// dropContentIfUnused deletes a contents row no object references any
// more and returns its id, whose file the caller removes after commit.
func dropContentIfUnused(ctx context.Context, tx *sqlx.Tx, contentID string) (string, error) {
	if contentID == "" {
		return "", nil
	}
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM objects WHERE content_id = ?`, contentID); err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM contents WHERE id = ?`, contentID); err != nil {
		return "", err
	}
	return contentID, nil
}

// DeleteContent removes a document's content stream.
func (s *DB) DeleteContent(ctx context.Context, repo, id string, changeToken *int64, user string) (*cmis.Object, error) {
	var out *cmis.Object
	var removed string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := touch(ctx, tx, repo, id, changeToken, user, s.now().UnixMilli()); err != nil {
			return err
		}
		var current sql.NullString
		if err := tx.GetContext(ctx, &current, `SELECT content_id FROM objects WHERE id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE objects SET content_id = NULL WHERE id = ?`, id); err != nil {
			return err
		}
		var err error
		if removed, err = dropContentIfUnused(ctx, tx, current.String); err != nil {
			return err
		}
		if err := indexBody(ctx, tx, id, ""); err != nil {
			return err
		}
		out, err = s.updated(ctx, tx, repo, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete content of %s: %w", id, err)
	}
	s.discard(ctx, removed)
	return out, nil
}

// MoveObject refiles an object from one folder into another.
func (s *DB) MoveObject(ctx context.Context, repo, id, sourceID, targetID, user string) (*cmis.Object, error) {
	var out *cmis.Object
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		tpath, err := requireFolder(ctx, tx, repo, targetID)
		if err != nil {
			return err
		}
		if o.BaseTypeID == cmis.BaseFolder {
			if o.Path == "/" {
				return cmis.Errorf(cmis.ErrConstraint, "the root folder cannot be moved")
			}
			if tpath == o.Path || strings.HasPrefix(tpath, o.Path+"/") {
				return cmis.Errorf(cmis.ErrConstraint, "folder %s cannot move into its own subtree", id)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM containment WHERE parent_id = ? AND child_id = ?`, sourceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not filed in folder %s", id, sourceID)
		}
		if err := s.file(ctx, tx, targetID, id, o.Name); err != nil {
			return err
		}
		if o.BaseTypeID == cmis.BaseFolder {
			if err := s.movePaths(ctx, tx, repo, o.Path, joinPath(tpath, o.Name)); err != nil {
				return err
			}
		}
		if err := touch(ctx, tx, repo, id, nil, user, s.now().UnixMilli()); err != nil {
			return err
		}
		out, err = s.updated(ctx, tx, repo, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("move %s: %w", id, err)
	}
	return out, nil
}

// DeleteObject removes one object; a folder must be empty and cannot be
// the root.
func (s *DB) DeleteObject(ctx context.Context, repo, id string) error {
	var removed []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
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
		removed, err = deleteRows(ctx, tx, ids, s.now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	s.discard(ctx, removed...)
	return nil
}

// deleteRows deletes objects (containment, properties and secondary types
// go by cascade) and the content rows they were the last to use. The
// relationships of the objects go with them; a policy still applied to
// an object that stays is a constraint error.
func deleteRows(ctx context.Context, tx *sqlx.Tx, ids []string, now int64) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ids, err := withDependents(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	if err := logChanges(ctx, tx, now, changeDeleted, ids...); err != nil {
		return nil, err
	}
	if err := unindex(ctx, tx, ids); err != nil {
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

// DeleteTree removes a folder, its subfolders and the objects filed in
// them, in one transaction. Objects also filed outside the tree are
// unfiled from it or deleted, as mode says.
func (s *DB) DeleteTree(ctx context.Context, repo, folderID string, mode cmis.UnfileMode, continueOnFailure bool) ([]string, error) {
	var removed []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		root, err := requireFolder(ctx, tx, repo, folderID)
		if err != nil {
			return err
		}
		if root == "/" {
			return cmis.Errorf(cmis.ErrConstraint, "the root folder cannot be deleted")
		}
		lo, hi := subtreeRange(root)
		var folders []string
		if err := tx.SelectContext(ctx, &folders, `SELECT id FROM objects WHERE repository_id = ? AND (path = ? OR (path >= ? AND path < ?))`,
			repo, root, lo, hi); err != nil {
			return err
		}
		q, args, _ := sqlx.In(`SELECT c.child_id,
				(SELECT COUNT(*) FROM containment x WHERE x.child_id = c.child_id AND x.parent_id NOT IN (?)) AS outside
			FROM containment c JOIN objects o ON o.id = c.child_id JOIN objects p ON p.id = c.parent_id
			WHERE c.parent_id IN (?) AND o.base_type_id <> 'cmis:folder'
			ORDER BY p.path, c.name`, folders, folders) // the tree's order: the change log reports it
		rows, err := tx.QueryxContext(ctx, q, args...)
		if err != nil {
			return err
		}
		var doomed []string
		seen := map[string]bool{}
		for rows.Next() {
			var id string
			var outside int
			if err := rows.Scan(&id, &outside); err != nil {
				rows.Close()
				return err
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			// unfile keeps every object; deletesinglefiled keeps those
			// filed outside the tree too. Their filings inside it go below.
			if mode == cmis.UnfileDelete || (mode == cmis.UnfileDeleteSingleFiled && outside == 0) {
				doomed = append(doomed, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Unfile what survives, then delete the objects and folders.
		q, args, _ = sqlx.In(`DELETE FROM containment WHERE parent_id IN (?)`, folders)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		if doomed, err = seriesOf(ctx, tx, doomed); err != nil { // documents go with all their versions
			return err
		}
		removed, err = deleteRows(ctx, tx, append(doomed, folders...), s.now().UnixMilli())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete tree %s: %w", folderID, err)
	}
	s.discard(ctx, removed...)
	return nil, nil
}
