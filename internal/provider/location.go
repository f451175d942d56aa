package provider

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// endpointFor resolves where a bucket is reached and with which keys: the
// block's region (else the provider's), the block's endpoint (else the
// provider's when the regions agree, else the region's public endpoint) and
// the named credential set (else the provider's own). field names the block
// for error messages ("" for attributes at the top level).
func (d *providerData) endpointFor(field, bucket, region, endpoint, credentials string) (storage.Endpoint, error) {
	if region == "" {
		region = d.region
	}
	if region == "" {
		return storage.Endpoint{}, &locationError{"region", fmt.Errorf("%s: no region set here or in the provider block (or ALICLOUD_REGION); "+
			"set it to the bucket's region, for example cn-hangzhou", attributeName(field, "region"))}
	}
	if endpoint == "" && (d.region == "" || d.region == region) {
		endpoint = d.endpoint
	}
	set, err := d.credentialSetByName(credentials)
	if err != nil {
		return storage.Endpoint{}, &locationError{"credentials", fmt.Errorf("%s: %w", attributeName(field, "credentials"), err)}
	}
	return storage.Endpoint{
		Region: region, Endpoint: endpoint, Bucket: bucket, SignVersion: string(d.signVersion),
		Credentials: storage.Credentials{AccessKeyID: set.accessKeyID, AccessKeySecret: set.accessKeySecret, SecurityToken: set.securityToken},
	}, nil
}

// locationError is an endpointFor error and the attribute of the location
// block it is about, for the diagnostic's path.
type locationError struct {
	attribute string
	err       error
}

func (e *locationError) Error() string { return e.err.Error() }
func (e *locationError) Unwrap() error { return e.err }

// addLocationError adds err from endpointFor as an error on the attribute of
// block at fault.
func addLocationError(diags *diag.Diagnostics, block string, err error) {
	at := path.Empty()
	if block != "" {
		at = path.Root(block)
	}
	var le *locationError
	if !errors.As(err, &le) {
		diags.AddAttributeError(at, "Invalid "+block, err.Error())
		return
	}
	diags.AddAttributeError(at.AtName(le.attribute), "Invalid "+strings.ToUpper(le.attribute[:1])+le.attribute[1:], err.Error())
}

// attributeName is attr within block ("" for the top level).
func attributeName(block, attr string) string {
	if block == "" {
		return attr
	}
	return block + "." + attr
}

// checkEndpoint accepts https URLs and bare host names, and plain http only
// for loopback addresses (an emulator on this machine): credentials and data
// must not cross a network unencrypted.
func checkEndpoint(s string) error {
	if s == "" {
		return nil
	}
	raw := s
	if !strings.Contains(s, "://") {
		raw = "https://" + s
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL or host name; use for example https://oss-cn-hangzhou.aliyuncs.com", s)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return fmt.Errorf("%q: an endpoint has no path or query", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%q: plain http is only allowed for loopback endpoints (an emulator on this machine); use https", s)
	default:
		return fmt.Errorf("%q: scheme %q is not supported; use https", s, u.Scheme)
	}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func joinComma(values []string) string { return strings.Join(values, ", ") }
