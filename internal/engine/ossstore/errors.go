package ossstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// fail converts an error of the SDK call behind Bucket method op into what
// storage.Bucket promises; detail (may be empty) adds what op and key do not
// say, such as a part number or a copy source.
//
//   - An answer from OSS (oss.ServiceError, oss.UnexpectedStatusCodeError)
//     becomes a *storage.Error. HEAD answers have no body: unless OSS sent
//     the error in x-oss-err, Code is empty and StatusCode tells the cause.
//   - When ctx has ended, errors.Is(err, ctx.Err()) holds whatever the
//     transport reported.
//   - Anything else (resets, timeouts, io.ErrUnexpectedEOF, TLS, malformed
//     answers) is wrapped with %w, so its type stays visible to errors.As.
func (b *bucket) fail(ctx context.Context, op, key, detail string, err error) error {
	where := b.name
	if key != "" {
		where += "/" + key
	}
	if detail != "" {
		where += " (" + detail + ")"
	}
	if se := storeError(op, b.name, key, err); se != nil {
		se.Detail = detail
		return se
	}
	var crc oss.CRCCheckError
	if errors.As(err, &crc) {
		return fmt.Errorf("%s %s: %w: %w", op, where, storage.ErrCRCMismatch, err)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%s %s: %w: %w", op, where, cerr, err)
	}
	return fmt.Errorf("%s %s: %w", op, where, err)
}

// failWrite is fail for uploads, whose response (nil if none arrived) holds
// the two CRCs the SDK compared: a mismatch becomes a *storage.CRCError with
// the server's CRC as Got and the CRC of the bytes sent as Expected. The
// SDK's oss.CRCCheckError keeps both numbers unexported.
func (b *bucket) failWrite(ctx context.Context, op, key, detail string, resp *oss.Response, err error) error {
	var crc oss.CRCCheckError
	if resp != nil && errors.As(err, &crc) {
		what := op + " " + b.name + "/" + key
		if detail != "" {
			what += " (" + detail + ")"
		}
		if id := resp.Headers.Get(oss.HTTPHeaderOssRequestID); id != "" {
			what += " (request " + id + ")"
		}
		return &storage.CRCError{What: what, Got: resp.ServerCRC, Expected: resp.ClientCRC}
	}
	return b.fail(ctx, op, key, detail, err)
}

// storeError is err as a *storage.Error if OSS answered it, else nil.
func storeError(op, bucket, key string, err error) *storage.Error {
	var se oss.ServiceError
	if errors.As(err, &se) {
		e := &storage.Error{
			Op: op, Bucket: bucket, Key: key, StatusCode: se.StatusCode, Code: se.Code,
			Message: se.Message, RequestID: se.RequestID, Endpoint: se.Endpoint,
		}
		if e.Message == "" {
			e.Message = http.StatusText(se.StatusCode)
		}
		return e
	}
	var ue oss.UnexpectedStatusCodeError
	if errors.As(err, &ue) {
		return &storage.Error{Op: op, Bucket: bucket, Key: key, StatusCode: ue.Got(), Message: ue.Error()}
	}
	return nil
}
