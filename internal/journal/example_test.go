package journal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/fileemu/fileemu/internal/journal"
)

func Example() {
	j := journal.New(1000, 0)

	// The server adds an entry once the status is known...
	seq := j.Add(journal.Entry{
		Time:      time.Now(),
		Session:   "sess-1",
		API:       "s3",
		Operation: "PutObject",
		Method:    http.MethodPut,
		Path:      "/bucket/report.pdf",
		Query:     journal.RedactQuery("X-Amz-Signature=abc123&x-id=PutObject"),
		Status:    http.StatusOK,
		Headers:   journal.Redact(http.Header{"Authorization": {"AWS4-HMAC-SHA256 ..."}}),
	})
	// ...and completes it when the request ends.
	j.Update(seq, func(e *journal.Entry) {
		e.BodySize = 1024
		e.DurationMS = 3.2
	})

	// The admin API turns its query string into a Filter.
	f, err := journal.FilterFromQuery(url.Values{"session": {"sess-1"}, "path": {"/bucket/*"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range j.Find(f) {
		fmt.Println(e.Seq, e.Method, e.Path, e.Status, e.BodySize)
		fmt.Println(e.Query)
		fmt.Println(e.Headers["Authorization"])
	}
	fmt.Println("PutObject calls:", j.Count(journal.Filter{Session: "sess-1", Operation: "PutObject"}))
	// Output:
	// 1 PUT /bucket/report.pdf 200 1024
	// X-Amz-Signature=REDACTED&x-id=PutObject
	// REDACTED
	// PutObject calls: 1
}
