package cmis

// Property ids defined by CMIS 1.1 (query name = id for all of them).
const (
	PropName                      = "cmis:name"
	PropDescription               = "cmis:description"
	PropObjectID                  = "cmis:objectId"
	PropBaseTypeID                = "cmis:baseTypeId"
	PropObjectTypeID              = "cmis:objectTypeId"
	PropSecondaryObjectTypeIDs    = "cmis:secondaryObjectTypeIds"
	PropCreatedBy                 = "cmis:createdBy"
	PropCreationDate              = "cmis:creationDate"
	PropLastModifiedBy            = "cmis:lastModifiedBy"
	PropLastModificationDate      = "cmis:lastModificationDate"
	PropChangeToken               = "cmis:changeToken"
	PropIsImmutable               = "cmis:isImmutable"
	PropIsLatestVersion           = "cmis:isLatestVersion"
	PropIsMajorVersion            = "cmis:isMajorVersion"
	PropIsLatestMajorVersion      = "cmis:isLatestMajorVersion"
	PropIsPrivateWorkingCopy      = "cmis:isPrivateWorkingCopy"
	PropVersionLabel              = "cmis:versionLabel"
	PropVersionSeriesID           = "cmis:versionSeriesId"
	PropIsVersionSeriesCheckedOut = "cmis:isVersionSeriesCheckedOut"
	PropVersionSeriesCheckedOutBy = "cmis:versionSeriesCheckedOutBy"
	PropVersionSeriesCheckedOutID = "cmis:versionSeriesCheckedOutId"
	PropCheckinComment            = "cmis:checkinComment"
	PropContentStreamLength       = "cmis:contentStreamLength"
	PropContentStreamMimeType     = "cmis:contentStreamMimeType"
	PropContentStreamFileName     = "cmis:contentStreamFileName"
	PropContentStreamID           = "cmis:contentStreamId"
	PropParentID                  = "cmis:parentId"
	PropPath                      = "cmis:path"
	PropAllowedChildObjectTypeIDs = "cmis:allowedChildObjectTypeIds"
	PropSourceID                  = "cmis:sourceId"
	PropTargetID                  = "cmis:targetId"
	PropPolicyText                = "cmis:policyText"
)

// sys describes a system property: the spec fixes type, cardinality and
// updatability; where it leaves required/queryable/orderable to the
// repository, cmisd says true wherever the SQL store can honour it.
type sys struct {
	id          string
	display     string
	description string
	typ         PropertyType
	card        Cardinality
	upd         Updatability
	required    bool
	queryable   bool
	orderable   bool
}

var (
	// Properties of every base type but cmis:secondary (CMIS 1.1 2.1.4.3 ff.).
	commonProps = []sys{
		{PropName, "Name", "Name of the object", PropertyString, Single, ReadWrite, true, true, true},
		{PropDescription, "Description", "Description of the object", PropertyString, Single, ReadWrite, false, true, true},
		{PropObjectID, "Object Id", "Id of the object", PropertyID, Single, ReadOnly, false, true, true},
		{PropBaseTypeID, "Base Type Id", "Id of the base object-type of the object", PropertyID, Single, ReadOnly, false, true, true},
		{PropObjectTypeID, "Object Type Id", "Id of the object's type", PropertyID, Single, OnCreate, true, true, true},
		{PropSecondaryObjectTypeIDs, "Secondary Type Ids", "Ids of the object's secondary types", PropertyID, Multi, ReadWrite, false, true, false},
		{PropCreatedBy, "Created By", "User who created the object", PropertyString, Single, ReadOnly, false, true, true},
		{PropCreationDate, "Creation Date", "Date and time when the object was created", PropertyDateTime, Single, ReadOnly, false, true, true},
		{PropLastModifiedBy, "Last Modified By", "User who last modified the object", PropertyString, Single, ReadOnly, false, true, true},
		{PropLastModificationDate, "Last Modification Date", "Date and time when the object was last modified", PropertyDateTime, Single, ReadOnly, false, true, true},
		{PropChangeToken, "Change Token", "Opaque token used for optimistic locking", PropertyString, Single, ReadOnly, false, false, false},
	}
	documentProps = []sys{
		{PropIsImmutable, "Is Immutable", "TRUE if the document is immutable", PropertyBoolean, Single, ReadOnly, false, true, false},
		{PropIsLatestVersion, "Is Latest Version", "TRUE if the document is the latest version of its series", PropertyBoolean, Single, ReadOnly, false, true, false},
		{PropIsMajorVersion, "Is Major Version", "TRUE if the document is a major version", PropertyBoolean, Single, ReadOnly, false, true, false},
		{PropIsLatestMajorVersion, "Is Latest Major Version", "TRUE if the document is the latest major version of its series", PropertyBoolean, Single, ReadOnly, false, true, false},
		{PropIsPrivateWorkingCopy, "Is Private Working Copy", "TRUE if the document is a private working copy", PropertyBoolean, Single, ReadOnly, false, true, false},
		{PropVersionLabel, "Version Label", "Label of the version", PropertyString, Single, ReadOnly, false, true, true},
		{PropVersionSeriesID, "Version Series Id", "Id of the version series", PropertyID, Single, ReadOnly, false, true, true},
		{PropIsVersionSeriesCheckedOut, "Is Version Series Checked Out", "TRUE if a private working copy exists for the series", PropertyBoolean, Single, ReadOnly, false, true, false},
		{PropVersionSeriesCheckedOutBy, "Version Series Checked Out By", "User who checked out the series", PropertyString, Single, ReadOnly, false, true, true},
		{PropVersionSeriesCheckedOutID, "Version Series Checked Out Id", "Id of the private working copy", PropertyID, Single, ReadOnly, false, true, true},
		{PropCheckinComment, "Checkin Comment", "Comment given at check-in", PropertyString, Single, ReadOnly, false, true, true},
		{PropContentStreamLength, "Content Stream Length", "Length of the content stream in bytes", PropertyInteger, Single, ReadOnly, false, true, true},
		{PropContentStreamMimeType, "Content Stream MIME Type", "MIME type of the content stream", PropertyString, Single, ReadOnly, false, true, true},
		{PropContentStreamFileName, "Content Stream File Name", "File name of the content stream", PropertyString, Single, ReadOnly, false, true, true},
		{PropContentStreamID, "Content Stream Id", "Id of the content stream", PropertyID, Single, ReadOnly, false, false, false},
	}
	folderProps = []sys{
		{PropParentID, "Parent Id", "Id of the parent folder", PropertyID, Single, ReadOnly, false, true, false},
		{PropPath, "Path", "Path of the folder", PropertyString, Single, ReadOnly, false, true, true},
		{PropAllowedChildObjectTypeIDs, "Allowed Child Object Type Ids", "Types allowed as children (not set: all)", PropertyID, Multi, ReadOnly, false, false, false},
	}
	relationshipProps = []sys{
		{PropSourceID, "Source Id", "Id of the source object", PropertyID, Single, OnCreate, true, true, true},
		{PropTargetID, "Target Id", "Id of the target object", PropertyID, Single, OnCreate, true, true, true},
	}
	policyProps = []sys{
		{PropPolicyText, "Policy Text", "Text of the policy", PropertyString, Single, OnCreate, false, true, true},
	}
)

func (s sys) definition() PropertyDefinition {
	return PropertyDefinition{
		ID: s.id, LocalName: s.id, QueryName: s.id, DisplayName: s.display, Description: s.description,
		PropertyType: s.typ, Cardinality: s.card, Updatability: s.upd,
		Required: s.required, Queryable: s.queryable, Orderable: s.orderable,
	}
}

func defs(groups ...[]sys) []PropertyDefinition {
	var out []PropertyDefinition
	for _, g := range groups {
		for _, s := range g {
			out = append(out, s.definition())
		}
	}
	return out
}

// BaseTypes returns fresh copies of the six base type definitions as
// cmisd implements them. Subtypes of every base type except
// cmis:secondary's own kind may be created, updated and deleted.
func BaseTypes() []*TypeDefinition {
	mutable := TypeMutability{Create: true, Update: false, Delete: false}
	base := func(id BaseTypeID, display, description string) *TypeDefinition {
		return &TypeDefinition{
			ID: string(id), LocalName: string(id), QueryName: string(id), DisplayName: display,
			Description: description, BaseID: id, Queryable: true, IncludedInSupertypeQuery: true,
			TypeMutability: mutable,
		}
	}
	doc := base(BaseDocument, "Document", "Document base type")
	doc.Creatable, doc.Fileable, doc.FulltextIndexed = true, true, true
	doc.ControllablePolicy, doc.ControllableACL = true, true
	doc.Versionable, doc.ContentStreamAllowed = true, ContentAllowed
	doc.PropertyDefinitions = defs(commonProps, documentProps)

	folder := base(BaseFolder, "Folder", "Folder base type")
	folder.Creatable, folder.Fileable = true, true
	folder.ControllablePolicy, folder.ControllableACL = true, true
	folder.PropertyDefinitions = defs(commonProps, folderProps)

	rel := base(BaseRelationship, "Relationship", "Relationship base type")
	rel.Creatable, rel.ControllablePolicy, rel.ControllableACL = true, true, true
	rel.PropertyDefinitions = defs(commonProps, relationshipProps)

	policy := base(BasePolicy, "Policy", "Policy base type")
	policy.Creatable, policy.Fileable = true, true
	policy.ControllablePolicy, policy.ControllableACL = false, true
	policy.PropertyDefinitions = defs(commonProps, policyProps)

	item := base(BaseItem, "Item", "Item base type")
	item.Creatable, item.Fileable = true, true
	item.ControllablePolicy, item.ControllableACL = true, true
	item.PropertyDefinitions = defs(commonProps)

	// A secondary type is never created, filed or controlled itself; it
	// only contributes properties to the objects it is attached to.
	sec := base(BaseSecondary, "Secondary", "Secondary base type")
	sec.IncludedInSupertypeQuery = true

	return []*TypeDefinition{doc, folder, rel, policy, item, sec}
}
