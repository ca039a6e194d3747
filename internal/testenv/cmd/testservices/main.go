// Command testservices starts the services of package testenv once for a
// whole test run: one PostgreSQL cluster and one Versity S3 Gateway. ./test.sh
// runs it so that every test binary shares them instead of starting its own.
//
// Usage:
//
//	testservices -env FILE
//
// Once both services accept connections it writes FILE, a shell script of
// export statements for the variables that package testenv reads
// (SLUICE_TEST_POSTGRES, SLUICE_TEST_S3, its keys and its directory). It then runs until
// it receives SIGINT, SIGTERM or SIGHUP, or its parent process exits, and
// stops both services, removing their data. FILE appears only once both are
// ready, and renamed into place, so a waiting script never reads half of it.
//
// It imports only the standard library and package services.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sluice-go/sluice/internal/testenv/internal/services"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("testservices: ")
	envFile := flag.String("env", "", "write the export statements to `file` once the services are ready")
	flag.Parse()
	if *envFile == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	parent := os.Getppid()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)

	// Start both at once: initdb and the gateway each take a moment.
	type result struct {
		stop interface{ Stop() error }
		env  []string
		err  error
	}
	pgc, s3c := make(chan result, 1), make(chan result, 1)
	go func() {
		pg, err := services.StartPostgres()
		if err != nil {
			pgc <- result{err: fmt.Errorf("PostgreSQL: %w", err)}
			return
		}
		pgc <- result{stop: pg, env: []string{services.PostgresVar, pg.DSN}}
	}()
	go func() {
		bin, err := services.FindVersitygw()
		if err == nil {
			var s3 *services.S3
			if s3, err = services.StartS3(bin); err == nil {
				s3c <- result{stop: s3, env: []string{
					services.S3Var, s3.Endpoint,
					services.S3RegionVar, s3.Region,
					services.S3AccessKeyVar, s3.AccessKey,
					services.S3SecretKeyVar, s3.SecretKey,
					services.S3RootVar, s3.Root,
				}}
				return
			}
		}
		s3c <- result{err: fmt.Errorf("S3 gateway: %w", err)}
	}()
	var running []interface{ Stop() error }
	var env []string
	failed := false
	for _, c := range []chan result{pgc, s3c} {
		r := <-c
		if r.err != nil {
			log.Print(r.err)
			failed = true
			continue
		}
		running = append(running, r.stop)
		env = append(env, r.env...)
	}
	stopAll := func() {
		for _, s := range running {
			if err := s.Stop(); err != nil {
				log.Print(err)
			}
		}
	}
	if failed {
		stopAll()
		os.Exit(1)
	}
	if err := writeEnv(*envFile, env); err != nil {
		log.Print(err)
		stopAll()
		os.Exit(1)
	}

	// Run until told to stop, or until the script that started us is gone
	// (then we have been re-parented), so that no service outlives a run.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
wait:
	for {
		select {
		case <-sigs:
			break wait
		case <-tick.C:
			if os.Getppid() != parent {
				break wait
			}
		}
	}
	stopAll()
}

// writeEnv writes export statements for the key, value pairs in kv to file,
// atomically.
func writeEnv(file string, kv []string) error {
	var b strings.Builder
	for i := 0; i < len(kv); i += 2 {
		fmt.Fprintf(&b, "export %s=%s\n", kv[i], shellQuote(kv[i+1]))
	}
	tmp := filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
