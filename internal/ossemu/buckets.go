package ossemu

import (
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Storage classes OSS knows.
const (
	ClassStandard        = "Standard"
	ClassIA              = "IA"
	ClassArchive         = "Archive"
	ClassColdArchive     = "ColdArchive"
	ClassDeepColdArchive = "DeepColdArchive"
)

func validStorageClass(s string) bool {
	switch s {
	case ClassStandard, ClassIA, ClassArchive, ClassColdArchive, ClassDeepColdArchive:
		return true
	}
	return false
}

func isArchiveClass(s string) bool {
	return s == ClassArchive || s == ClassColdArchive || s == ClassDeepColdArchive
}

// validBucketName applies OSS's naming rules: 3-63 of [a-z0-9-], not
// starting or ending with '-'.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for _, ch := range name {
		if (ch < 'a' || ch > 'z') && (ch < '0' || ch > '9') && ch != '-' {
			return false
		}
	}
	return true
}

type createBucketXML struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	StorageClass       string   `xml:"StorageClass"`
	DataRedundancyType string   `xml:"DataRedundancyType"`
}

func (c *Cloud) putBucket(rq *request) error {
	if rq.account == nil {
		return errNotOwnerOrAnonymous
	}
	if !validBucketName(rq.bucket) {
		return &ossError{Status: http.StatusBadRequest, Code: "InvalidBucketName", Message: "The specified bucket is not valid.", Bucket: rq.bucket}
	}
	rec := BucketRecord{Name: rq.bucket, Region: rq.region, Owner: rq.account.ID, ACL: aclPrivate, StorageClass: ClassStandard, Created: c.now().UTC()}
	if acl := rq.r.Header.Get("x-oss-acl"); acl != "" {
		if !validBucketACL(acl) {
			return errInvalidArgument("x-oss-acl must be private, public-read or public-read-write.")
		}
		rec.ACL = acl
	}
	if rq.r.ContentLength != 0 {
		var cfg createBucketXML
		if err := readXML(rq, &cfg); err != nil {
			return err
		}
		if cfg.StorageClass != "" {
			if !validStorageClass(cfg.StorageClass) {
				return errInvalidArgument("Unsupported storage class " + cfg.StorageClass + ".")
			}
			rec.StorageClass = cfg.StorageClass
		}
	}
	if err := c.backend.CreateBucket(rec); err != nil {
		return err
	}
	rq.w.Header().Set("Location", "/"+rq.bucket)
	return writeEmpty(rq, http.StatusOK)
}

func (c *Cloud) deleteBucket(rq *request) error {
	if _, err := c.requireOwner(rq); err != nil {
		return err
	}
	if err := c.backend.DeleteBucket(rq.bucket); err != nil {
		return err
	}
	return writeEmpty(rq, http.StatusNoContent)
}

func (c *Cloud) getBucketLocation(rq *request) error {
	b, err := c.requireOwner(rq)
	if err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, struct {
		XMLName  xml.Name `xml:"LocationConstraint"`
		Location string   `xml:",chardata"`
	}{Location: "oss-" + b.Region})
}

func (c *Cloud) ownerXML(id string) ownerXML {
	name := id
	if a := c.accountByID(id); a != nil {
		name = a.Name
	}
	return ownerXML{ID: id, DisplayName: name}
}

func (c *Cloud) getBucketInfo(rq *request) error {
	b, err := c.requireOwner(rq)
	if err != nil {
		return err
	}
	type bucketXML struct {
		Name               string   `xml:"Name"`
		Location           string   `xml:"Location"`
		CreationDate       string   `xml:"CreationDate"`
		ExtranetEndpoint   string   `xml:"ExtranetEndpoint"`
		IntranetEndpoint   string   `xml:"IntranetEndpoint"`
		Grant              string   `xml:"AccessControlList>Grant"`
		DataRedundancyType string   `xml:"DataRedundancyType"`
		Owner              ownerXML `xml:"Owner"`
		StorageClass       string   `xml:"StorageClass"`
		SSEAlgorithm       string   `xml:"ServerSideEncryptionRule>SSEAlgorithm"`
		Versioning         string   `xml:"Versioning,omitempty"`
	}
	return writeXML(rq, http.StatusOK, struct {
		XMLName xml.Name  `xml:"BucketInfo"`
		Bucket  bucketXML `xml:"Bucket"`
	}{Bucket: bucketXML{
		Name: b.Name, Location: "oss-" + b.Region, CreationDate: isoTime(b.Created),
		ExtranetEndpoint: PublicEndpoint(b.Region), IntranetEndpoint: "oss-" + b.Region + "-internal.aliyuncs.com",
		Grant: b.ACL, DataRedundancyType: "LRS", Owner: c.ownerXML(b.Owner), StorageClass: b.StorageClass, SSEAlgorithm: "None",
	}})
}

type aclXML struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   ownerXML `xml:"Owner"`
	Grant   string   `xml:"AccessControlList>Grant"`
}

func (c *Cloud) getBucketACL(rq *request) error {
	b, err := c.requireOwner(rq)
	if err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, aclXML{Owner: c.ownerXML(b.Owner), Grant: b.ACL})
}

func (c *Cloud) putBucketACL(rq *request) error {
	if _, err := c.requireOwner(rq); err != nil {
		return err
	}
	acl := rq.r.Header.Get("x-oss-acl")
	if !validBucketACL(acl) {
		return errInvalidArgument("x-oss-acl must be private, public-read or public-read-write.")
	}
	if err := c.backend.UpdateBucket(rq.bucket, func(b *BucketRecord) { b.ACL = acl }); err != nil {
		return err
	}
	return writeEmpty(rq, http.StatusOK)
}

// listBuckets lists the caller's buckets in every region.
func (c *Cloud) listBuckets(rq *request) error {
	if rq.account == nil {
		return errNotOwnerOrAnonymous
	}
	all, err := c.backend.Buckets()
	if err != nil {
		return err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	prefix, marker := rq.q.Get("prefix"), rq.q.Get("marker")
	maxKeys := 100
	if v := rq.q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errInvalidArgument("max-keys must be between 1 and 1000.")
		}
		maxKeys = min(n, 1000)
	}
	type bucketXML struct {
		Name         string `xml:"Name"`
		Location     string `xml:"Location"`
		Region       string `xml:"Region"`
		CreationDate string `xml:"CreationDate"`
		StorageClass string `xml:"StorageClass"`
	}
	res := struct {
		XMLName     xml.Name    `xml:"ListAllMyBucketsResult"`
		Prefix      string      `xml:"Prefix"`
		Marker      string      `xml:"Marker"`
		MaxKeys     int         `xml:"MaxKeys"`
		IsTruncated bool        `xml:"IsTruncated"`
		NextMarker  string      `xml:"NextMarker,omitempty"`
		Owner       ownerXML    `xml:"Owner"`
		Buckets     []bucketXML `xml:"Buckets>Bucket"`
	}{Prefix: prefix, Marker: marker, MaxKeys: maxKeys, Owner: c.ownerXML(rq.account.ID)}
	for _, b := range all {
		if b.Owner != rq.account.ID || !strings.HasPrefix(b.Name, prefix) || b.Name <= marker {
			continue
		}
		if len(res.Buckets) == maxKeys {
			res.IsTruncated = true
			res.NextMarker = res.Buckets[len(res.Buckets)-1].Name
			break
		}
		res.Buckets = append(res.Buckets, bucketXML{Name: b.Name, Location: "oss-" + b.Region, Region: b.Region, CreationDate: isoTime(b.Created), StorageClass: b.StorageClass})
	}
	return writeXML(rq, http.StatusOK, res)
}
