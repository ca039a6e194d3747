// Package s3env makes AWS SDK clients for the S3 service of package testenv.
// It is separate from testenv so that tests needing only PostgreSQL do not
// compile the AWS SDK.
//
// It compiles the AWS SDK for Go v2 (github.com/aws/aws-sdk-go-v2 and its
// service/s3, github.com/aws/smithy-go) and what it requires.
package s3env

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/internal/testenv"
)

// Client returns a client for the S3 service of [testenv.S3]; see
// [NewClient]. It skips or fails tb as testenv.S3 does when there is none.
func Client(tb testing.TB, opts ...func(*s3.Options)) *s3.Client {
	tb.Helper()
	return NewClient(tb, testenv.S3(tb), opts...)
}

// NewClient returns a client for env with path-style addressing (the
// gateway is addressed by IP, so bucket.host names do not resolve) and
// env's static credentials; it reads no AWS configuration files or
// variables, so a developer's own AWS setup cannot leak into tests. opts
// apply last.
//
// The client has an HTTP transport of its own whose idle connections are
// closed when tb's test and its subtests end, so the goroutines serving them
// are gone by the time a goroutine-leak check runs.
func NewClient(tb testing.TB, env testenv.S3Env, opts ...func(*s3.Options)) *s3.Client {
	tb.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tb.Cleanup(tr.CloseIdleConnections)
	creds := aws.Credentials{AccessKeyID: env.AccessKey, SecretAccessKey: env.SecretKey, Source: "testenv"}
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(env.Endpoint),
		Region:       env.Region,
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
		HTTPClient: &http.Client{Transport: tr},
	}, opts...)
}

var bucketSeq atomic.Int64

// notBucketChar matches what may not appear in a bucket name.
var notBucketChar = regexp.MustCompile(`[^a-z0-9-]+`)

// NewBucket creates an empty bucket for tb on the service c talks to and
// returns its name. The name is derived from the test's name and is unique
// among the test binaries sharing one service. The bucket is not removed:
// the service's storage is discarded at the end of the run.
func NewBucket(tb testing.TB, c *s3.Client) string {
	tb.Helper()
	// Bucket names: 3 to 63 characters of a-z, 0-9 and '-', starting and
	// ending with a letter or digit.
	prefix := notBucketChar.ReplaceAllString(strings.ToLower(tb.Name()), "-")
	suffix := fmt.Sprintf("-%x-%d", time.Now().UnixNano(), bucketSeq.Add(1))
	if max := 63 - len(suffix); len(prefix) > max {
		prefix = prefix[:max]
	}
	name := strings.Trim(prefix, "-") + suffix
	if !('a' <= name[0] && name[0] <= 'z' || '0' <= name[0] && name[0] <= '9') {
		name = "b" + name[1:]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		tb.Fatalf("s3env: creating bucket %s: %v", name, err)
	}
	return name
}

// SetAWSEnv sets the variables of the SDK's default chain to env's
// credentials and hides the developer's configuration files, through
// setenv: t.Setenv for the test's own process, or a function that appends
// to an exec.Cmd's Env for a process it starts.
func SetAWSEnv(setenv func(k, v string), env testenv.S3Env) {
	setenv("AWS_ACCESS_KEY_ID", env.AccessKey)
	setenv("AWS_SECRET_ACCESS_KEY", env.SecretKey)
	setenv("AWS_SESSION_TOKEN", "")
	setenv("AWS_PROFILE", "")
	setenv("AWS_ENDPOINT_URL", "")
	setenv("AWS_CONFIG_FILE", "/nonexistent/aws/config")
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws/credentials")
}
