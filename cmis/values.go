package cmis

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var decimalRE = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)

// ParseDecimal validates xs:decimal text and returns it trimmed.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	if !decimalRE.MatchString(s) {
		return "", fmt.Errorf("%q is not a decimal", s)
	}
	return Decimal(s), nil
}

// Float returns the decimal's nearest float64 (for indexes and range checks).
func (d Decimal) Float() float64 {
	f, _ := strconv.ParseFloat(string(d), 64)
	return f
}

// Cmp compares two decimals exactly.
func (d Decimal) Cmp(o Decimal) int {
	a, _ := new(big.Rat).SetString(string(d))
	b, _ := new(big.Rat).SetString(string(o))
	if a == nil || b == nil {
		return strings.Compare(string(d), string(o))
	}
	return a.Cmp(b)
}

// FormatValue writes v in the XML Schema lexical form of its property type.
func FormatValue(t PropertyType, v Value) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	case Decimal:
		return string(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// ParseValue reads the XML Schema lexical form of a value of type t.
func ParseValue(t PropertyType, s string) (Value, error) {
	switch t {
	case PropertyBoolean:
		switch strings.TrimSpace(s) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean", s)
	case PropertyInteger:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer in range", s)
		}
		return n, nil
	case PropertyDecimal:
		d, err := ParseDecimal(s)
		if err != nil {
			return nil, err
		}
		return d, nil
	case PropertyDateTime:
		tm, err := ParseDateTime(s)
		if err != nil {
			return nil, err
		}
		return tm, nil
	case PropertyID, PropertyString, PropertyHTML, PropertyURI:
		return s, nil
	}
	return nil, fmt.Errorf("unknown property type %q", t)
}

// ParseDateTime reads xs:dateTime; a value without a zone is taken as UTC.
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an xs:dateTime", s)
}

// CheckValue reports whether v has the Go type that property type t
// requires.
func CheckValue(t PropertyType, v Value) bool {
	switch v.(type) {
	case bool:
		return t == PropertyBoolean
	case int64:
		return t == PropertyInteger
	case Decimal:
		return t == PropertyDecimal
	case time.Time:
		return t == PropertyDateTime
	case string:
		return t == PropertyID || t == PropertyString || t == PropertyHTML || t == PropertyURI
	}
	return false
}
