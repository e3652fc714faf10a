package cmis

import "context"

// The basic permissions. They nest: cmis:all includes cmis:write, which
// includes cmis:read.
const (
	PermRead  = "cmis:read"
	PermWrite = "cmis:write"
	PermAll   = "cmis:all"
)

// Level of access: what a principal may do with an object.
type Level int

const (
	NoAccess Level = iota
	CanRead
	CanWrite
	CanAll
)

// PermissionLevel is the level a basic permission grants; 0 for others.
func PermissionLevel(p string) Level {
	switch p {
	case PermRead:
		return CanRead
	case PermWrite:
		return CanWrite
	case PermAll:
		return CanAll
	}
	return NoAccess
}

// Permission is the basic permission that grants exactly level l ("" for
// NoAccess).
func (l Level) Permission() string {
	switch l {
	case CanRead:
		return PermRead
	case CanWrite:
		return PermWrite
	case CanAll:
		return PermAll
	}
	return ""
}

// Need is the access an action needs on an object: the level, and the
// permission-mapping key that says so (named in a refusal).
type Need struct {
	Key   string
	Level Level
}

// Refusal is the permissionDenied error for user, who lacks n on object id.
func (n Need) Refusal(user, id string) error {
	return Errorf(ErrPermissionDenied, "%s: %s needs %s on %s", n.Key, user, n.Level.Permission(), id)
}

// Permit is a caller's right to remove objects. A store checks it inside
// the transaction that removes them, on every object removed: the old
// versions and the private working copy of a document included. A
// relationship is not checked: it goes with its source or target (see
// services.RelationshipService), as their properties do.
type Permit struct {
	Access *Access // nil, or an administrator's: nothing is checked
	User   string  // named in a refusal
	Delete Need    // on every object removed
	Unfile Need    // on every object deleteTree only unfiles from the tree
}

// Checked reports whether the store must check the permit at all.
func (p Permit) Checked() bool { return p.Access != nil && !p.Access.Admin }

// ACE is an access control entry: a principal's permission on an object.
type ACE struct {
	Principal  string
	Permission string
	Direct     bool // set on the object itself, not taken from a folder
}

// Access is who is asking, for the store's filters: the principal ids
// whose ACEs apply. Admin sees and may do everything, except what Hidden
// hides.
type Access struct {
	Principals []string
	Admin      bool
	// Hidden are base types the reader does not know (a CMIS 1.0 client:
	// items): their objects, and relationships to or from them, are left
	// out of every listing and query, and of its counts.
	Hidden []BaseTypeID
}

// AccessOf is the Access of a user; nil (no user) gives no principal but
// anyone.
func AccessOf(u *User) *Access {
	if u == nil {
		return &Access{Principals: []string{PrincipalAnyone}}
	}
	return &Access{Principals: u.Principals(), Admin: u.Admin}
}

// ACLStore keeps ACLs.
type ACLStore interface {
	// ACL returns an object's ACEs, direct ones first.
	ACL(ctx context.Context, repositoryID, objectID string) ([]ACE, error)
	// ApplyACL removes then adds ACEs on an object (and, with propagate,
	// on every object below a folder) and returns the new ACL.
	ApplyACL(ctx context.Context, repositoryID, objectID string, add, remove []ACE, propagate bool, user string) ([]ACE, error)
	// Levels returns the access a set of principals has to each object.
	Levels(ctx context.Context, objectIDs []string, a *Access) (map[string]Level, error)
}
