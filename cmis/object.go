package cmis

import (
	"context"
	"time"
)

// Object is a CMIS object as the store keeps it: the system properties
// every listing needs, and the custom properties by id.
type Object struct {
	ID                   string
	RepositoryID         string
	TypeID               string
	BaseTypeID           BaseTypeID
	Name                 string
	Description          *string
	CreatedBy            string
	CreationDate         time.Time
	LastModifiedBy       string
	LastModificationDate time.Time
	ChangeToken          int64

	// Folders: the materialised path ("/" for the root) and the single
	// parent ("" for the root).
	Path     string
	ParentID string

	// Documents.
	VersionSeriesID      string
	VersionLabel         string
	IsMajorVersion       bool
	IsLatestVersion      bool
	IsLatestMajorVersion bool
	IsPrivateWorkingCopy bool
	CheckinComment       *string
	Content              *ContentInfo // nil: no content stream
	// The series' check-out, read with every document (see
	// VersionStore): the PWC's id and who checked it out; "" when the
	// series is not checked out.
	VersionSeriesCheckedOutID string
	VersionSeriesCheckedOutBy string

	// Relationships and policies.
	SourceID   string
	TargetID   string
	PolicyText *string

	SecondaryTypeIDs []string
	// Policies are applied to a new object by CreateObject, in its
	// transaction; reads leave it empty (see PolicyStore.PolicyIDs).
	Policies []string
	// Properties are the values of the object's own custom properties
	// and those of its secondary types; an absent id is "not set".
	Properties map[string][]Value
}

// Order is one key of an ORDER BY: a property id, descending or not.
type Order struct {
	PropertyID string
	Descending bool
}

// ChildrenQuery selects a page of a folder's children.
type ChildrenQuery struct {
	FolderID    string
	OrderBy     []Order // empty: by name, then id
	Page        Page
	FoldersOnly bool
	Reader      *Access // only what this reader may see; nil: everything
}

// Parent is one folder an object is filed in, with the object's name
// there (its path segment).
type Parent struct {
	Folder      *Object
	PathSegment string
}

// Change is an update of an object's name and properties. A nil Name
// keeps the name; a property id mapped to nil or an empty slice unsets it.
type Change struct {
	Name             *string
	Description      **string // non-nil: set (to nil: unset)
	Properties       map[string][]Value
	SecondaryTypeIDs *[]string
}

// Unfile modes of deleteTree (enumUnfileObject).
type UnfileMode string

const (
	UnfileUnfile            UnfileMode = "unfile"
	UnfileDeleteSingleFiled UnfileMode = "deletesinglefiled"
	UnfileDelete            UnfileMode = "delete"
)

// ObjectStore keeps objects, their containment and their content. Every
// method that writes is one transaction; content is written to durable
// storage before the transaction that references it commits, and content
// a transaction stops referencing is removed after it commits.
type ObjectStore interface {
	Object(ctx context.Context, repositoryID, objectID string) (*Object, error)
	// Objects loads the objects with these ids that exist, in one pass.
	Objects(ctx context.Context, repositoryID string, objectIDs []string) ([]*Object, error)
	// ObjectAs and ObjectByPathAs return the object with reader's access
	// level to it (NoAccess: none), in one statement in a read: the
	// permission check of nearly every operation. In a write the object
	// is locked against a change of its ACL before the level is read (see
	// ACLStore.Levels).
	ObjectAs(ctx context.Context, repositoryID, objectID string, reader *Access) (*Object, Level, error)
	ObjectByPathAs(ctx context.Context, repositoryID, path string, reader *Access) (*Object, Level, error)
	// ContentAs is ObjectAs for reading the object's content stream: of
	// the object only its ids, types and Content are filled in.
	ContentAs(ctx context.Context, repositoryID, objectID string, reader *Access) (*Object, Level, error)
	// Children returns one page of a folder's children and what follows it.
	Children(ctx context.Context, repositoryID string, q ChildrenQuery) ([]*Object, PageEnd, error)
	// Descendants returns the objects below a folder, depth levels deep
	// (-1: all), each with the id of the folder it was listed under.
	Descendants(ctx context.Context, repositoryID, folderID string, depth int, foldersOnly bool, reader *Access) ([]TreeEntry, error)
	// Parents lists the folders an object is filed in that reader may see.
	Parents(ctx context.Context, repositoryID, objectID string, reader *Access) ([]Parent, error)

	// CreateObject stores a new object, filed in parentID ("" = unfiled),
	// with content if given. o.ID, dates and change token are set here.
	// The object takes its parent's ACEs as inherited ones; then remove
	// and add (direct ACEs) apply.
	CreateObject(ctx context.Context, o *Object, parentID string, content *ContentStream, add, remove []ACE) (*Object, error)
	// OpenContentOf opens length bytes (negative: all) of the content
	// stream of o, a document read in the request (ObjectAs, ContentAs), from
	// offset; a range past the end is cut short.
	OpenContentOf(ctx context.Context, o *Object, offset, length int64) (*Content, error)
	// UpdateObject applies a change if changeToken (when given) is the
	// object's current one; else updateConflict.
	UpdateObject(ctx context.Context, repositoryID, objectID string, changeToken *int64, c Change, user string) (*Object, error)
	// SetContent replaces (or, with appendTo, extends) the content.
	SetContent(ctx context.Context, repositoryID, objectID string, changeToken *int64, content *ContentStream, overwrite, appendTo bool, user string) (*Object, error)
	DeleteContent(ctx context.Context, repositoryID, objectID string, changeToken *int64, user string) (*Object, error)
	MoveObject(ctx context.Context, repositoryID, objectID, sourceFolderID, targetFolderID, user string) (*Object, error)
	// DeleteObject removes an object; a folder must be empty. A
	// document goes with its whole version series (allVersions), a PWC
	// alone (cancelCheckOut). p.Delete must hold on everything removed,
	// else nothing is (permissionDenied).
	DeleteObject(ctx context.Context, repositoryID, objectID string, p Permit) error
	// DeleteTree removes a folder and what is below it (documents with
	// all their versions). p.Delete must hold on every object removed
	// and p.Unfile on every object only unfiled. Without
	// continueOnFailure anything refused refuses the whole tree; with
	// it, what is refused stays whole, with the folders it is filed in,
	// and their ids are returned.
	DeleteTree(ctx context.Context, repositoryID, folderID string, mode UnfileMode, continueOnFailure bool, p Permit) ([]string, error)

	FilingStore
	RelationshipStore
	PolicyStore
	VersionStore
}

// TreeEntry is one object of a descendants listing.
type TreeEntry struct {
	Object   *Object
	ParentID string // the folder it is listed under
	Depth    int    // 1 for the folder's children
}

// FilingStore files objects in more than one folder, or in none.
type FilingStore interface {
	// AddToFolder files a non-folder object in one more folder; filing it
	// where it already is changes nothing. A name taken in the folder is
	// nameConstraintViolation.
	AddToFolder(ctx context.Context, repositoryID, objectID, folderID string) error
	// RemoveFromFolders unfiles an object from the given folders, each of
	// which must be one of its parents (else invalidArgument).
	RemoveFromFolders(ctx context.Context, repositoryID, objectID string, folderIDs []string) error
	// Filed reports which of the objects are filed in at least one folder.
	Filed(ctx context.Context, objectIDs []string) (map[string]bool, error)
}

// Relationship directions (enumRelationshipDirection).
type Direction string

const (
	DirectionSource Direction = "source" // the object is the source
	DirectionTarget Direction = "target" // the object is the target
	DirectionEither Direction = "either"
)

// RelationshipQuery selects a page of an object's relationships.
type RelationshipQuery struct {
	ObjectID  string
	Direction Direction
	TypeIDs   []string // empty: any relationship type
	Page      Page
	Reader    *Access // only relationships this reader may see; nil: all
}

// RelationshipStore finds relationships. They are created by
// CreateObject (which checks that both ends exist in the same
// transaction) and deleted with either end.
type RelationshipStore interface {
	// Relationships returns one page of an object's relationships, by
	// name then id, and what follows it.
	Relationships(ctx context.Context, repositoryID string, q RelationshipQuery) ([]*Object, PageEnd, error)
	// RelationshipsOf returns the relationships of a set of objects in the
	// given direction (either: both), in a constant number of statements.
	RelationshipsOf(ctx context.Context, repositoryID string, objectIDs []string, dir Direction, reader *Access) ([]*Object, error)
}

// PolicyStore applies policies to objects. A policy that is applied to an
// object cannot be deleted.
type PolicyStore interface {
	// ApplyPolicy applies a policy to an object; applying it again
	// changes nothing. policyID must name a policy (else invalidArgument).
	ApplyPolicy(ctx context.Context, repositoryID, policyID, objectID, user string) error
	// RemovePolicy removes a policy from an object it is applied to (else
	// invalidArgument).
	RemovePolicy(ctx context.Context, repositoryID, policyID, objectID, user string) error
	// AppliedPolicies returns the policies applied to an object that
	// reader may see, by id.
	AppliedPolicies(ctx context.Context, repositoryID, objectID string, reader *Access) ([]*Object, error)
	// PolicyIDs returns, for each of a set of objects, the ids of the
	// policies applied to it that reader may see, in one statement.
	PolicyIDs(ctx context.Context, objectIDs []string, reader *Access) (map[string][]string, error)
}

// CheckIn is what checkIn changes on a private working copy as it
// becomes the new latest version.
type CheckIn struct {
	Major   bool
	Change  Change         // property changes, validated by the caller
	Content *ContentStream // nil: keep the PWC's content
	Comment *string
	Add     []ACE // applied after the new version takes the series' ACL
	Remove  []ACE
	User    string
}

// VersionStore keeps version series: the checked-in versions of a
// document and at most one private working copy (PWC). Ids given to the
// reads may name any version or the version series itself.
type VersionStore interface {
	// CheckOut creates the PWC of a series from its latest version,
	// sharing its content; user gets cmis:all on it besides the
	// document's ACEs. Not the latest version, or a series already
	// checked out: versioning error.
	CheckOut(ctx context.Context, repositoryID, objectID, user string) (*Object, error)
	// CancelCheckOut deletes a PWC (not a PWC: versioning error), if
	// p.Delete holds on it.
	CancelCheckOut(ctx context.Context, repositoryID, pwcID string, p Permit) error
	// CheckIn turns a PWC into the series' new latest version and
	// returns it.
	CheckIn(ctx context.Context, repositoryID, pwcID string, ci CheckIn) (*Object, error)
	// DeleteVersion deletes one version; when it was the latest, the
	// previous one becomes latest and takes over the filing. Deleting
	// the only checked-in version deletes the series. p.Delete must hold
	// on everything removed.
	DeleteVersion(ctx context.Context, repositoryID, objectID string, p Permit) error
	// Versions lists the versions reader may see: the PWC first, then
	// newest first.
	Versions(ctx context.Context, repositoryID, id string, reader *Access) ([]*Object, error)
	// LatestVersion returns the latest (or latest major) version of a
	// series; a series that has only its PWC answers the PWC unless
	// major. None: objectNotFound.
	LatestVersion(ctx context.Context, repositoryID, id string, major bool) (*Object, error)
	// CheckedOut returns a page of PWCs and what follows it: in the whole
	// repository, or (FolderID set) those whose series is filed there.
	CheckedOut(ctx context.Context, repositoryID string, q ChildrenQuery) ([]*Object, PageEnd, error)
}

// ChangeEvent is one entry of the change log.
type ChangeEvent struct {
	Token      int64
	ObjectID   string
	ChangeType string // created, updated, deleted or security
	ChangeTime time.Time
	TypeID     string
	BaseTypeID BaseTypeID
}

// ChangeLog reads the change log.
type ChangeLog interface {
	// ContentChanges returns events from token on (nil: from the start),
	// at most max, the token to resume from and whether more follow.
	ContentChanges(ctx context.Context, repositoryID string, token *int64, max int64) ([]ChangeEvent, string, bool, error)
	// ChangeLogState is the token of the newest event ("0" for none), and
	// whether the log misses changes (it does not reach back to the
	// repository's creation).
	ChangeLogState(ctx context.Context, repositoryID string) (latest string, incomplete bool, err error)
}
