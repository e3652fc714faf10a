package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// objectColumns are read by objectRow. A folder's single parent comes
// from containment; documents may have several and get none here. A
// document's series check-out comes with the row: its PWC's id and
// creator in one value ("id creator": ids are hex, newID), one lookup of
// the series rather than one per column, and not a statement of its own.
// So does whether it has custom property values or secondary types: most
// objects have neither, and are read in one statement (objectRow.fill).
// A value that most rows repeat from another column or a constant comes
// as NULL when it does (NULLIF; objectRow.scan restores it): the driver
// allocates each text value it hands over, twice, and a listing's rows
// are mostly documents of the base type, never modified, whose content
// is named as they are.
const objectColumns = objectRowColumns + `,
	EXISTS (SELECT 1 FROM object_properties pv WHERE pv.object_id = o.id)
		OR EXISTS (SELECT 1 FROM object_secondary_types st WHERE st.object_id = o.id)`

// objectColumnsBare are objectColumns that say of no object that it has
// custom property values or secondary types, for a reader that reads
// neither (query.Options.SystemOnly): none is read.
const objectColumnsBare = objectRowColumns + `, FALSE`

const objectRowColumns = `o.id, o.repository_id, NULLIF(o.type_id, o.base_type_id), NULLIF(o.base_type_id, 'cmis:document'),
	o.name, o.description, o.created_by,
	o.creation_date, NULLIF(o.last_modified_by, o.created_by), NULLIF(o.last_modification_date, o.creation_date),
	o.change_token, o.path,
	o.version_series_id, o.version_label, o.is_major_version, o.is_latest_version, o.is_latest_major,
	o.is_pwc, o.checkin_comment, o.source_id, o.target_id, o.policy_text,
	ct.id, ct.length, ct.mime_type, NULLIF(ct.file_name, o.name), ct.sha256,
	CASE WHEN o.base_type_id = 'cmis:folder' THEN (SELECT c.parent_id FROM containment c WHERE c.child_id = o.id) END,
	(SELECT w.id || ' ' || w.created_by FROM objects w WHERE w.version_series_id = o.version_series_id AND w.is_pwc = 1 LIMIT 1)`

const objectFrom = ` FROM objects o LEFT JOIN contents ct ON ct.id = o.content_id`

// objectRow receives the objectColumns of one statement's rows, one row
// after another into the same destinations: the driver hands over each
// value allocated already, and scanning adds no allocation per column.
type objectRow struct {
	o                                                               cmis.Object
	desc, path, vsID, vLabel, comment, src, tgt, ptext, parent, pwc sql.NullString
	major, latest, latestMajor, isPWC                               sql.NullBool
	ctID, ctMime, ctName, ctSHA                                     sql.NullString
	ctLen                                                           sql.NullInt64
	created                                                         int64
	modified                                                        sql.NullInt64
	typeID, base, modifiedBy                                        sql.NullString
	more                                                            sql.NullBool
	dest                                                            []any
	// pending are the objects scanned that have properties or secondary
	// types to read (fill).
	pending []*cmis.Object
}

// newObjectRow readies the destinations of objectColumns, followed by
// extra (columns a statement selects after them).
func newObjectRow(extra ...any) *objectRow {
	r := &objectRow{}
	o := &r.o
	r.dest = append([]any{&o.ID, &o.RepositoryID, &r.typeID, &r.base, &o.Name, &r.desc, &o.CreatedBy,
		&r.created, &r.modifiedBy, &r.modified, &o.ChangeToken, &r.path,
		&r.vsID, &r.vLabel, &r.major, &r.latest, &r.latestMajor, &r.isPWC, &r.comment, &r.src, &r.tgt, &r.ptext,
		&r.ctID, &r.ctLen, &r.ctMime, &r.ctName, &r.ctSHA, &r.parent, &r.pwc, &r.more}, extra...)
	return r
}

// scan reads the current row into a new object.
func (r *objectRow) scan(row interface{ Scan(dest ...any) error }) (*cmis.Object, error) {
	if err := row.Scan(r.dest...); err != nil {
		return nil, err
	}
	o := new(cmis.Object)
	*o = r.o
	setTypes(o, r.base, r.typeID)
	o.LastModifiedBy = o.CreatedBy
	if r.modifiedBy.Valid {
		o.LastModifiedBy = r.modifiedBy.String
	}
	o.CreationDate, o.LastModificationDate = msTime(r.created), msTime(r.created)
	if r.modified.Valid {
		o.LastModificationDate = msTime(r.modified.Int64)
	}
	o.Description = optional(r.desc)
	o.CheckinComment = optional(r.comment)
	o.PolicyText = optional(r.ptext)
	o.Path, o.ParentID = r.path.String, r.parent.String
	o.VersionSeriesID, o.VersionLabel = r.vsID.String, r.vLabel.String
	o.IsMajorVersion, o.IsLatestVersion, o.IsLatestMajorVersion, o.IsPrivateWorkingCopy = r.major.Bool, r.latest.Bool, r.latestMajor.Bool, r.isPWC.Bool
	o.VersionSeriesCheckedOutID, o.VersionSeriesCheckedOutBy, _ = strings.Cut(r.pwc.String, " ")
	o.SourceID, o.TargetID = r.src.String, r.tgt.String
	if r.ctID.Valid {
		o.Content = &cmis.ContentInfo{ID: r.ctID.String, Length: r.ctLen.Int64, MimeType: r.ctMime.String, FileName: o.Name, SHA256: r.ctSHA.String}
		if r.ctName.Valid {
			o.Content.FileName = r.ctName.String
		}
	}
	if r.more.Bool {
		r.pending = append(r.pending, o)
	} else {
		o.Properties = map[string][]cmis.Value{}
	}
	return o, nil
}

// setTypes sets o's base type and type from their columns, NULL for
// cmis:document and for the base type itself (objectColumns' NULLIFs).
func setTypes(o *cmis.Object, base, typeID sql.NullString) {
	o.BaseTypeID = cmis.BaseDocument
	if base.Valid {
		o.BaseTypeID = cmis.BaseTypeID(base.String)
	}
	o.TypeID = string(o.BaseTypeID)
	if typeID.Valid {
		o.TypeID = typeID.String
	}
}

// fill reads the properties and secondary types of the objects scanned
// that have any.
func (r *objectRow) fill(ctx context.Context, q sqlx.QueryerContext) error {
	err := fillObjects(ctx, q, r.pending)
	r.pending = nil
	return err
}

// optional is s's value, nil for NULL. Only a value is copied to the
// heap: returning &s.String would move s there on every call.
func optional(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

// idBatch is how many ids one statement binds at most: SQLite takes
// 32,766 parameters, and the properties' statement binds each id twice
// (a variable for the tests).
var idBatch = 10000

// inList is the placeholders of values (at least one), "?, ?, …", and
// the values as arguments.
func inList(values []string) (string, []any) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return "?" + strings.Repeat(", ?", len(values)-1), args
}

// idsIn is the condition that col is one of ids (at least one), and its
// arguments: on PostgreSQL one array, so that the statement is the same
// for any number of ids and planned in a fraction of the time a list of
// a hundred placeholders takes (binding a page of 100 objects: 0.58 ->
// 0.06 ms, their properties 0.20 -> 0.08 ms); elsewhere the list.
func idsIn(q sqlx.QueryerContext, col string, ids []string) (string, []any) {
	if d, ok := q.(interface{ DriverName() string }); ok && d.DriverName() == postgresDriverName {
		return col + " = ANY (CAST(? AS TEXT[]))", []any{ids}
	}
	in, args := inList(ids)
	return col + " IN (" + in + ")", args
}

// fillObjects loads the custom properties and secondary types of a set of
// objects: one statement per idBatch objects.
func fillObjects(ctx context.Context, q sqlx.QueryerContext, objs []*cmis.Object) error {
	for batch := range slices.Chunk(objs, idBatch) {
		if err := fillBatch(ctx, q, batch); err != nil {
			return err
		}
	}
	return nil
}

// fillBatch reads the property values and the secondary types of objs in
// one statement: property rows carry their type and position, secondary
// type rows none (property_type NULL).
func fillBatch(ctx context.Context, q sqlx.QueryerContext, objs []*cmis.Object) error {
	if len(objs) == 0 {
		return nil
	}
	byID := make(map[string]*cmis.Object, len(objs))
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		if _, dup := byID[o.ID]; !dup {
			ids = append(ids, o.ID)
		}
		byID[o.ID] = o
		o.Properties, o.SecondaryTypeIDs = nil, nil
	}
	in, args := idsIn(q, "object_id", ids)
	rows, err := q.QueryxContext(ctx, `SELECT object_id, property_id, property_type, position, value_text, value_int
		FROM object_properties WHERE `+in+`
		UNION ALL SELECT object_id, type_id, NULL, 0, NULL, NULL FROM object_secondary_types WHERE `+in,
		append(args, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var oid, pid string
	var ptype, text sql.NullString
	var pos int
	var n sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&oid, &pid, &ptype, &pos, &text, &n); err != nil {
			return err
		}
		o := byID[oid]
		if !ptype.Valid {
			o.SecondaryTypeIDs = append(o.SecondaryTypeIDs, pid)
			continue
		}
		v, err := decodeValue(cmis.PropertyType(ptype.String), text, n)
		if err != nil {
			return fmt.Errorf("object %s property %s: %w", oid, pid, err)
		}
		if o.Properties == nil {
			o.Properties = map[string][]cmis.Value{}
		}
		// Rows come in no promised order: each value goes to its
		// position (a multi-valued property's positions have no gaps).
		vs := o.Properties[pid]
		for len(vs) <= pos {
			vs = append(vs, nil)
		}
		vs[pos] = v
		o.Properties[pid] = vs
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range objs {
		if len(o.SecondaryTypeIDs) > 1 {
			slices.Sort(o.SecondaryTypeIDs)
		}
		if o.Properties == nil {
			o.Properties = map[string][]cmis.Value{}
		}
	}
	return nil
}

// queryObjects runs a query selecting objectColumns and fills the results.
func queryObjects(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) ([]*cmis.Object, error) {
	rows, err := q.QueryxContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []*cmis.Object
	r := newObjectRow()
	for rows.Next() {
		o, err := r.scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, r.fill(ctx, q)
}
