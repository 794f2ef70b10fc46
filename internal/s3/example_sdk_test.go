package s3_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fileemu/fileemu/testkit"
)

// An AWS SDK client pointed at the fake S3: path-style, the emulator's credentials.
func Example_sdkClient() {
	emu, err := testkit.New()
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	client := awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(emu.URL + "/s3"), // a session: emu.URL + "/_s/{id}/s3"
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("fileemu", "fileemu-secret", ""),
	})
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("reports")}); err != nil {
		panic(err)
	}
	put, err := client.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("reports"), Key: aws.String("2026/q1.txt"),
		Body: strings.NewReader("Quarterly report")})
	if err != nil {
		panic(err)
	}
	fmt.Println("ETag:", aws.ToString(put.ETag))
	list, err := client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("reports"), Prefix: aws.String("2026/")})
	if err != nil {
		panic(err)
	}
	for _, o := range list.Contents {
		fmt.Println("listed:", aws.ToString(o.Key), aws.ToInt64(o.Size))
	}
	get, err := client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("reports"), Key: aws.String("2026/q1.txt")})
	if err != nil {
		panic(err)
	}
	defer get.Body.Close()
	b, _ := io.ReadAll(get.Body)
	fmt.Println("content:", string(b))
	// Output:
	// ETag: "b878f09b440039d0fb8cb3f05ceb405f"
	// listed: 2026/q1.txt 16
	// content: Quarterly report
}
