package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/vindel-hub/vindel/internal/config"
	"github.com/vindel-hub/vindel/internal/hub"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	cfgPath := fl.String("config", "", "YAML configuration file (optional; VINDEL_* variables override it)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath, os.Environ())
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return err
	}

	h, err := hub.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return h.Run(ctx)
}
