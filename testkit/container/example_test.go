package container_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/testcontainers/testcontainers-go"

	"github.com/fileemu/fileemu/testkit"
	"github.com/fileemu/fileemu/testkit/container"
)

// Run starts the image and waits until it is healthy; BaseURL, URL and Admin reach it through
// the mapped port. In a test, container.Start(t, img, opts...) does the same and terminates the
// container when t ends; its Session and Client are those of the in-process kit.
//
// This example is compiled but not run by go test (it has no Output line): it needs a Docker
// engine and the image (make image builds fileemu:dev).
func Example() {
	ctx := context.Background()
	ctr, err := container.Run(ctx, "fileemu:dev",
		container.WithSeed(7),
		container.WithScenarioFiles("testdata/signed-url-conflict.yaml"), // linted before the start
	)
	defer func() {
		if err := testcontainers.TerminateContainer(ctr); err != nil { // nil-safe
			log.Print(err)
		}
	}()
	if err != nil {
		log.Print(err) // names the image, quotes the last log lines
		return
	}

	base, err := ctr.BaseURL(ctx) // http://127.0.0.1:<mapped port>
	if err != nil {
		log.Print(err)
		return
	}
	// A path prefix /_s/{id} puts requests in a session of their own.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_s/example/v1/files/signed-url?filename=a.txt", nil)
	req.Header.Set("api-key", "any-key")
	req.Header.Set("user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Print(err)
		return
	}
	resp.Body.Close()
	fmt.Println("signed-url:", resp.StatusCode) // 409: the scenario file answers for it

	n, err := ctr.Admin().Count(ctx, "example", testkit.Operation("getSignedUrl"))
	fmt.Println("calls:", n, err)
}
