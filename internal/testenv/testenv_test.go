package testenv_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }

// childVar tells a re-executed test binary which service TestChild asks for.
const childVar = "SLUICE_TESTENV_CHILD"

// TestChild asks for a service when run by TestUnavailable, and does
// nothing otherwise.
func TestChild(t *testing.T) {
	switch os.Getenv(childVar) {
	case "postgres":
		testenv.Postgres(t)
	case "s3":
		testenv.S3(t)
	default:
		return
	}
	t.Error("the service was provided although it cannot be")
}

// TestUnavailable checks that a test asking for a service that cannot be
// had is skipped, naming ./test.sh, and fails instead when CI is set.
func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		service string
		env     []string // hides the service
	}{
		{"postgres", []string{"SLUICE_TEST_POSTGRES=", "SLUICE_TEST_INITDB=/nonexistent/initdb"}},
		{"s3", []string{"SLUICE_TEST_S3=", "SLUICE_VERSITYGW=/nonexistent/versitygw"}},
	} {
		for _, ci := range []string{"", "true"} {
			t.Run(tc.service+"/CI="+ci, func(t *testing.T) {
				cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v")
				cmd.Env = append(os.Environ(), tc.env...)
				cmd.Env = append(cmd.Env, childVar+"="+tc.service, "CI="+ci)
				out, err := cmd.CombinedOutput()
				wantVerdict := "--- SKIP: TestChild"
				if ci != "" {
					wantVerdict = "--- FAIL: TestChild"
					if err == nil {
						t.Errorf("test binary succeeded with CI set")
					}
				} else if err != nil {
					t.Errorf("test binary failed: %v", err)
				}
				for _, want := range []string{wantVerdict, "/nonexistent/", "run ./test.sh, which"} {
					if !strings.Contains(string(out), want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
			})
		}
	}
}
