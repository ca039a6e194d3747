package pgstore_test

import (
	"testing"

	"github.com/sluice-go/sluice/internal/testenv"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }
