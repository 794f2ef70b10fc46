package weavy

import (
	"cmp"
	"slices"
	"strings"
)

// Sort fields of listings.
const (
	OrderID        = "id"
	OrderName      = "name"
	OrderSize      = "size"
	OrderCreatedAt = "created_at"
	OrderUpdatedAt = "updated_at"
)

// Listing defaults and bounds.
const (
	DefaultTake = 25
	MaxTake     = 100
)

// ListQuery is what every file listing accepts.
type ListQuery struct {
	// Q keeps files whose name contains it, case-insensitively.
	Q string
	// Tag keeps files with this tag, case-insensitively.
	Tag string
	// Trashed keeps trashed (true) or other (false) files; nil keeps both.
	Trashed *bool
	// OrderBy is the sort field (OrderID when empty); Desc reverses the order.
	OrderBy string
	Desc    bool
	// Skip and Take select the page; Take 0 means DefaultTake.
	Skip, Take int
	// Around, when it is the id of a listed file, moves the page so that it holds that file.
	Around int64
	// CountOnly asks for the count alone.
	CountOnly bool
}

// Page is one page of a listing.
type Page struct {
	Files []File
	// Start is the index of the first file of the page, End the index after its last one.
	Start, End int
	// Count is the number of matching files.
	Count int
}

// ParseOrderBy splits an order_by value ("name", "name desc", "name+desc", "name asc", "") into
// field and direction. ok is false for an unknown field or direction.
func ParseOrderBy(s string) (field string, desc, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return OrderID, false, true
	}
	field, dir, _ := strings.Cut(strings.ReplaceAll(s, "+", " "), " ")
	switch strings.ToLower(strings.TrimSpace(dir)) {
	case "", "asc":
	case "desc":
		desc = true
	default:
		return "", false, false
	}
	switch field {
	case OrderID, OrderName, OrderSize, OrderCreatedAt, OrderUpdatedAt:
		return field, desc, true
	}
	return "", false, false
}

// listed is a file being listed, with its lower-case name when the query needs it.
type listed struct {
	file  *File
	lower string
}

// keeps reports whether f passes the trashed and tag filters of q.
func (q ListQuery) keeps(f *File) bool {
	if q.Trashed != nil && f.Trashed != *q.Trashed {
		return false
	}
	return q.Tag == "" || slices.ContainsFunc(f.Tags, func(t string) bool { return strings.EqualFold(t, q.Tag) })
}

// compare orders a before b by q's field, ties broken by id; Desc reverses both.
func (q ListQuery) compare(a, b listed) int {
	var c int
	switch q.OrderBy {
	case OrderName:
		c = strings.Compare(a.lower, b.lower)
	case OrderSize:
		c = cmp.Compare(a.file.Size, b.file.Size)
	case OrderCreatedAt:
		c = a.file.CreatedAt.Compare(b.file.CreatedAt)
	case OrderUpdatedAt:
		c = a.file.UpdatedAt.Compare(b.file.UpdatedAt)
	}
	if c == 0 {
		c = cmp.Compare(a.file.ID, b.file.ID)
	}
	if q.Desc {
		c = -c
	}
	return c
}

// Paginate filters, sorts and pages files: the one implementation behind every listing.
// The page holds copies; files is not modified.
func Paginate(files []File, q ListQuery) Page {
	needle := strings.ToLower(q.Q)
	needLower := q.Q != "" || q.OrderBy == OrderName
	matched := make([]listed, 0, len(files))
	for i := range files {
		f := &files[i]
		if !q.keeps(f) {
			continue
		}
		l := listed{file: f}
		if needLower {
			l.lower = strings.ToLower(f.Name)
		}
		if q.Q != "" && !strings.Contains(l.lower, needle) {
			continue
		}
		matched = append(matched, l)
	}
	p := Page{Count: len(matched)}
	if q.CountOnly {
		return p
	}
	slices.SortFunc(matched, q.compare)
	take := q.Take
	if take <= 0 {
		take = DefaultTake
	}
	start := max(q.Skip, 0)
	if q.Around > 0 {
		if i := slices.IndexFunc(matched, func(l listed) bool { return l.file.ID == q.Around }); i >= 0 {
			// Centre the file on the page, but keep the page full where the listing allows.
			start = min(max(i-take/2, 0), max(len(matched)-take, 0))
		}
	}
	start = min(start, len(matched))
	end := min(start+take, len(matched))
	p.Start, p.End = start, end
	for _, l := range matched[start:end] {
		p.Files = append(p.Files, *l.file)
	}
	return p
}
