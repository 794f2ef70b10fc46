package api

import "time"

// Now is the time on the clock of the request's session: what every time-based rule of the
// session (URL expiry, retention, processing, timestamps) reads, so that moving one session's
// clock through the admin API leaves the other sessions alone.
func (r *Request) Now() time.Time { return r.Session.Clock.Now() }
