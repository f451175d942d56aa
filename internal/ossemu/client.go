package ossemu

import (
	"fmt"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
)

// Client returns an SDK client for an account on a region's endpoint,
// signing with V1 unless opts say otherwise. STS accounts get their token.
func (c *Cloud) Client(account, region string, opts ...oss.ClientOption) (*oss.Client, error) {
	a, ok := c.byName[account]
	if !ok {
		return nil, fmt.Errorf("unknown account %q", account)
	}
	ep := c.endpoints[region]
	if ep == "" {
		return nil, fmt.Errorf("region %q is not emulated", region)
	}
	if a.SecurityToken != "" {
		opts = append([]oss.ClientOption{oss.SecurityToken(a.SecurityToken)}, opts...)
	}
	return oss.New(ep, a.AccessKeyID, a.AccessKeySecret, opts...)
}

// ClientV4 is Client signing with V4 for the region.
func (c *Cloud) ClientV4(account, region string, opts ...oss.ClientOption) (*oss.Client, error) {
	return c.Client(account, region, append([]oss.ClientOption{oss.AuthVersion(oss.AuthV4), oss.Region(region)}, opts...)...)
}
