package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"golang.org/x/sync/errgroup"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// clientFlags are the connection flags seed and ls share.
type clientFlags struct {
	endpoint, accessKey, secret, region string
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.endpoint, "endpoint", "http://127.0.0.1:9100", "endpoint of the bucket's region")
	fs.StringVar(&c.accessKey, "access-key", ossemu.DefaultAccount.AccessKeyID, "access key ID")
	fs.StringVar(&c.secret, "secret", "", "access key secret (default: the default account's; or OSSEMU_SECRET)")
	fs.StringVar(&c.region, "region", ossemu.DefaultRegion, "region ID, used for V4 signing")
}

func (c *clientFlags) bucket(name string) (*oss.Bucket, error) {
	secret := c.secret
	if secret == "" {
		secret = os.Getenv("OSSEMU_SECRET")
	}
	if secret == "" {
		secret = ossemu.DefaultAccount.AccessKeySecret
	}
	cl, err := oss.New(c.endpoint, c.accessKey, secret, oss.AuthVersion(oss.AuthV4), oss.Region(c.region))
	if err != nil {
		return nil, err
	}
	return cl.Bucket(name)
}

// seed uploads generated objects: -count small objects spread over nested
// prefixes, plus optional large and archived ones. Contents are derived from
// the key and -salt, so a re-run with another salt "touches" the objects.
func seed(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ossemu seed", flag.ContinueOnError)
	var cf clientFlags
	cf.register(fs)
	bucketName := fs.String("bucket", "", "bucket to upload into (required)")
	prefix := fs.String("prefix", "", "key prefix of every generated object")
	count := fs.Int("count", 100, "number of small objects")
	size := fs.Int("size", 4096, "size of each small object in bytes")
	large := fs.Int64("large", 0, "also upload one object of this many bytes (multipart), key <prefix>large.bin")
	archive := fs.Bool("archive", false, "also upload one Archive-class object, key <prefix>archive/frozen.dat")
	salt := fs.String("salt", "v1", "changes the generated contents")
	parallel := fs.Int("parallel", 16, "concurrent uploads")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bucketName == "" {
		return fmt.Errorf("seed: -bucket is required")
	}
	b, err := cf.bucket(*bucketName)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(*parallel)
	for i := range *count {
		key := fmt.Sprintf("%sdata/%02d/%03d/object-%05d.txt", *prefix, i%10, i%97, i)
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			return b.PutObject(key, bytes.NewReader(content(key, *salt, *size)), oss.WithContext(gctx), oss.ContentType("text/plain"))
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d objects of %d bytes under %s%s\n", *count, *size, *bucketName+"/", *prefix)
	if *archive {
		key := *prefix + "archive/frozen.dat"
		if err := b.PutObject(key, strings.NewReader("cold data "+*salt), oss.ObjectStorageClass(oss.StorageArchive), oss.WithContext(ctx)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seeded Archive object %s\n", key)
	}
	if *large > 0 {
		key := *prefix + "large.bin"
		if err := uploadLarge(ctx, b, key, *large, *salt); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seeded %s (%d bytes, multipart)\n", key, *large)
	}
	return nil
}

func content(key, salt string, size int) []byte {
	line := []byte(key + " " + salt + "\n")
	return bytes.Repeat(line, size/len(line)+1)[:size]
}

// uploadLarge streams pseudo-random bytes through a multipart upload, so the
// seeder never holds the object in memory.
func uploadLarge(ctx context.Context, b *oss.Bucket, key string, size int64, salt string) error {
	const partSize = 16 << 20
	imur, err := b.InitiateMultipartUpload(key, oss.WithContext(ctx))
	if err != nil {
		return err
	}
	var seed uint64
	for _, ch := range salt {
		seed = seed*31 + uint64(ch)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var parts []oss.UploadPart
	buf := make([]byte, partSize)
	for n, off := 1, int64(0); off < size; n, off = n+1, off+partSize {
		l := min(partSize, size-off)
		for i := int64(0); i < l; i += 8 {
			v := rng.Uint64()
			for j := int64(0); j < 8 && i+j < l; j++ {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		p, err := b.UploadPart(imur, bytes.NewReader(buf[:l]), l, n, oss.WithContext(ctx))
		if err != nil {
			_ = b.AbortMultipartUpload(imur)
			return err
		}
		parts = append(parts, p)
	}
	_, err = b.CompleteMultipartUpload(imur, parts, oss.WithContext(ctx))
	return err
}

// list prints a bucket's objects (key, size, class), paging through ListObjectsV2.
func list(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ossemu ls", flag.ContinueOnError)
	var cf clientFlags
	cf.register(fs)
	bucketName := fs.String("bucket", "", "bucket to list (required)")
	prefix := fs.String("prefix", "", "only keys with this prefix")
	limit := fs.Int("limit", 20, "print at most this many keys (0: all); the total is always printed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bucketName == "" {
		return fmt.Errorf("ls: -bucket is required")
	}
	b, err := cf.bucket(*bucketName)
	if err != nil {
		return err
	}
	var total, bytesTotal int64
	token := ""
	for {
		res, err := b.ListObjectsV2(oss.Prefix(*prefix), oss.ContinuationToken(token), oss.MaxKeys(1000), oss.WithContext(ctx))
		if err != nil {
			return err
		}
		for _, o := range res.Objects {
			if *limit == 0 || total < int64(*limit) {
				fmt.Fprintf(stdout, "%12d  %-8s  %s\n", o.Size, o.StorageClass, o.Key)
			}
			total++
			bytesTotal += o.Size
		}
		if !res.IsTruncated {
			break
		}
		token = res.NextContinuationToken
	}
	fmt.Fprintf(stdout, "%d objects, %d bytes in %s/%s\n", total, bytesTotal, *bucketName, *prefix)
	return nil
}
