package cmis

import "context"

// Version is the CMIS version a request speaks: the one of the endpoint
// it came in by. The services answer a 1.0 request with what CMIS 1.0
// defines (services/version.go).
type Version string

const (
	Version10 Version = "1.0"
	Version11 Version = "1.1"
)

type versionKey struct{}

// NewContextWithVersion returns ctx carrying the CMIS version of a
// request.
func NewContextWithVersion(ctx context.Context, v Version) context.Context {
	return context.WithValue(ctx, versionKey{}, v)
}

// VersionFromContext is the CMIS version of a request: 1.1 unless the
// request came in by a 1.0 endpoint.
func VersionFromContext(ctx context.Context) Version {
	if v, ok := ctx.Value(versionKey{}).(Version); ok {
		return v
	}
	return Version11
}
