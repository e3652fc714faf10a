package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// EnsureRepository creates the repository with its base types and root
// folder if the store does not hold it yet. It returns the repository.
func (s *DB) EnsureRepository(ctx context.Context, id, name, description, rootOwner string) (*cmis.RepositoryInfo, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM repositories WHERE id = ?`, id); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		now := s.now().UnixMilli()
		rootID := newID()
		// A repository created with the change log has it complete.
		if _, err := tx.ExecContext(ctx, `INSERT INTO repositories (id, name, description, root_folder_id, created_at, changes_complete)
			VALUES (?, ?, ?, ?, ?, 1)`, id, name, description, rootID, now); err != nil {
			return err
		}
		for _, t := range cmis.BaseTypes() {
			if err := insertType(ctx, tx, id, t, now); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO objects (id, repository_id, type_id, base_type_id, name,
			created_by, creation_date, last_modified_by, last_modification_date, path)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '/')`,
			rootID, id, cmis.BaseFolder, cmis.BaseFolder, cmis.RootFolderName, rootOwner, now, rootOwner, now)
		if err != nil {
			return err
		}
		// Everyone may read the root; the administrator grants more.
		if err := changeACL(ctx, tx, []string{rootID}, rootID, []cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}}, nil); err != nil {
			return err
		}
		return logChanges(ctx, tx, now, changeCreated, rootID)
	})
	if err != nil {
		return nil, fmt.Errorf("create repository %q: %w", id, err)
	}
	return s.Repository(ctx, id)
}

type repositoryRow struct {
	ID           string `db:"id"`
	Name         string `db:"name"`
	Description  string `db:"description"`
	RootFolderID string `db:"root_folder_id"`
	CreatedAt    int64  `db:"created_at"`
}

func (r repositoryRow) info() cmis.RepositoryInfo {
	return cmis.RepositoryInfo{ID: r.ID, Name: r.Name, Description: r.Description,
		RootFolderID: r.RootFolderID, CreatedAt: msTime(r.CreatedAt)}
}

// Repositories lists the repositories, ordered by id.
func (s *DB) Repositories(ctx context.Context) ([]cmis.RepositoryInfo, error) {
	var rows []repositoryRow
	if err := sqlx.SelectContext(ctx, s.queryer(ctx), &rows, `SELECT id, name, description, root_folder_id, created_at FROM repositories ORDER BY id`); err != nil {
		return nil, fmt.Errorf("repositories: %w", err)
	}
	out := make([]cmis.RepositoryInfo, len(rows))
	for i, r := range rows {
		out[i] = r.info()
	}
	return out, nil
}

// repository reads one repository.
func (s *DB) repository(ctx context.Context, id string) (*cmis.RepositoryInfo, error) {
	var r repositoryRow
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &r, `SELECT id, name, description, root_folder_id, created_at FROM repositories WHERE id = ?`, id)
	})
	if isNoRows(err) {
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "unknown repository %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("repository %q: %w", id, err)
	}
	info := r.info()
	return &info, nil
}
