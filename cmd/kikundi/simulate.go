package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kikundi/kikundi/internal/config"
	"github.com/kikundi/kikundi/mpesa/sim"
)

// runSimulate is `kikundi simulate daraja [--addr HOST:PORT]`: the Daraja simulator alone,
// accepting the credentials of KIKUNDI_DARAJA_* (the dev values when unset).
func runSimulate(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "daraja" {
		return &usageError{msg: "simulate needs a subcommand: daraja [--addr HOST:PORT]", usage: printUsage}
	}
	f := newFlags("simulate daraja", "[--addr HOST:PORT]",
		"Runs the M-Pesa Daraja simulator: the real API paths, wallets, callbacks, faults and the\n"+
			"organisation statement, plus the control API of CONTRACT.md under /simulator/.")
	addr := f.String("addr", "", "where to listen (default KIKUNDI_SIM_ADDR, 127.0.0.1:8090)")
	if err := f.parse(args[1:], e.stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(e.getenv, "simulate")
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.SimAddr = *addr
	}
	logger := newLogger(e, cfg, "simulate")
	h, s, err := startSimulator(cfg, logger)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(e.stdout, "Daraja simulator on http://%s (shortcode %s); its certificate: http://%s/simulator/cert.pem\n",
		h.addr, simCredentials(cfg).Shortcode, h.addr)
	select {
	case err := <-h.done:
		return unexpectedStop(err)
	case <-ctx.Done():
	}
	return h.shutdown(cfg.ShutdownTimeout)
}

// simCredentials are the credentials the simulator accepts: the configured Daraja ones,
// with the dev values (config.Dev) for any that are unset.
func simCredentials(cfg config.Config) sim.Options {
	cfg.Dev()
	return sim.Options{
		Shortcode: cfg.DarajaShortcode, ConsumerKey: cfg.DarajaConsumerKey, ConsumerSecret: cfg.DarajaConsumerSecret,
		Passkey: cfg.DarajaPasskey, Initiator: cfg.DarajaInitiator, InitiatorPassword: cfg.DarajaInitiatorPassword,
		Seed: time.Now().UnixNano(),
	}
}

// startSimulator runs the simulator on cfg.SimAddr; the caller shuts the server down
// and then closes the simulator (its pending timers).
func startSimulator(cfg config.Config, logger *slog.Logger) (*httpServer, *sim.Sim, error) {
	o := simCredentials(cfg)
	o.Logger = logger.With("component", "daraja-sim")
	s, err := sim.New(o)
	if err != nil {
		return nil, nil, err
	}
	h, err := startHTTP(s.App(), cfg.SimAddr, logger)
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("daraja simulator: %w", err)
	}
	return h, s, nil
}
