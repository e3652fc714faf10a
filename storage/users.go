package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

var _ cmis.UserStore = (*DB)(nil)

// account reads a user with its groups.
func (s *DB) account(ctx context.Context, name string) (*cmis.Account, error) {
	var a cmis.Account
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.QueryRowxContext(ctx, `SELECT name, password_hash FROM users WHERE name = ?`, name).Scan(&a.Name, &a.PasswordHash)
		if isNoRows(err) {
			return cmis.Errorf(cmis.ErrObjectNotFound, "no user %q", name)
		}
		if err != nil {
			return err
		}
		return tx.SelectContext(ctx, &a.Groups, `SELECT group_name FROM group_members WHERE user_name = ? ORDER BY group_name`, name)
	})
	if err != nil {
		return nil, fmt.Errorf("account %q: %w", name, err)
	}
	return &a, nil
}

// Accounts lists all users with their groups, ordered by name.
func (s *DB) Accounts(ctx context.Context) ([]cmis.Account, error) {
	var out []cmis.Account
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryxContext(ctx, `SELECT u.name, u.password_hash, m.group_name
			FROM users u LEFT JOIN group_members m ON m.user_name = u.name ORDER BY u.name, m.group_name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, hash string
			var group *string
			if err := rows.Scan(&name, &hash, &group); err != nil {
				return err
			}
			if len(out) == 0 || out[len(out)-1].Name != name {
				out = append(out, cmis.Account{Name: name, PasswordHash: hash})
			}
			if group != nil {
				out[len(out)-1].Groups = append(out[len(out)-1].Groups, *group)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	return out, nil
}

// CreateAccount adds a user.
func (s *DB) CreateAccount(ctx context.Context, name, passwordHash string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)`,
			name, passwordHash, s.now().UnixMilli())
		if s.dialect.isUniqueViolation(err) {
			return cmis.Errorf(cmis.ErrNameConstraintViolation, "user %q exists", name)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create user %q: %w", name, err)
	}
	return nil
}

// SetPasswordHash replaces a user's password hash.
func (s *DB) SetPasswordHash(ctx context.Context, name, passwordHash string) error {
	return s.execOne(ctx, fmt.Sprintf("user %q", name),
		`UPDATE users SET password_hash = ? WHERE name = ?`, passwordHash, name)
}

// DeleteAccount removes a user and its group memberships.
func (s *DB) DeleteAccount(ctx context.Context, name string) error {
	return s.execOne(ctx, fmt.Sprintf("user %q", name), `DELETE FROM users WHERE name = ?`, name)
}

// Groups lists all groups with their members, ordered by name.
func (s *DB) Groups(ctx context.Context) ([]cmis.Group, error) {
	var out []cmis.Group
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryxContext(ctx, `SELECT g.name, m.user_name
			FROM groups g LEFT JOIN group_members m ON m.group_name = g.name ORDER BY g.name, m.user_name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var member *string
			if err := rows.Scan(&name, &member); err != nil {
				return err
			}
			if len(out) == 0 || out[len(out)-1].Name != name {
				out = append(out, cmis.Group{Name: name})
			}
			if member != nil {
				out[len(out)-1].Members = append(out[len(out)-1].Members, *member)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	return out, nil
}

// CreateGroup adds an empty group.
func (s *DB) CreateGroup(ctx context.Context, name string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM users WHERE name = ?`, name); err != nil {
			return err
		}
		if n > 0 {
			// Users and groups share the principal id space of ACEs.
			return cmis.Errorf(cmis.ErrNameConstraintViolation, "a user is named %q", name)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO groups (name, created_at) VALUES (?, ?)`, name, s.now().UnixMilli())
		if s.dialect.isUniqueViolation(err) {
			return cmis.Errorf(cmis.ErrNameConstraintViolation, "group %q exists", name)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create group %q: %w", name, err)
	}
	return nil
}

// DeleteGroup removes a group and its memberships.
func (s *DB) DeleteGroup(ctx context.Context, name string) error {
	return s.execOne(ctx, fmt.Sprintf("group %q", name), `DELETE FROM groups WHERE name = ?`, name)
}

// AddGroupMember puts a user in a group; both must exist.
func (s *DB) AddGroupMember(ctx context.Context, group, user string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var g, u int
		if err := tx.GetContext(ctx, &g, `SELECT COUNT(*) FROM groups WHERE name = ?`, group); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &u, `SELECT COUNT(*) FROM users WHERE name = ?`, user); err != nil {
			return err
		}
		if g == 0 {
			return cmis.Errorf(cmis.ErrObjectNotFound, "no group %q", group)
		}
		if u == 0 {
			return cmis.Errorf(cmis.ErrObjectNotFound, "no user %q", user)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_name, user_name) VALUES (?, ?)`, group, user)
		if s.dialect.isUniqueViolation(err) {
			return nil // already a member
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("add %q to group %q: %w", user, group, err)
	}
	return nil
}

// RemoveGroupMember takes a user out of a group.
func (s *DB) RemoveGroupMember(ctx context.Context, group, user string) error {
	return s.execOne(ctx, fmt.Sprintf("member %q of group %q", user, group),
		`DELETE FROM group_members WHERE group_name = ? AND user_name = ?`, group, user)
}

// execOne runs a statement that must affect exactly one row; none is
// objectNotFound.
func (s *DB) execOne(ctx context.Context, what, query string, args ...any) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return cmis.Errorf(cmis.ErrObjectNotFound, "no %s", what)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
