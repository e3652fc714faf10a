package server

import (
	"reflect"
	"sync"

	"github.com/cmisd/cmisd/internal/xsd"
)

// Reflection over generated request and response values: finding the
// xsd.Stream values (content) and the repositoryId (for the log).

var streamType = reflect.TypeFor[xsd.Stream]()

var streamTypes sync.Map // reflect.Type -> bool: may hold an xsd.Stream

// findStreams returns pointers to every xsd.Stream reachable from v (a
// pointer to a generated struct), in field order. Types that cannot hold a
// stream are not walked, so large responses cost nothing.
func findStreams(v any) []*xsd.Stream {
	if v == nil {
		return nil
	}
	var out []*xsd.Stream
	walkStreams(reflect.ValueOf(v), &out, 0)
	return out
}

const maxWalkDepth = 64

func walkStreams(v reflect.Value, out *[]*xsd.Stream, depth int) {
	if depth > maxWalkDepth || !v.IsValid() || !mayHoldStream(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStreams(v.Elem(), out, depth+1)
		}
	case reflect.Struct:
		if v.Type() == streamType {
			if v.CanAddr() {
				*out = append(*out, v.Addr().Interface().(*xsd.Stream))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walkStreams(v.Field(i), out, depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkStreams(v.Index(i), out, depth+1)
		}
	}
}

// mayHoldStream reports whether a value of type t can contain an
// xsd.Stream.
func mayHoldStream(t reflect.Type) bool {
	if b, ok := streamTypes.Load(t); ok {
		return b.(bool)
	}
	b := typeHoldsStream(t, map[reflect.Type]bool{})
	streamTypes.Store(t, b)
	return b
}

func typeHoldsStream(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == streamType {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true // unknown dynamic type
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return typeHoldsStream(t.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.IsExported() && typeHoldsStream(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// repositoryID is the request's RepositoryId field, if it has one.
func repositoryID(req any) string {
	v := reflect.ValueOf(req)
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if !v.IsValid() || v.Kind() != reflect.Struct {
		return ""
	}
	f := v.FieldByName("RepositoryId")
	for f.IsValid() && f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return ""
		}
		f = f.Elem()
	}
	if f.IsValid() && f.Kind() == reflect.String {
		return f.String()
	}
	return ""
}
