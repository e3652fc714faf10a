package cmis

import "context"

// Principal ids with a fixed meaning in ACLs (repository info's
// principalAnonymous and principalAnyone).
const (
	PrincipalAnyone    = "anyone"
	PrincipalAnonymous = "anonymous"
	AdminUser          = "admin"
)

// User is an authenticated principal.
type User struct {
	Name   string
	Groups []string // names of the groups the user belongs to
	Admin  bool
}

// Principals are the principal ids whose ACEs apply to the user.
func (u *User) Principals() []string {
	p := make([]string, 0, len(u.Groups)+2)
	p = append(p, u.Name)
	p = append(p, u.Groups...)
	return append(p, PrincipalAnyone)
}

// Authenticator verifies a user name and password. It returns an *Error of
// type permissionDenied when they do not match.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (*User, error)
}

type userKey struct{}

// NewContextWithUser returns ctx carrying the authenticated user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFromContext is the authenticated user of a request, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}
