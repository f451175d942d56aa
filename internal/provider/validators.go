package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
)

// stringCheck is a string validator from a check function; its error text
// becomes the attribute error's detail.
type stringCheck struct {
	description string
	check       func(string) error
}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.description, req.Path.String()+": "+err.Error())
	}
}

// globWarning warns about a glob that starts with "/": patterns match keys
// relative to the source prefix, which start with "/" only when the key has
// "//" there, so such a pattern almost always matches nothing.
type globWarning struct{}

func (globWarning) Description(context.Context) string {
	return "patterns match the key relative to the source prefix"
}
func (w globWarning) MarkdownDescription(ctx context.Context) string { return w.Description(ctx) }

func (globWarning) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || !strings.HasPrefix(req.ConfigValue.ValueString(), "/") {
		return
	}
	resp.Diagnostics.AddAttributeWarning(req.Path, "Glob Pattern Starts With \"/\"",
		fmt.Sprintf("%s: %q is matched against keys relative to the source prefix, such as \"logs/2024/a.gz\" for "+
			"\"data/logs/2024/a.gz\" under prefix \"data/\"; they start with \"/\" only when the key has \"//\" there. "+
			"Did you mean %q?", req.Path, req.ConfigValue.ValueString(), strings.TrimLeft(req.ConfigValue.ValueString(), "/")))
}

var (
	bucketNameCheck = stringCheck{"OSS bucket name", engine.ValidateBucketName}
	prefixCheck     = stringCheck{"OSS key prefix", engine.ValidatePrefix}
	endpointCheck   = stringCheck{"OSS endpoint", checkEndpoint}
	globCheck       = stringCheck{"glob pattern", func(s string) error { _, err := engine.CompileGlob(s); return err }}
	rfc3339Check    = stringCheck{"RFC 3339 time", func(s string) error {
		_, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return errorf("%q is not an RFC 3339 time such as 2024-05-01T00:00:00Z", s)
		}
		return nil
	}}
	timeOfDayCheck = stringCheck{"time of day", func(s string) error { _, err := engine.ParseTimeOfDay(s); return err }}
	timeZoneCheck  = stringCheck{"time zone", func(s string) error {
		if _, err := time.LoadLocation(s); err != nil {
			return errorf("%q is not an IANA time zone such as Asia/Shanghai or UTC", s)
		}
		return nil
	}}
	regionCheck = stringCheck{"OSS region", func(s string) error {
		if _, ok := engine.RegionCountry(s); !ok {
			return errorf("%q is not a known OSS region ID; use one of %s", s, joinComma(engine.KnownRegions()))
		}
		return nil
	}}
)
