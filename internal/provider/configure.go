package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
)

// engineFactory builds the engine for one call, logging to ctx's tflog.
type engineFactory func(ctx context.Context, opts engine.Options) *engine.Engine

// configured takes the provider data handed to a resource or data source
// and the engine constructor it should use (newEngine unless nil, for tests).
// Before the provider is configured both are nil.
func configured(pd any, newEngine engineFactory, diags *diag.Diagnostics) (*providerData, engineFactory) {
	if pd == nil {
		return nil, newEngine
	}
	data, ok := pd.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", pd))
		return nil, newEngine
	}
	if newEngine == nil {
		newEngine = func(ctx context.Context, opts engine.Options) *engine.Engine {
			opts.Logger = newTflogLogger(ctx)
			return engine.New(opts)
		}
	}
	return data, newEngine
}
