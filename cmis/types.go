package cmis

import (
	"context"
	"time"
)

// BaseTypeID is one of the six CMIS base object-types.
type BaseTypeID string

const (
	BaseDocument     BaseTypeID = "cmis:document"
	BaseFolder       BaseTypeID = "cmis:folder"
	BaseRelationship BaseTypeID = "cmis:relationship"
	BasePolicy       BaseTypeID = "cmis:policy"
	BaseItem         BaseTypeID = "cmis:item"
	BaseSecondary    BaseTypeID = "cmis:secondary"
)

// BaseTypeIDs in the order getTypeChildren lists them.
var BaseTypeIDs = []BaseTypeID{BaseDocument, BaseFolder, BaseRelationship, BasePolicy, BaseItem, BaseSecondary}

// Valid reports whether b names a base type.
func (b BaseTypeID) Valid() bool {
	for _, x := range BaseTypeIDs {
		if b == x {
			return true
		}
	}
	return false
}

// PropertyType is enumPropertyType.
type PropertyType string

const (
	PropertyBoolean  PropertyType = "boolean"
	PropertyID       PropertyType = "id"
	PropertyInteger  PropertyType = "integer"
	PropertyDateTime PropertyType = "datetime"
	PropertyDecimal  PropertyType = "decimal"
	PropertyHTML     PropertyType = "html"
	PropertyString   PropertyType = "string"
	PropertyURI      PropertyType = "uri"
)

// PropertyTypes lists all eight, all of which can be created in new types.
var PropertyTypes = []PropertyType{PropertyBoolean, PropertyID, PropertyInteger, PropertyDateTime, PropertyDecimal, PropertyHTML, PropertyString, PropertyURI}

// Valid reports whether t is a property type.
func (t PropertyType) Valid() bool {
	for _, x := range PropertyTypes {
		if t == x {
			return true
		}
	}
	return false
}

// Cardinality is enumCardinality.
type Cardinality string

const (
	Single Cardinality = "single"
	Multi  Cardinality = "multi"
)

// Updatability is enumUpdatability.
type Updatability string

const (
	ReadOnly       Updatability = "readonly"
	ReadWrite      Updatability = "readwrite"
	WhenCheckedOut Updatability = "whencheckedout"
	OnCreate       Updatability = "oncreate"
)

// ContentStreamAllowed is enumContentStreamAllowed.
type ContentStreamAllowed string

const (
	ContentNotAllowed ContentStreamAllowed = "notallowed"
	ContentAllowed    ContentStreamAllowed = "allowed"
	ContentRequired   ContentStreamAllowed = "required"
)

// Value is one property value. Its Go type follows the property type:
// bool (boolean), string (id, html, string, uri), int64 (integer),
// time.Time (datetime, UTC) and Decimal (decimal).
type Value any

// Decimal is an xs:decimal kept as its canonical text, so that no
// precision is lost between the wire and the store.
type Decimal string

// Choice is one entry of a property definition's choice list; choices
// may nest (hierarchical choices).
type Choice struct {
	DisplayName string
	Values      []Value
	Choices     []Choice
}

// PropertyDefinition is a cmisPropertyDefinitionType with the attributes
// of every property type folded in; those that do not apply stay nil.
type PropertyDefinition struct {
	ID             string
	LocalName      string
	LocalNamespace string
	DisplayName    string
	QueryName      string
	Description    string
	PropertyType   PropertyType
	Cardinality    Cardinality
	Updatability   Updatability
	Inherited      bool
	Required       bool
	Queryable      bool
	Orderable      bool
	OpenChoice     *bool
	DefaultValue   []Value
	Choices        []Choice

	MaxLength  *int64  // string
	MinValue   *Value  // integer (int64) or decimal (Decimal)
	MaxValue   *Value  // integer (int64) or decimal (Decimal)
	Precision  *string // decimal: "32" or "64"
	Resolution *string // datetime: "year", "date" or "time"
}

// TypeMutability is cmisTypeMutabilityCapabilitiesType.
type TypeMutability struct {
	Create, Update, Delete bool
}

// TypeDefinition is a cmisTypeDefinitionType together with the attributes
// of its base kind (document: Versionable, ContentStreamAllowed;
// relationship: AllowedSourceTypes, AllowedTargetTypes).
type TypeDefinition struct {
	ID                       string
	LocalName                string
	LocalNamespace           string
	DisplayName              string
	QueryName                string
	Description              string
	BaseID                   BaseTypeID
	ParentID                 string // empty for base types
	Creatable                bool
	Fileable                 bool
	Queryable                bool
	FulltextIndexed          bool
	IncludedInSupertypeQuery bool
	ControllablePolicy       bool
	ControllableACL          bool
	TypeMutability           TypeMutability

	Versionable          bool
	ContentStreamAllowed ContentStreamAllowed
	AllowedSourceTypes   []string
	AllowedTargetTypes   []string

	// PropertyDefinitions holds inherited definitions (Inherited=true)
	// first, then the type's own, in the order they were defined.
	PropertyDefinitions []PropertyDefinition
}

// Property returns the definition with the given id, or nil.
func (t *TypeDefinition) Property(id string) *PropertyDefinition {
	for i := range t.PropertyDefinitions {
		if t.PropertyDefinitions[i].ID == id {
			return &t.PropertyDefinitions[i]
		}
	}
	return nil
}

// IsBase reports whether t is one of the six base types.
func (t *TypeDefinition) IsBase() bool { return t.ParentID == "" }

// RepositoryInfo is what the store keeps about a repository; the
// capabilities are the server's and live in services/.
type RepositoryInfo struct {
	ID           string
	Name         string
	Description  string
	RootFolderID string
	CreatedAt    time.Time
}

// Page selects a slice of a listing: maxItems (negative: all) and
// skipCount.
type Page struct {
	MaxItems  int64
	SkipCount int64
}

// AllItems is the page that is the whole listing.
var AllItems = Page{MaxItems: -1}

// HasMore reports whether items follow the page, n items of a listing of
// total (hasMoreItems).
func (p Page) HasMore(n int, total int64) bool { return p.SkipCount+int64(n) < total }

// PageEnd is what a store knows of a listing besides one page of it:
// whether items follow the page (hasMoreItems, always exact) and how
// many items the whole listing holds (numItems), which a store counts
// only up to a bound.
type PageEnd struct {
	HasMore bool
	// Total is the number of items of the listing, or Uncounted.
	Total int64
}

// Uncounted is the Total of a listing that holds more items than the
// store counts: numItems is then left out, as CMIS allows when a
// repository does not know it.
const Uncounted = -1

// EndOf is the PageEnd of a page of n items of a listing of total.
func (p Page) EndOf(n int, total int64) PageEnd {
	return PageEnd{HasMore: p.HasMore(n, total), Total: total}
}

// PageOf is the page of a listing held whole in memory.
func PageOf[T any](all []T, p Page) []T {
	if p.SkipCount >= int64(len(all)) {
		return nil
	}
	all = all[p.SkipCount:]
	if p.MaxItems >= 0 && p.MaxItems < int64(len(all)) {
		all = all[:p.MaxItems]
	}
	return all
}

// TypeStore keeps the type system of repositories. Every method runs in
// one transaction.
type TypeStore interface {
	// Repositories lists the repositories of the store.
	Repositories(ctx context.Context) ([]RepositoryInfo, error)
	// Repository returns one repository or an objectNotFound error.
	Repository(ctx context.Context, repositoryID string) (*RepositoryInfo, error)

	// Type returns a type with its property definitions (inherited ones
	// included), or an objectNotFound error.
	Type(ctx context.Context, repositoryID, typeID string) (*TypeDefinition, error)
	// TypeChildren lists the direct subtypes of typeID ("" = the base
	// types), ordered by id, with the total count.
	TypeChildren(ctx context.Context, repositoryID, typeID string, page Page) (types []*TypeDefinition, total int64, err error)
	// CreateType stores a new type whose own property definitions are
	// those of t not marked Inherited; it returns the stored definition.
	CreateType(ctx context.Context, repositoryID string, t *TypeDefinition) (*TypeDefinition, error)
	// UpdateType replaces a type's attributes and adds property
	// definitions; the caller has validated the change.
	UpdateType(ctx context.Context, repositoryID string, t *TypeDefinition) (*TypeDefinition, error)
	// DeleteType removes a type that has no subtypes and no objects,
	// else fails with a constraint error.
	DeleteType(ctx context.Context, repositoryID, typeID string) error
	// PropertyByQueryName finds a property definition by query name in
	// any type (a query name stands for one property in a repository),
	// or fails with invalidArgument.
	PropertyByQueryName(ctx context.Context, repositoryID, queryName string) (*PropertyDefinition, error)
}
