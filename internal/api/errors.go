package api

import (
	"errors"

	"github.com/fileemu/fileemu/internal/validate"
)

// Error is an error an API answers in its own envelope. Models and handlers return them; Render
// writes them, so that no handler writes an error body or records a journal code itself.
type Error interface {
	error
	// StatusCode is the HTTP status of the answer.
	StatusCode() int
	// ErrorCode is the API's code for the error, which the journal records.
	ErrorCode() string
}

// Envelope is how one API answers errors, registered once on its API.
type Envelope struct {
	// Problem words a problem the server detected as one of the API's errors.
	Problem func(r *Request, p Problem) Error
	// Write renders e in the API's own format: the body and the headers that go with it.
	Write func(r *Request, e Error) error
}

// Render answers err in r's API envelope when it is (or wraps) an Error, and records its code
// for the journal. Any other error is returned as it is: the server logs it and answers with
// the API's 500.
func Render(r *Request, err error) error {
	var e Error
	if !errors.As(err, &e) {
		return err
	}
	r.errorCode = e.ErrorCode()
	return r.API.Errors.Write(r, e)
}

// Call runs a handler and renders the Error it returns.
func Call(r *Request, h Handler) error {
	if err := h(r); err != nil {
		return Render(r, err)
	}
	return nil
}

// WriteProblem answers a problem the server detected in r's API envelope.
func WriteProblem(r *Request, p Problem) error {
	r.NoteProblem(p)
	return Render(r, r.API.Errors.Problem(r, p))
}

// Kind says what went wrong, so each API can render it in its own envelope.
type Kind int

// The kinds of problem the server itself detects; API handlers render their domain errors.
const (
	// NotFound: no operation matches the path.
	NotFound Kind = iota
	// MethodNotAllowed: the path exists, the method does not.
	MethodNotAllowed
	// Unauthorized: a security requirement failed.
	Unauthorized
	// Invalid: the request does not match the spec.
	Invalid
	// Internal: a handler failed or panicked.
	Internal
	// Status: an error with a given status and the API's default body for it (scenarios).
	Status
)

// Problem is an error the server asks an API to render.
type Problem struct {
	Kind       Kind
	Status     int // for Kind Status; others imply their status (the API may choose, e.g. 400 or 422 for Invalid)
	Detail     string
	Violations []validate.Violation
	Allowed    []string // for MethodNotAllowed
}
