package decoderef

import (
	"bytes"
	"errors"

	"github.com/cmisd/cmisd/internal/xsd"
)

// Quirky reports input that a comparison with this decoding must leave
// out, because this decoding is wrong on it or the new one refuses it on
// purpose:
//   - encoding/xml's Unmarshal, reading tokens whose names are already
//     resolved, resolves a namespace name once more when it is also a
//     prefix in scope ("foo", without a scheme), and an empty one bound to
//     a prefix (xmlns:p="") as the default namespace;
//   - xsd.Reader limits the attributes of an element and the namespace
//     declarations in scope;
//   - xsd.Reader refuses a DOCTYPE at its "<!", encoding/xml after reading
//     it (the server's diverter refuses it before either runs).
func Quirky(data []byte) bool {
	r := xsd.NewReader(data, 1<<20)
	for {
		k, err := r.Next()
		var le *xsd.LimitError
		if errors.As(err, &le) || errors.Is(err, xsd.ErrDoctype) {
			return true
		}
		if err != nil || k == xsd.EOF {
			return false
		}
		for i := 0; k == xsd.StartElement && i < r.AttrCount(); i++ {
			a := r.Attr(i)
			if !a.IsNamespaceDecl() {
				continue
			}
			if (len(a.Prefix) > 0 && len(a.Value) == 0) || (len(a.Value) > 0 && bytes.IndexByte(a.Value, ':') < 0) {
				return true
			}
		}
	}
}
