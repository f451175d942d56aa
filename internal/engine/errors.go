package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// errClass is how the engine reacts to an error. It is decided here and
// nowhere else.
type errClass int

const (
	// classObject fails one object: it is reported and the run goes on.
	classObject errClass = iota
	// classRetryable is retried with backoff (throttling, 5xx, resets).
	classRetryable
	// classFatal stops the run: credentials, a missing bucket, a wrong
	// endpoint; no other object could succeed either.
	classFatal
)

var fatalCodes = map[string]bool{
	"InvalidAccessKeyId": true, "SignatureDoesNotMatch": true, "InvalidSecurityToken": true,
	"SecurityTokenExpired": true, "RequestTimeTooSkewed": true, "NoSuchBucket": true, "InvalidBucketName": true,
	"UserDisable": true, "AccountArrears": true,
}

// classify decides an error's class.
func classify(err error) errClass {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return classFatal
	}
	if errors.Is(err, storage.ErrCRCMismatch) {
		// Bad bytes are not fixed by resending the same request: the
		// copier starts the whole object again (Options.ObjectAttempts).
		return classObject
	}
	var se *storage.Error
	if errors.As(err, &se) {
		switch {
		case se.Endpoint != "" || fatalCodes[se.Code]:
			return classFatal
		case isThrottle(err), se.StatusCode >= 500, se.Code == "RequestTimeout", se.StatusCode == 0:
			return classRetryable
		default:
			return classObject
		}
	}
	// Everything else is retried a bounded number of times, then reported
	// against the object: network errors (resets, timeouts, cut bodies)
	// and unknown failures such as a malformed response alike.
	return classRetryable
}

// isThrottle reports whether the store asked us to slow down.
func isThrottle(err error) bool {
	var se *storage.Error
	return errors.As(err, &se) && (se.Code == "SlowDown" || se.StatusCode == 503 || se.StatusCode == 429)
}

// isAccessDenied reports a permission refusal (the trigger for auto's
// fallback from server-side copy to streaming).
func isAccessDenied(err error) bool {
	var se *storage.Error
	return errors.As(err, &se) && se.StatusCode == 403 && (se.Code == "AccessDenied" || se.Code == "")
}

// isSourceGone reports that the source object vanished (or changed) mid-run.
func isSourceGone(err error) bool {
	var se *storage.Error
	return errors.As(err, &se) && (se.Code == "NoSuchKey" || se.StatusCode == 412)
}

// retrier retries retryable errors with exponential backoff and full jitter
// and tells the pool about throttling.
type retrier struct {
	clock       Clock
	attempts    int
	base, limit time.Duration
	pool        *adaptivePool
	onRetry     func(what string, attempt int, err error)
}

// do runs fn until it succeeds, fails with a non-retryable error, or the
// attempts are used up.
func (r *retrier) do(ctx context.Context, what string, fn func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			if r.pool != nil {
				r.pool.success()
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if classify(err) != classRetryable || attempt >= r.attempts {
			return err
		}
		if isThrottle(err) && r.pool != nil {
			r.pool.throttled()
		}
		if r.onRetry != nil {
			r.onRetry(what, attempt, err)
		}
		backoff := min(r.base<<(attempt-1), r.limit)
		backoff = time.Duration(rand.Int64N(int64(backoff)) + 1)
		select {
		case <-r.clock.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
