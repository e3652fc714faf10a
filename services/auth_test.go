package services

import (
	"context"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/storetest"
)

func TestAuthenticatorCachesVerifiedCredentials(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	h, _ := HashPassword("s3cret")
	if err := db.CreateAccount(ctx, "alice", h); err != nil {
		t.Fatal(err)
	}
	a := NewAuthenticator(db)
	calls := 0
	real := a.compare
	a.compare = func(hash, pw []byte) error { calls++; return real(hash, pw) }

	for i := 0; i < 5; i++ {
		u, err := a.Authenticate(ctx, "alice", "s3cret")
		if err != nil || u.Name != "alice" {
			t.Fatalf("auth %d: %v", i, err)
		}
	}
	if calls != 1 {
		t.Fatalf("bcrypt ran %d times for 5 requests with one credential", calls)
	}
	if _, err := a.Authenticate(ctx, "alice", "wrong"); cmis.ErrorTypeOf(err) != cmis.ErrPermissionDenied {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := a.Authenticate(ctx, "nobody", "s3cret"); cmis.ErrorTypeOf(err) != cmis.ErrPermissionDenied {
		t.Fatalf("unknown user: %v", err)
	}
	// A password change elsewhere invalidates the remembered credential.
	h2, _ := HashPassword("n3w")
	if err := db.SetPasswordHash(ctx, "alice", h2); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, "alice", "s3cret"); cmis.ErrorTypeOf(err) != cmis.ErrPermissionDenied {
		t.Fatalf("old password still accepted after change: %v", err)
	}
	if _, err := a.Authenticate(ctx, "alice", "n3w"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if err := db.DeleteAccount(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, "alice", "n3w"); cmis.ErrorTypeOf(err) != cmis.ErrPermissionDenied {
		t.Fatalf("deleted user still accepted: %v", err)
	}
}

func TestHashPasswordRefusesTruncation(t *testing.T) {
	if _, err := HashPassword(string(make([]byte, 73))); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("73-byte password: %v", err)
	}
	if _, err := HashPassword(""); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("empty password: %v", err)
	}
}
