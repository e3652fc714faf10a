package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Type mutability: createType, updateType and deleteType write here; the
// rules they follow are the services' (typerules.go).

// insertType writes a type and the property definitions it defines.
func insertType(ctx context.Context, tx *sqlx.Tx, repo string, t *cmis.TypeDefinition, now int64) error {
	var parent, csa, versionable, src, tgt any
	if t.ParentID != "" {
		parent = t.ParentID
	}
	if t.BaseID == cmis.BaseDocument {
		versionable, csa = b2i(t.Versionable), string(t.ContentStreamAllowed)
	}
	if t.BaseID == cmis.BaseRelationship {
		src, tgt = jsonOrNil(t.AllowedSourceTypes), jsonOrNil(t.AllowedTargetTypes)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO types (repository_id, `+typeColumns+`, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		repo, t.ID, parent, t.BaseID, t.LocalName, t.LocalNamespace, t.DisplayName, t.QueryName, t.Description,
		b2i(t.Creatable), b2i(t.Fileable), b2i(t.Queryable), b2i(t.FulltextIndexed), b2i(t.IncludedInSupertypeQuery),
		b2i(t.ControllablePolicy), b2i(t.ControllableACL), b2i(t.TypeMutability.Create), b2i(t.TypeMutability.Update),
		b2i(t.TypeMutability.Delete), versionable, csa, src, tgt, now)
	if err != nil {
		return fmt.Errorf("insert type %s: %w", t.ID, err)
	}
	pos := 0
	for i := range t.PropertyDefinitions {
		p := &t.PropertyDefinitions[i]
		if p.Inherited {
			continue
		}
		if err := insertPropertyDefinition(ctx, tx, repo, t.ID, pos, p); err != nil {
			return err
		}
		pos++
	}
	return nil
}

func jsonOrNil(v []string) any {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func encodeValues(t cmis.PropertyType, vs []cmis.Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = cmis.FormatValue(t, v)
	}
	return out
}

func encodeChoices(t cmis.PropertyType, cs []cmis.Choice) []choiceJSON {
	out := make([]choiceJSON, len(cs))
	for i, c := range cs {
		out[i] = choiceJSON{DisplayName: c.DisplayName, Values: encodeValues(t, c.Values), Choices: encodeChoices(t, c.Choices)}
	}
	return out
}

func insertPropertyDefinition(ctx context.Context, tx *sqlx.Tx, repo, typeID string, pos int, p *cmis.PropertyDefinition) error {
	var openChoice, def, choices, minV, maxV, prec, res, maxLen any
	if p.OpenChoice != nil {
		openChoice = b2i(*p.OpenChoice)
	}
	if p.DefaultValue != nil {
		b, _ := json.Marshal(encodeValues(p.PropertyType, p.DefaultValue))
		def = string(b)
	}
	if p.Choices != nil {
		b, _ := json.Marshal(encodeChoices(p.PropertyType, p.Choices))
		choices = string(b)
	}
	if p.MinValue != nil {
		minV = cmis.FormatValue(p.PropertyType, *p.MinValue)
	}
	if p.MaxValue != nil {
		maxV = cmis.FormatValue(p.PropertyType, *p.MaxValue)
	}
	if p.Precision != nil {
		prec = *p.Precision
	}
	if p.Resolution != nil {
		res = *p.Resolution
	}
	if p.MaxLength != nil {
		maxLen = *p.MaxLength
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO property_definitions (repository_id, type_id, id, position,
		local_name, local_namespace, display_name, query_name, description, property_type, cardinality,
		updatability, required, queryable, orderable, open_choice, default_value, choices, max_length,
		min_value, max_value, precision_bits, resolution)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		repo, typeID, p.ID, pos, p.LocalName, p.LocalNamespace, p.DisplayName, p.QueryName, p.Description,
		p.PropertyType, p.Cardinality, p.Updatability, b2i(p.Required), b2i(p.Queryable), b2i(p.Orderable),
		openChoice, def, choices, maxLen, minV, maxV, prec, res)
	if err != nil {
		return fmt.Errorf("insert property definition %s.%s: %w", typeID, p.ID, err)
	}
	return nil
}

// CreateType stores a new subtype. The caller has validated it against
// its parent; unique ids and query names are enforced here.
func (s *DB) CreateType(ctx context.Context, repo string, t *cmis.TypeDefinition) (*cmis.TypeDefinition, error) {
	var out *cmis.TypeDefinition
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockTypes(ctx, tx, repo); err != nil {
			return err
		}
		if err := checkTypeNames(ctx, tx, repo, t); err != nil {
			return err
		}
		if err := insertType(ctx, tx, repo, t, s.now().UnixMilli()); err != nil {
			if s.dialect.isUniqueViolation(err) {
				return cmis.Errorf(cmis.ErrNameConstraintViolation, "a type or property with id or query name of %q exists", t.ID)
			}
			return err
		}
		var err error
		out, err = loadType(ctx, tx, repo, t.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create type %q: %w", t.ID, err)
	}
	return out, nil
}

// checkTypeNames refuses a type id or query name that is taken, and a
// new property definition that clashes with one of another type. CMIS
// lets two types define the same property id only if the definitions
// agree on type, cardinality and query name (they are then the same
// property); a query name may not stand for two different ids.
func checkTypeNames(ctx context.Context, tx *sqlx.Tx, repo string, t *cmis.TypeDefinition) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM types WHERE repository_id = ? AND (id = ? OR query_name = ?) AND id <> ?`,
		repo, t.ID, t.QueryName, t.ID); err != nil {
		return err
	}
	if n > 0 {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "a type with id or query name %q exists", t.ID)
	}
	for _, p := range t.PropertyDefinitions {
		if p.Inherited {
			continue
		}
		var others []struct {
			ID           string `db:"id"`
			QueryName    string `db:"query_name"`
			PropertyType string `db:"property_type"`
			Cardinality  string `db:"cardinality"`
		}
		if err := tx.SelectContext(ctx, &others, `SELECT id, query_name, property_type, cardinality FROM property_definitions
			WHERE repository_id = ? AND (id = ? OR query_name = ?) AND type_id <> ?`, repo, p.ID, p.QueryName, t.ID); err != nil {
			return err
		}
		for _, o := range others {
			if o.ID != p.ID || o.QueryName != p.QueryName || o.PropertyType != string(p.PropertyType) || o.Cardinality != string(p.Cardinality) {
				return cmis.Errorf(cmis.ErrNameConstraintViolation,
					"property %s (query name %s) clashes with %s (query name %s, %s, %s) of another type",
					p.ID, p.QueryName, o.ID, o.QueryName, o.PropertyType, o.Cardinality)
			}
		}
	}
	return nil
}

// UpdateType replaces a type's attributes and adds the property
// definitions it does not have yet; existing ones are replaced (the caller
// allows only compatible changes).
func (s *DB) UpdateType(ctx context.Context, repo string, t *cmis.TypeDefinition) (*cmis.TypeDefinition, error) {
	var out *cmis.TypeDefinition
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockTypes(ctx, tx, repo); err != nil {
			return err
		}
		if err := checkTypeNames(ctx, tx, repo, t); err != nil {
			return err
		}
		was, err := loadType(ctx, tx, repo, t.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM property_definitions WHERE repository_id = ? AND type_id = ?`, repo, t.ID); err != nil {
			return err
		}
		var src, tgt any
		if t.BaseID == cmis.BaseRelationship {
			src, tgt = jsonOrNil(t.AllowedSourceTypes), jsonOrNil(t.AllowedTargetTypes)
		}
		res, err := tx.ExecContext(ctx, `UPDATE types SET local_name = ?, local_namespace = ?, display_name = ?,
			query_name = ?, description = ?, creatable = ?, fileable = ?, queryable = ?, fulltext_indexed = ?,
			included_in_supertype_query = ?, controllable_policy = ?, controllable_acl = ?,
			allowed_source_types = ?, allowed_target_types = ?
			WHERE repository_id = ? AND id = ?`,
			t.LocalName, t.LocalNamespace, t.DisplayName, t.QueryName, t.Description, b2i(t.Creatable),
			b2i(t.Fileable), b2i(t.Queryable), b2i(t.FulltextIndexed), b2i(t.IncludedInSupertypeQuery),
			b2i(t.ControllablePolicy), b2i(t.ControllableACL), src, tgt, repo, t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cmis.Errorf(cmis.ErrObjectNotFound, "unknown type %q", t.ID)
		}
		pos := 0
		for i := range t.PropertyDefinitions {
			if t.PropertyDefinitions[i].Inherited {
				continue
			}
			if err := insertPropertyDefinition(ctx, tx, repo, t.ID, pos, &t.PropertyDefinitions[i]); err != nil {
				return err
			}
			pos++
		}
		if t.FulltextIndexed && !was.FulltextIndexed {
			if err := s.indexTypeObjects(ctx, tx, repo, t.ID); err != nil {
				return err
			}
		}
		out, err = loadType(ctx, tx, repo, t.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update type %q: %w", t.ID, err)
	}
	return out, nil
}

// DeleteType removes a subtype without subtypes and objects.
func (s *DB) DeleteType(ctx context.Context, repo, typeID string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockTypes(ctx, tx, repo); err != nil {
			return err
		}
		t, err := loadType(ctx, tx, repo, typeID)
		if err != nil {
			return err
		}
		if t.IsBase() {
			return cmis.Errorf(cmis.ErrConstraint, "base type %s cannot be deleted", typeID)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM types WHERE repository_id = ? AND parent_id = ?`, repo, typeID); err != nil {
			return err
		}
		if n > 0 {
			return cmis.Errorf(cmis.ErrConstraint, "type %s has %d subtypes", typeID, n)
		}
		// objects_type and object_secondary_types_type make these index lookups.
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM objects WHERE repository_id = ? AND type_id = ?`, repo, typeID); err != nil {
			return err
		}
		if n == 0 {
			// Driven by the type's rows, not by every object of the
			// repository (SQLite would, without statistics).
			err = tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM object_secondary_types st JOIN objects o ON o.id = st.object_id
				WHERE st.type_id = ? AND `+s.dialect.noIndexPrefix()+`o.repository_id = ?`, typeID, repo)
			if err != nil {
				return err
			}
		}
		if n > 0 {
			return cmis.Errorf(cmis.ErrConstraint, "type %s is used by %d objects", typeID, n)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM types WHERE repository_id = ? AND id = ?`, repo, typeID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete type %q: %w", typeID, err)
	}
	return nil
}

// TypeHasObjects is used by updateType's rules: some changes are allowed
// only while no object uses the type.
func (s *DB) TypeHasObjects(ctx context.Context, repo, typeID string) (bool, error) {
	var n int
	err := sqlx.GetContext(ctx, s.queryer(ctx), &n, `SELECT COUNT(*) FROM (SELECT 1 FROM objects WHERE repository_id = ? AND type_id = ? LIMIT 1) x`, repo, typeID)
	if err != nil {
		return false, fmt.Errorf("objects of type %q: %w", typeID, err)
	}
	return n > 0, nil
}
