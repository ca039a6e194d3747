// Package testenv gives tests the real services they run against: a
// PostgreSQL cluster and an S3 gateway (the Versity S3 Gateway over a local
// directory). It is for tests only.
//
// A service comes from the environment when the test command (./test.sh)
// has started one for the whole run, and otherwise is started once per test
// binary, on first use, on a free loopback port:
//
//	SLUICE_TEST_POSTGRES        a PostgreSQL connection string (URL or key=value)
//	SLUICE_TEST_S3              an S3 endpoint URL, such as http://127.0.0.1:7070
//	SLUICE_TEST_S3_ACCESS_KEY   its access key (default "sluice")
//	SLUICE_TEST_S3_SECRET_KEY   its secret key (default "sluice-secret")
//	SLUICE_TEST_S3_REGION       its region (default "us-east-1")
//	SLUICE_TEST_S3_ROOT         the directory its posix backend serves, if it
//	                            is a Versity S3 Gateway on this machine
//	                            (default: none; see S3Env.Root)
//	SLUICE_TEST_INITDB          the initdb to start PostgreSQL with
//	                            (default: newest /usr/lib/postgresql/*/bin/initdb, then PATH)
//	SLUICE_VERSITYGW            the versitygw binary to start the gateway with
//	                            (default: built from the repository's tools module)
//
// When a service is neither named nor can be started, a test that asks for
// it is skipped with a message naming ./test.sh, which provides it; when the
// CI environment variable is set it fails instead, so CI never passes by
// skipping.
//
// A package whose tests use a service must run them through [M], which
// stops the services the test binary started:
//
//	func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }
//
// Package testenv imports only the standard library and its internal
// package services: no database driver or AWS SDK, so a test that needs
// neither compiles neither; packages pgenv and s3env add the clients.
package testenv

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sluice-go/sluice/internal/testenv/internal/services"
)

// TestCommand is the command that provides every service; skip and failure
// messages name it.
const TestCommand = "./test.sh"

var (
	inMain atomic.Bool // set by M before any test runs

	mu      sync.Mutex
	running []interface{ Stop() error } // services this binary started
)

// M wraps m so that running it also stops, after the tests, the services
// that this test binary started. Its result suits goleak.VerifyTestMain,
// which checks for leaked goroutines after the services (and the goroutines
// waiting for them) are gone.
func M(m *testing.M) interface{ Run() int } {
	return mainRunner{m}
}

type mainRunner struct{ m *testing.M }

func (r mainRunner) Run() int {
	inMain.Store(true)
	code := r.m.Run()
	mu.Lock()
	defer mu.Unlock()
	for _, s := range running {
		if err := s.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: stopping a service: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	running = nil
	return code
}

// started records s to be stopped when M's Run returns.
func started(s interface{ Stop() error }) {
	mu.Lock()
	running = append(running, s)
	mu.Unlock()
}

// requireMain fails tb unless the tests run through M, since otherwise the
// services a test starts would outlive the test binary.
func requireMain(tb testing.TB) {
	tb.Helper()
	if !inMain.Load() {
		tb.Fatal("testenv: the package's TestMain must run the tests through testenv.M, which stops the services: " +
			"func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }")
	}
}

// inCI reports whether the CI environment variable is set (to anything but
// "false" or "0").
func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// unavailable skips tb, or fails it in CI, because service cannot be had.
func unavailable(tb testing.TB, service string, err error, provides string) {
	tb.Helper()
	msg := fmt.Sprintf("testenv: %s unavailable: %v\nrun %s, which %s", service, err, TestCommand, provides)
	if inCI() {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

var pg struct {
	once sync.Once
	dsn  string
	err  error
}

// Postgres returns the connection string of a PostgreSQL database for tb:
// $SLUICE_TEST_POSTGRES if set, else a throwaway cluster's, started the first
// time a test in this binary asks. The string is a URL
// (postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable) usable by
// pgx and by database/sql through pgx/stdlib, as a superuser.
//
// The database is shared by every test of every package of a ./test.sh
// run, which run in parallel; a test that creates tables should use a fresh
// database (package pgenv) or names of its own.
func Postgres(tb testing.TB) string {
	tb.Helper()
	requireMain(tb)
	if dsn := os.Getenv(services.PostgresVar); dsn != "" {
		return dsn
	}
	pg.once.Do(func() {
		p, err := services.StartPostgres()
		if err != nil {
			pg.err = err
			return
		}
		started(p)
		pg.dsn = p.DSN
	})
	if pg.err != nil {
		unavailable(tb, "PostgreSQL", pg.err, "installs postgresql and starts a cluster")
	}
	return pg.dsn
}

// S3Env says where an S3 service is and how to sign requests to it. Its
// clients must use path-style addressing (http://host/bucket/key), since
// the gateway is addressed by IP. Package s3env makes clients from it.
type S3Env struct {
	Endpoint  string // base URL, such as http://127.0.0.1:7070
	Region    string
	AccessKey string
	SecretKey string

	// Root is the directory that the gateway's posix backend serves, or
	// "" when it is not known (an external service named by
	// SLUICE_TEST_S3 without SLUICE_TEST_S3_ROOT). A bucket is the
	// directory Root/<bucket>, and an object the file below it named by
	// its key; the gateway lists and serves files written there directly,
	// which creates a large bucket far faster than PUTs do
	// (s3env.NewFileBucket).
	Root string
}

var gw struct {
	once sync.Once
	env  S3Env
	err  error
}

// S3 returns an S3 service for tb: the one at $SLUICE_TEST_S3 if set, else a
// Versity S3 Gateway over a temporary directory, started the first time a
// test in this binary asks. Its binary is $SLUICE_VERSITYGW or is built
// from the repository's tools module (minutes the first time, then cached).
//
// The service is shared by every test of every package of a ./test.sh run;
// tests should create buckets of their own (s3env.NewBucket).
func S3(tb testing.TB) S3Env {
	tb.Helper()
	requireMain(tb)
	if endpoint := os.Getenv(services.S3Var); endpoint != "" {
		return S3Env{
			Endpoint:  endpoint,
			Region:    getenv(services.S3RegionVar, services.DefaultRegion),
			AccessKey: getenv(services.S3AccessKeyVar, services.DefaultAccessKey),
			SecretKey: getenv(services.S3SecretKeyVar, services.DefaultSecretKey),
			Root:      os.Getenv(services.S3RootVar),
		}
	}
	gw.once.Do(func() {
		bin, err := services.FindVersitygw()
		if err != nil {
			gw.err = err
			return
		}
		s, err := services.StartS3(bin)
		if err != nil {
			gw.err = err
			return
		}
		started(s)
		gw.env = S3Env{Endpoint: s.Endpoint, Region: s.Region, AccessKey: s.AccessKey, SecretKey: s.SecretKey, Root: s.Root}
	})
	if gw.err != nil {
		unavailable(tb, "S3 gateway", gw.err, "builds versitygw and starts it")
	}
	return gw.env
}

func getenv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
