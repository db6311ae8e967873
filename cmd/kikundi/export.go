package main

import (
	"context"
	"encoding/json"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/phone"
)

// runExportData is `kikundi export-data PHONE`: everything Kikundi keeps about a person,
// as JSON on stdout, for an operator answering a data subject's request (Data Protection
// Act 2019). It works with consent withdrawn, and never includes the PIN hash.
func runExportData(ctx context.Context, e env, args []string) error {
	if len(args) != 1 {
		return &usageError{msg: "export-data needs: PHONE", usage: printUsage}
	}
	e164, err := phone.Normalize(args[0])
	if err != nil {
		return &usageError{msg: err.Error(), usage: printUsage}
	}
	cfg, err := loadConfig(e.getenv, "export-data")
	if err != nil {
		return err
	}
	st, err := openStores(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.close(newLogger(e, cfg, "export-data"))
	x, err := chama.New(chama.Options{DB: st.db}).ExportMyData(ctx, chama.Actor{Phone: e164, Channel: chama.System})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(x)
}
