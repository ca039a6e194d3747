package rivershard_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }
