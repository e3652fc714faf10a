package cmis

import "context"

// RootFolderName is the cmis:name of a repository's root folder: clients
// and conformance kits refuse an empty string; its cmis:path is "/".
const RootFolderName = "root"

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

// Credentials are what a request presents to be authenticated.
type Credentials struct {
	Username string
	Password string
	// RemoteAddr is the client's address: the IP of the TCP peer, the port
	// left off (a port in it is ignored). Failed logins are counted per
	// address, so it must not come from anything the client writes.
	RemoteAddr string
}

// String leaves the password out, so that logging Credentials by mistake
// does not leak it.
func (c Credentials) String() string { return c.Username + " from " + c.RemoteAddr }

// Authenticator verifies credentials. It returns an *Error of type
// permissionDenied when they do not match, or when the user may not try
// now (too many failed logins).
type Authenticator interface {
	Authenticate(ctx context.Context, c Credentials) (*User, error)
}

type userKey struct{}

type baseURLKey struct{}

// NewContextWithBaseURL returns ctx carrying the URL the client reached
// the server at (scheme, host, path prefix; no trailing slash).
func NewContextWithBaseURL(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, baseURLKey{}, base)
}

// BaseURLFromContext is the base URL of a request, or "".
func BaseURLFromContext(ctx context.Context) string {
	s, _ := ctx.Value(baseURLKey{}).(string)
	return s
}

// NewContextWithUser returns ctx carrying the authenticated user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFromContext is the authenticated user of a request, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// Account is a user as the store keeps it. PasswordHash is a bcrypt hash;
// the store never sees a password.
type Account struct {
	Name         string
	PasswordHash string
	Groups       []string
}

// Group is a named set of users.
type Group struct {
	Name    string
	Members []string
}

// AccountReader reads one account by name; a missing one is an
// objectNotFound error. It is all that authentication needs of the store.
type AccountReader interface {
	Account(ctx context.Context, name string) (*Account, error)
}

// UserStore keeps users and groups. Missing names give objectNotFound
// errors; duplicates give nameConstraintViolation errors.
type UserStore interface {
	AccountReader
	Accounts(ctx context.Context) ([]Account, error)
	CreateAccount(ctx context.Context, name, passwordHash string) error
	SetPasswordHash(ctx context.Context, name, passwordHash string) error
	DeleteAccount(ctx context.Context, name string) error

	Groups(ctx context.Context) ([]Group, error)
	CreateGroup(ctx context.Context, name string) error
	DeleteGroup(ctx context.Context, name string) error
	AddGroupMember(ctx context.Context, group, user string) error
	RemoveGroupMember(ctx context.Context, group, user string) error
}
