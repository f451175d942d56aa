package ossemu

import "net/http"

// Canned ACL values OSS accepts.
const (
	aclPrivate         = "private"
	aclPublicRead      = "public-read"
	aclPublicReadWrite = "public-read-write"
	aclDefault         = "default"
)

func validBucketACL(s string) bool {
	return s == aclPrivate || s == aclPublicRead || s == aclPublicReadWrite
}

func validObjectACL(s string) bool { return s == aclDefault || validBucketACL(s) }

// Grant permissions settable through the test API.
const (
	PermRead  = "read"
	PermWrite = "write"
)

func isOwner(a *Account, b BucketRecord) bool { return a != nil && a.ID == b.Owner }

// canRead reports whether a may read objects (or list) in b. An object ACL
// other than default overrides the bucket's. Other accounts are judged like
// anonymous users under canned ACLs (bucket policies and RAM are out of scope).
func canRead(a *Account, b BucketRecord, objectACL string) bool {
	if isOwner(a, b) {
		return true
	}
	if a != nil {
		if p := b.Grants[a.ID]; p == PermRead || p == PermWrite {
			return true
		}
	}
	acl := b.ACL
	if objectACL != "" && objectACL != aclDefault {
		acl = objectACL
	}
	return acl == aclPublicRead || acl == aclPublicReadWrite
}

// canWrite reports whether a may create or delete objects in b.
func canWrite(a *Account, b BucketRecord) bool {
	if isOwner(a, b) {
		return true
	}
	if a != nil && b.Grants[a.ID] == PermWrite {
		return true
	}
	return b.ACL == aclPublicReadWrite
}

func (c *Cloud) bucketFor(rq *request) (BucketRecord, error) {
	if rq.bucketRecord != nil {
		return *rq.bucketRecord, nil
	}
	return c.backend.Bucket(rq.bucket)
}

// requireOwner loads the request's bucket and checks that the caller owns it.
func (c *Cloud) requireOwner(rq *request) (BucketRecord, error) {
	b, err := c.bucketFor(rq)
	if err != nil {
		return b, err
	}
	if !isOwner(rq.account, b) {
		return b, errAccessDenied("You have no right to access this bucket.")
	}
	return b, nil
}

func (c *Cloud) requireWrite(rq *request) (BucketRecord, error) {
	b, err := c.bucketFor(rq)
	if err != nil {
		return b, err
	}
	if !canWrite(rq.account, b) {
		return b, errAccessDenied("You have no right to access this object because of bucket acl.")
	}
	return b, nil
}

func (c *Cloud) requireListRead(rq *request) (BucketRecord, error) {
	b, err := c.bucketFor(rq)
	if err != nil {
		return b, err
	}
	if !canRead(rq.account, b, "") {
		return b, errAccessDenied("You have no right to access this bucket because of bucket acl.")
	}
	return b, nil
}

var errNotOwnerOrAnonymous = &ossError{Status: http.StatusForbidden, Code: "AccessDenied", Message: "Anonymous access is forbidden for this operation."}
