package ossemu

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
)

// ossError is an error answered in OSS's error XML. Handlers return it; the
// router writes it (as a body, or base64 in x-oss-err for HEAD).
type ossError struct {
	Status       int
	Code         string
	Message      string
	Bucket       string
	Key          string
	Endpoint     string
	StringToSign string
}

func (e *ossError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// errorCodes maps an OSS error code to its EC value. Real EC values are
// per-cause; these are stable stand-ins in OSS's NNNN-NNNNNNNN shape
// (difference from OSS: one EC per code).
var errorCodes = map[string]string{
	"AccessDenied":             "0003-00000001",
	"SignatureDoesNotMatch":    "0002-00000040",
	"InvalidAccessKeyId":       "0002-00000005",
	"RequestTimeTooSkewed":     "0002-00000080",
	"NoSuchBucket":             "0015-00000101",
	"NoSuchKey":                "0026-00000001",
	"NoSuchUpload":             "0042-00000002",
	"InvalidPart":              "0042-00000203",
	"InvalidPartOrder":         "0042-00000209",
	"EntityTooSmall":           "0042-00000210",
	"InvalidDigest":            "0016-00000208",
	"InvalidObjectState":       "0026-00000302",
	"RestoreAlreadyInProgress": "0026-00000307",
	"InvalidRange":             "0026-00000004",
	"SlowDown":                 "0016-00000801",
	"InternalError":            "0000-00000001",
	"BucketAlreadyExists":      "0015-00000003",
	"BucketNotEmpty":           "0015-00000301",
	"InvalidArgument":          "0017-00000001",
	"InvalidBucketName":        "0015-00000001",
	"InvalidObjectName":        "0016-00000005",
	"MalformedXML":             "0017-00000002",
	"PreconditionFailed":       "0026-00000007",
	"FileAlreadyExists":        "0026-00000008",
	"NotImplemented":           "0000-00000002",
	"MethodNotAllowed":         "0000-00000003",
	"EntityTooLarge":           "0016-00000210",
	"InvalidRequest":           "0017-00000003",
	"InvalidSecurityToken":     "0002-00000009",
}

func errorEC(code string) string {
	if ec, ok := errorCodes[code]; ok {
		return ec
	}
	return "0000-00000000"
}

func newError(status int, code, msg string) *ossError {
	return &ossError{Status: status, Code: code, Message: msg}
}

func errNoSuchBucket(bucket string) *ossError {
	return &ossError{Status: http.StatusNotFound, Code: "NoSuchBucket", Message: "The specified bucket does not exist.", Bucket: bucket}
}

func errNoSuchKey(bucket, key string) *ossError {
	return &ossError{Status: http.StatusNotFound, Code: "NoSuchKey", Message: "The specified key does not exist.", Bucket: bucket, Key: key}
}

func errAccessDenied(msg string) *ossError {
	if msg == "" {
		msg = "You have no right to access this object because of bucket acl."
	}
	return &ossError{Status: http.StatusForbidden, Code: "AccessDenied", Message: msg}
}

func errInvalidArgument(msg string) *ossError {
	return newError(http.StatusBadRequest, "InvalidArgument", msg)
}

func errMalformedXML() *ossError {
	return newError(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
}

// asOSSError converts any handler error into an ossError; backend sentinel
// errors become their OSS codes, anything else is an InternalError.
func asOSSError(err error, bucket, key string) *ossError {
	var oe *ossError
	switch {
	case errors.As(err, &oe):
		return oe
	case errors.Is(err, ErrNoSuchBucket):
		return errNoSuchBucket(bucket)
	case errors.Is(err, ErrNoSuchKey):
		return errNoSuchKey(bucket, key)
	case errors.Is(err, ErrBucketExists):
		return &ossError{Status: http.StatusConflict, Code: "BucketAlreadyExists", Message: "The requested bucket name is not available.", Bucket: bucket}
	case errors.Is(err, ErrBucketNotEmpty):
		return &ossError{Status: http.StatusConflict, Code: "BucketNotEmpty", Message: "The bucket you tried to delete is not empty.", Bucket: bucket}
	default:
		return newError(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again. ("+err.Error()+")")
	}
}

type errorXML struct {
	XMLName      xml.Name `xml:"Error"`
	Code         string   `xml:"Code"`
	Message      string   `xml:"Message"`
	RequestID    string   `xml:"RequestId"`
	HostID       string   `xml:"HostId"`
	Bucket       string   `xml:"Bucket,omitempty"`
	Key          string   `xml:"Key,omitempty"`
	Endpoint     string   `xml:"Endpoint,omitempty"`
	StringToSign string   `xml:"StringToSign,omitempty"`
	EC           string   `xml:"EC"`
	RecommendDoc string   `xml:"RecommendDoc"`
}

// writeError answers e as OSS does. HEAD responses carry no body, so the XML
// travels base64-encoded in x-oss-err, as OSS sends it.
func writeError(w http.ResponseWriter, r *http.Request, e *ossError, requestID, hostID string) {
	ec := errorEC(e.Code)
	body, _ := xml.Marshal(errorXML{
		Code: e.Code, Message: e.Message, RequestID: requestID, HostID: hostID,
		Bucket: e.Bucket, Key: e.Key, Endpoint: e.Endpoint, StringToSign: e.StringToSign,
		EC: ec, RecommendDoc: "https://api.aliyun.com/troubleshoot?q=" + ec,
	})
	body = append([]byte(xml.Header), body...)
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("x-oss-ec", ec)
	if r.Method == http.MethodHead {
		h.Set("x-oss-err", base64.StdEncoding.EncodeToString(body))
		h.Set("Content-Length", "0")
		w.WriteHeader(e.Status)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
