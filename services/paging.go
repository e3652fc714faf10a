package services

import "github.com/cmisd/cmisd/cmis"

// Paging. Every listing that pages (getChildren, getCheckedOutDocs,
// getObjectRelationships, getTypeChildren, query, getContentChanges)
// takes its page with page, and those that count their items answer
// hasMoreItems and numItems with pageEnd; the store counts (up to its
// bound) and reads the page in one snapshot.

// The page sizes when a client sends no maxItems.
const (
	defaultChildrenPage      = 100 // getChildren, getCheckedOutDocs
	defaultRelationshipsPage = 100
	defaultTypePage          = 100
	defaultQueryPage         = 100
	defaultChangesPage       = 1000 // also the most one page of changes holds
)

// page turns the optional maxItems and skipCount of a request into a
// Page; absent maxItems means the operation's default.
func page(maxItems, skipCount *int64, def int64) (cmis.Page, error) {
	p := cmis.Page{MaxItems: def}
	if maxItems != nil {
		if *maxItems < 0 {
			return p, cmis.Errorf(cmis.ErrInvalidArgument, "maxItems must not be negative")
		}
		p.MaxItems = *maxItems
	}
	if skipCount != nil {
		if *skipCount < 0 {
			return p, cmis.Errorf(cmis.ErrInvalidArgument, "skipCount must not be negative")
		}
		p.SkipCount = *skipCount
	}
	return p, nil
}

// changesPage is the size of a page of getContentChanges, which resumes
// from a token instead of skipping: at most defaultChangesPage events,
// and maxItems 0 asks for that many too (a page of none would never
// move on).
func changesPage(maxItems *int64) (int64, error) {
	p, err := page(maxItems, nil, defaultChangesPage)
	if err != nil {
		return 0, err
	}
	if p.MaxItems == 0 || p.MaxItems > defaultChangesPage {
		p.MaxItems = defaultChangesPage
	}
	return p.MaxItems, nil
}

// pageEnd is hasMoreItems and numItems of a page: numItems is left out
// when the store did not count that far (CMIS makes it optional for
// that reason), hasMoreItems is always there.
func pageEnd(e cmis.PageEnd) (hasMore bool, numItems *int64) {
	if e.Total == cmis.Uncounted {
		return e.HasMore, nil
	}
	return e.HasMore, &e.Total
}
