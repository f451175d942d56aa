package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
)

// configured takes the provider data handed to a resource or data source
// and the engine constructor it should use (newEngine unless nil, for tests).
// Before the provider is configured both are nil.
func configured(pd any, newEngine func(context.Context) *engine.Engine, diags *diag.Diagnostics) (*providerData, func(context.Context) *engine.Engine) {
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
		newEngine = func(ctx context.Context) *engine.Engine {
			return engine.New(engine.Options{Logger: newTflogLogger(ctx)})
		}
	}
	return data, newEngine
}
