package storage_test

import (
	"os"
	"testing"

	"github.com/cmisd/cmisd/internal/storetest"
)

// TestMain checks the plan of every statement the tests run
// (storetest.CheckPlans).
func TestMain(m *testing.M) { os.Exit(storetest.CheckPlans(m)) }
