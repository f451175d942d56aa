package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// tflogLogger is an hclog.Logger that writes into Terraform's provider log
// through tflog, so the engine's progress lines show with
// TF_LOG_PROVIDER=INFO. Only the logging calls are forwarded; the rest of the
// interface comes from a null logger.
type tflogLogger struct {
	hclog.Logger
	ctx    context.Context
	fields map[string]any
}

func newTflogLogger(ctx context.Context) hclog.Logger {
	return &tflogLogger{Logger: hclog.NewNullLogger(), ctx: ctx}
}

func (l *tflogLogger) with(args []any) map[string]any {
	f := maps.Clone(l.fields)
	if f == nil {
		f = map[string]any{}
	}
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			f[k] = args[i+1]
		}
	}
	return f
}

func (l *tflogLogger) Log(level hclog.Level, msg string, args ...any) {
	switch level {
	case hclog.Trace:
		l.Trace(msg, args...)
	case hclog.Debug:
		l.Debug(msg, args...)
	case hclog.Warn:
		l.Warn(msg, args...)
	case hclog.Error:
		l.Error(msg, args...)
	default:
		l.Info(msg, args...)
	}
}

func (l *tflogLogger) Trace(msg string, args ...any) { tflog.Trace(l.ctx, msg, l.with(args)) }
func (l *tflogLogger) Debug(msg string, args ...any) { tflog.Debug(l.ctx, msg, l.with(args)) }
func (l *tflogLogger) Info(msg string, args ...any)  { tflog.Info(l.ctx, msg, l.with(args)) }
func (l *tflogLogger) Warn(msg string, args ...any)  { tflog.Warn(l.ctx, msg, l.with(args)) }
func (l *tflogLogger) Error(msg string, args ...any) { tflog.Error(l.ctx, msg, l.with(args)) }

func (l *tflogLogger) IsTrace() bool { return true }
func (l *tflogLogger) IsDebug() bool { return true }
func (l *tflogLogger) IsInfo() bool  { return true }
func (l *tflogLogger) IsWarn() bool  { return true }
func (l *tflogLogger) IsError() bool { return true }

func (l *tflogLogger) With(args ...any) hclog.Logger {
	return &tflogLogger{Logger: l.Logger, ctx: l.ctx, fields: l.with(args)}
}

func (l *tflogLogger) Named(name string) hclog.Logger {
	return &tflogLogger{Logger: l.Logger, ctx: tflog.SetField(l.ctx, "logger", name), fields: l.fields}
}
