// Package antivirus is the emulator's virus scanner: content holding the EICAR anti-virus test
// string is infected, in every API, as real scanners treat it.
package antivirus

import (
	"fmt"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// EICAR is the standard anti-virus test string. Scanners flag any file that contains it.
const EICAR = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// Scan reports whether the stored object name is infected: a scenario marked it so, or its
// content holds the EICAR string.
func Scan(store *blobstore.Store, name string) (bool, error) {
	if obj, ok := store.Stat(name); ok && obj.Infected {
		return true, nil
	}
	infected, err := store.Contains(name, []byte(EICAR))
	if err != nil {
		return false, fmt.Errorf("scan %s: %w", name, err)
	}
	return infected, nil
}
