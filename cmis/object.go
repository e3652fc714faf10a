package cmis

import (
	"context"
	"io"
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

	// Relationships and policies.
	SourceID   string
	TargetID   string
	PolicyText *string

	SecondaryTypeIDs []string
	// Properties are the values of the object's own custom properties
	// and those of its secondary types; an absent id is "not set".
	Properties map[string][]Value
}

// ContentInfo describes a stored content stream.
type ContentInfo struct {
	ID       string
	Length   int64
	MimeType string
	FileName string
	SHA256   string // hex
}

// ContentStream is content coming in: read once, straight into the store.
type ContentStream struct {
	Reader   io.Reader
	MimeType string
	FileName string
}

// Content is a stored stream opened for reading.
type Content struct {
	Info ContentInfo
	io.ReadSeekCloser
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
	ObjectByPath(ctx context.Context, repositoryID, path string) (*Object, error)
	// Children returns one page of a folder's children and their total.
	Children(ctx context.Context, repositoryID string, q ChildrenQuery) ([]*Object, int64, error)
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
	// OpenContent opens a document's content stream for reading.
	OpenContent(ctx context.Context, repositoryID, objectID string) (*Content, error)
	// UpdateObject applies a change if changeToken (when given) is the
	// object's current one; else updateConflict.
	UpdateObject(ctx context.Context, repositoryID, objectID string, changeToken *int64, c Change, user string) (*Object, error)
	// SetContent replaces (or, with appendTo, extends) the content.
	SetContent(ctx context.Context, repositoryID, objectID string, changeToken *int64, content *ContentStream, overwrite, appendTo bool, user string) (*Object, error)
	DeleteContent(ctx context.Context, repositoryID, objectID string, changeToken *int64, user string) (*Object, error)
	MoveObject(ctx context.Context, repositoryID, objectID, sourceFolderID, targetFolderID, user string) (*Object, error)
	// DeleteObject removes an object; a folder must be empty.
	DeleteObject(ctx context.Context, repositoryID, objectID string) error
	// DeleteTree removes a folder and what is below it; it returns the
	// ids it could not delete.
	DeleteTree(ctx context.Context, repositoryID, folderID string, mode UnfileMode, continueOnFailure bool) ([]string, error)
}

// TreeEntry is one object of a descendants listing.
type TreeEntry struct {
	Object   *Object
	ParentID string // the folder it is listed under
	Depth    int    // 1 for the folder's children
}
