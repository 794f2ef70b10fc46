// Command echo is the yardstick of `make loadbench`: a bare echo server answering every GET and
// POST with a small static JSON document (the size of a Haufe signed-url answer), so the table
// can say what share of a plain Go web server's throughput fileemu reaches on the same machine.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/labstack/echo/v5"
)

// body is about as long as fileemu's signed-url answer (a file id and a presigned URL).
var body = []byte(`{"file_id":"497f6eca-6276-4993-bfeb-53cbbbba6f08","file_url":"http://127.0.0.1:8080/s3/haufe-uploads/497f6eca-6276-4993-bfeb-53cbbbba6f08?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=fileemu%2F20261126%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261126T061500Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	flag.Parse()
	e := echo.New()
	h := func(c *echo.Context) error { return c.Blob(http.StatusOK, "application/json", body) }
	e.GET("/*", h)
	e.POST("/*", h)
	log.Fatal(http.ListenAndServe(*addr, e))
}
