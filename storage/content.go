package storage

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Content streams: a contents row describes each (length, MIME type,
// file name, SHA-256); its bytes are in the content store. Incoming
// content is put there before the transaction that adds its row; a
// stream that a commit left without rows goes after that commit
// (dropContentIfUnused, discard), and what a crash leaves the sweep finds
// (SweepContent).

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

// OpenContent opens a byte range of a document's content.
func (s *DB) OpenContent(ctx context.Context, repo, id string, offset, length int64) (*cmis.Content, error) {
	o, err := s.Object(ctx, repo, id)
	if err != nil {
		return nil, err
	}
	return s.OpenContentOf(ctx, o, offset, length)
}

// OpenContentOf opens the content of o, read already in the request's
// snapshot: getContentStream reads the object once, for its permission
// check and its content.
func (s *DB) OpenContentOf(ctx context.Context, o *cmis.Object, offset, length int64) (*cmis.Content, error) {
	if o.Content == nil {
		return nil, cmis.Errorf(cmis.ErrConstraint, "object %s has no content stream", o.ID)
	}
	offset, length = o.Content.Range(offset, length)
	r, err := s.content.Open(ctx, o.Content.ID, offset, length)
	if err != nil {
		return nil, cmis.Errorf(cmis.ErrStorage, "content of %s cannot be read: %v", o.ID, err)
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
	st, body, drop, err := s.staged(ctx, content, prefix)
	if err != nil {
		return nil, err
	}
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
		var err error
		if replaced, err = swapContent(ctx, tx, id, current.String, st, content, now); err != nil {
			return err
		}
		if err := s.indexBody(ctx, tx, id, body); err != nil {
			return err
		}
		out, err = s.updated(ctx, tx, repo, id)
		return err
	})
	if err != nil {
		drop()
		return nil, fmt.Errorf("set content of %s: %w", id, err)
	}
	s.released(ctx, replaced)
	return out, nil
}

func contentIDOf(o *cmis.Object) string {
	if o.Content == nil {
		return ""
	}
	return o.Content.ID
}

// swapContent gives an object a new contents row in place of old ("" for
// none) and returns the id of the old one if no object uses it any more:
// its stream goes after the commit.
func swapContent(ctx context.Context, tx *sqlx.Tx, id, old string, st *cmis.StoredContent, c *cmis.ContentStream, now int64) (string, error) {
	if err := insertContent(ctx, tx, st, c, now); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE objects SET content_id = ? WHERE id = ?`, st.ID, id); err != nil {
		return "", err
	}
	return dropContentIfUnused(ctx, tx, old)
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
		if err := s.indexBody(ctx, tx, id, ""); err != nil {
			return err
		}
		out, err = s.updated(ctx, tx, repo, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete content of %s: %w", id, err)
	}
	s.released(ctx, removed)
	return out, nil
}
