package services

import (
	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
)

// sysProp names a system property, or none (noSys) for any other: a page
// renders each object's properties by switching on it, found once per
// definition (show), rather than on the property's id, a string compared
// with a few dozen others for each property of each object.
type sysProp uint8

const (
	noSys sysProp = iota
	sysName
	sysObjectID
	sysBaseTypeID
	sysObjectTypeID
	sysCreatedBy
	sysCreationDate
	sysLastModifiedBy
	sysLastModificationDate
	sysChangeToken
	sysDescription
	sysSecondaryObjectTypeIDs
	sysPath
	sysParentID
	sysSourceID
	sysTargetID
	sysPolicyText
	sysIsImmutable
	sysIsLatestVersion
	sysIsMajorVersion
	sysIsLatestMajorVersion
	sysIsPrivateWorkingCopy
	sysVersionLabel
	sysVersionSeriesID
	sysIsVersionSeriesCheckedOut
	sysVersionSeriesCheckedOutID
	sysVersionSeriesCheckedOutBy
	sysCheckinComment
	sysContentStreamLength
	sysContentStreamMimeType
	sysContentStreamID
	sysContentStreamFileName
)

var sysProps = map[string]sysProp{
	cmis.PropName:                      sysName,
	cmis.PropObjectID:                  sysObjectID,
	cmis.PropBaseTypeID:                sysBaseTypeID,
	cmis.PropObjectTypeID:              sysObjectTypeID,
	cmis.PropCreatedBy:                 sysCreatedBy,
	cmis.PropCreationDate:              sysCreationDate,
	cmis.PropLastModifiedBy:            sysLastModifiedBy,
	cmis.PropLastModificationDate:      sysLastModificationDate,
	cmis.PropChangeToken:               sysChangeToken,
	cmis.PropDescription:               sysDescription,
	cmis.PropSecondaryObjectTypeIDs:    sysSecondaryObjectTypeIDs,
	cmis.PropPath:                      sysPath,
	cmis.PropParentID:                  sysParentID,
	cmis.PropSourceID:                  sysSourceID,
	cmis.PropTargetID:                  sysTargetID,
	cmis.PropPolicyText:                sysPolicyText,
	cmis.PropIsImmutable:               sysIsImmutable,
	cmis.PropIsLatestVersion:           sysIsLatestVersion,
	cmis.PropIsMajorVersion:            sysIsMajorVersion,
	cmis.PropIsLatestMajorVersion:      sysIsLatestMajorVersion,
	cmis.PropIsPrivateWorkingCopy:      sysIsPrivateWorkingCopy,
	cmis.PropVersionLabel:              sysVersionLabel,
	cmis.PropVersionSeriesID:           sysVersionSeriesID,
	cmis.PropIsVersionSeriesCheckedOut: sysIsVersionSeriesCheckedOut,
	cmis.PropVersionSeriesCheckedOutID: sysVersionSeriesCheckedOutID,
	cmis.PropVersionSeriesCheckedOutBy: sysVersionSeriesCheckedOutBy,
	cmis.PropCheckinComment:            sysCheckinComment,
	cmis.PropContentStreamLength:       sysContentStreamLength,
	cmis.PropContentStreamMimeType:     sysContentStreamMimeType,
	cmis.PropContentStreamID:           sysContentStreamID,
	cmis.PropContentStreamFileName:     sysContentStreamFileName,
}

// sysPropOf is the system property named id, noSys for another.
func sysPropOf(id string) sysProp { return sysProps[id] }

// systemColumns reports whether every column q selects is SCORE() or a
// system property read from the object's own row: not a custom property,
// nor cmis:secondaryObjectTypeIds, which come from rows of their own.
func systemColumns(q *query.Query) bool {
	for _, c := range q.Columns {
		if c.Score {
			continue
		}
		if p := sysPropOf(c.Column.Property.ID); p == noSys || p == sysSecondaryObjectTypeIDs {
			return false
		}
	}
	return true
}
