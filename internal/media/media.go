// Package media reads what APIs report about stored content without decoding all of it.
package media

import (
	"image"
	_ "image/gif" // the image formats uploads are measured in: GIF, JPEG, PNG
	_ "image/jpeg"
	_ "image/png"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// Dimensions decodes only the image header of a stored object; 0, 0 when it is no image Go
// can read.
func Dimensions(store *blobstore.Store, name string) (width, height int) {
	_, rd, err := store.Open(name)
	if err != nil {
		return 0, 0
	}
	defer rd.Close()
	cfg, _, err := image.DecodeConfig(rd)
	if err != nil {
		return 0, 0
	}
	return cfg.Width, cfg.Height
}
