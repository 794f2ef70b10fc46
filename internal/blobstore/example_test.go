package blobstore_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/fileemu/fileemu/internal/blobstore"
)

func Example() {
	store := blobstore.New()
	obj, err := store.Put(context.Background(), "bucket/hello.txt", strings.NewReader("hello, world"),
		blobstore.PutOptions{ContentType: "text/plain", SizeHint: 12})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(obj.Name, obj.Size, obj.ETag())

	_, r, err := store.Open("bucket/hello.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	content, _ := io.ReadAll(r)
	fmt.Println(string(content))

	found, _ := store.Contains("bucket/hello.txt", []byte("world"))
	fmt.Println("contains world:", found)
	// Output:
	// bucket/hello.txt 12 "e4d7f1b4ed2e42d15898f4b27b019da4"
	// hello, world
	// contains world: true
}

func ExampleStore_Put_tooLarge() {
	store := blobstore.New()
	_, err := store.Put(context.Background(), "bucket/big.bin", strings.NewReader("0123456789"),
		blobstore.PutOptions{MaxSize: 4})
	fmt.Println(err)
	fmt.Println("stored objects:", store.Len())
	// Output:
	// put "bucket/big.bin": blobstore: content exceeds maximum size of 4 bytes (read 5)
	// stored objects: 0
}
