package workers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

type fakeReconciler struct {
	clean  bool
	report string
	err    error
}

func (f fakeReconciler) Reconcile(context.Context) (bool, string, error) {
	return f.clean, f.report, f.err
}

func TestNightlyReconciliationReportsDifferencesAndRetriesFailures(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	run := func(r Reconciler) error {
		mux, err := NewMux(Deps{Ledger: &fakeLedger{}, Groups: &fakeGroups{}, Reconciler: r, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		return mux.ProcessTask(context.Background(), NewMpesaReconcileTask())
	}
	if err := run(fakeReconciler{clean: false, report: "missing from the books: 1 (UKM123)"}); err != nil {
		t.Fatalf("differences are reported, not retried: %v", err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "UKM123") {
		t.Errorf("differences not logged as an error:\n%s", logs.String())
	}
	boom := errors.New("statement unreachable")
	if err := run(fakeReconciler{err: boom}); !errors.Is(err, boom) {
		t.Errorf("a run that could not happen: err = %v, want it retried", err)
	}
	if err := run(nil); err != nil {
		t.Errorf("no statement source: err = %v", err)
	}
}
