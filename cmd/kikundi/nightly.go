package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/mpesa/reconcile"
)

// statementReconciler fetches the organisation statement from KIKUNDI_STATEMENT_URL and
// reconciles it, for the nightly task.
type statementReconciler struct {
	db  *gorm.DB
	url string
}

func (r statementReconciler) Reconcile(ctx context.Context) (bool, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return false, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, "", fmt.Errorf("fetch statement: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, "", fmt.Errorf("fetch statement: HTTP %d", resp.StatusCode)
	}
	run, err := reconcile.Load(ctx, r.db, resp.Body, r.url, nil)
	if err != nil {
		return false, "", err
	}
	defer func() { _ = reconcile.DropLines(context.WithoutCancel(ctx), r.db, run) }()
	rep, err := reconcile.Match(ctx, r.db, run)
	if err != nil {
		return false, "", err
	}
	var b bytes.Buffer
	rep.WriteText(&b)
	return rep.Clean(), b.String(), nil
}
