package s3list_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/s3list"
)

// A Sharder cuts a listing into shards, ranges of keys that workers read
// each on their own (here one after the other, from a queue); a running
// shard gives away the part it has not read yet with its Reader's Split,
// and stops exactly where that part begins.
func ExampleSharder() {
	client, stop := fakeS3("logs",
		"2024/01", "2024/02", "2024/03", "2024/04",
		"2025/01", "2025/02", "2025/03", "2025/04")
	defer stop()
	ctx := context.Background()

	sharder, err := s3list.NewSharder(client, &s3.ListObjectsV2Input{Bucket: aws.String("logs")}, nil)
	if err != nil {
		panic(err)
	}
	shards, err := sharder.Split(ctx, 2) // the plan: one job per shard
	if err != nil {
		panic(err)
	}
	var queue []string // what a job queue carries
	for _, sh := range shards {
		queue = append(queue, sh.String())
	}
	for len(queue) > 0 {
		job := queue[0]
		queue = queue[1:]
		fmt.Println(job)
		sh, err := shard.Parse(job)
		if err != nil {
			panic(err)
		}
		r, err := sharder.Open(sh)
		if err != nil {
			panic(err)
		}
		for e, err := range r.All(ctx) {
			if err != nil {
				panic(err) // r.Shard() holds the cursor to resume from
			}
			fmt.Println("  " + e.Key())
			if e.Key() == "2024/02" { // running long: hand off the rest
				rest, err := r.Split(ctx, 0)
				if err != nil {
					panic(err)
				}
				queue = append(queue, rest.String())
			}
		}
	}
	// Output:
	// v1:source=s3list%3Alogs%2F&end=2025%2F
	//   2024/01
	//   2024/02
	// v1:source=s3list%3Alogs%2F&start=2025%2F
	//   2025/01
	//   2025/02
	//   2025/03
	//   2025/04
	// v1:source=s3list%3Alogs%2F&start=2024%2F03&end=2025%2F
	//   2024/03
	//   2024/04
}
