package weavy

import "strings"

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
