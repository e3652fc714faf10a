package services

import (
	"context"

	"github.com/cmisd/cmisd/generated"
)

// VersioningService checks documents out and in. Not implemented yet: every operation answers notSupported.
type VersioningService struct{ *core }

var _ generated.VersioningServicePort = VersioningService{}

func (s VersioningService) CheckOutContext(ctx context.Context, req *generated.CheckOut) (*generated.CheckOutResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "checkOut")
}

func (s VersioningService) CancelCheckOutContext(ctx context.Context, req *generated.CancelCheckOut) (*generated.CancelCheckOutResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "cancelCheckOut")
}

func (s VersioningService) CheckInContext(ctx context.Context, req *generated.CheckIn) (*generated.CheckInResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "checkIn")
}

func (s VersioningService) GetObjectOfLatestVersionContext(ctx context.Context, req *generated.GetObjectOfLatestVersion) (*generated.GetObjectOfLatestVersionResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getObjectOfLatestVersion")
}

func (s VersioningService) GetPropertiesOfLatestVersionContext(ctx context.Context, req *generated.GetPropertiesOfLatestVersion) (*generated.GetPropertiesOfLatestVersionResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getPropertiesOfLatestVersion")
}

func (s VersioningService) GetAllVersionsContext(ctx context.Context, req *generated.GetAllVersions) (*generated.GetAllVersionsResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getAllVersions")
}
