package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/hibiken/asynq"
)

// Retry back-off: doubling from retryBase, capped at retryCap, with jitter so tasks that
// failed together (Daraja was down) do not come back together.
const (
	retryBase = 5 * time.Second
	retryCap  = 10 * time.Minute
)

// NewServer builds the Asynq server that runs the handlers. shutdownTimeout is how long
// Shutdown lets running tasks finish before abandoning them to be retried.
func NewServer(redisOpt asynq.RedisConnOpt, logger *slog.Logger, shutdownTimeout time.Duration) *asynq.Server {
	return asynq.NewServer(redisOpt, ServerConfig(logger, shutdownTimeout))
}

// ServerConfig is the configuration NewServer uses: queues, retry policy, logging. Load
// runs reuse it with a queue of their own.
func ServerConfig(logger *slog.Logger, shutdownTimeout time.Duration) asynq.Config {
	return asynq.Config{
		Concurrency: 10,
		Queues: map[string]int{
			QueueCritical: 6,
			QueueDefault:  3,
			QueueLow:      1,
		},
		ShutdownTimeout: shutdownTimeout,
		// An idle server looks for new tasks this often. Asynq's default of a second is
		// what a money callback would wait before settling whenever the queues had run
		// dry; 50 ms costs a few cheap Redis calls a second.
		TaskCheckInterval: 50 * time.Millisecond,
		// Retries (a callback that beat its request's reply) come back this soon.
		DelayedTaskCheckInterval: time.Second,
		RetryDelayFunc:           retryDelay,
		ErrorHandler:             logTaskError(logger),
		Logger:                   asynqLogger{logger.With("component", "asynq")},
		// Asynq's Info lines repeat what the process logs itself and advise signals
		// it does not handle here.
		LogLevel: asynq.WarnLevel,
	}
}

// retryDelay waits between half and all of retryBase·2ⁿ, at most retryCap.
func retryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	d := retryCap
	if n < 16 { // beyond that the doubling is past the cap anyway (and would overflow)
		d = min(retryBase<<n, retryCap)
	}
	return d/2 + rand.N(d/2+1)
}

// logTaskError logs a failed task: a warning while retries remain, an error when this
// failure is final.
func logTaskError(logger *slog.Logger) asynq.ErrorHandlerFunc {
	return func(ctx context.Context, task *asynq.Task, err error) {
		id, _ := asynq.GetTaskID(ctx)
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		level := slog.LevelWarn
		if retried >= maxRetry || errors.Is(err, asynq.SkipRetry) {
			level = slog.LevelError
		}
		logger.Log(ctx, level, "task failed",
			"task_type", task.Type(), "task_id", id, "retried", retried, "max_retry", maxRetry, "error", err)
	}
}

// asynqLogger sends Asynq's own log lines to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }

// Fatal is what the asynq.Logger interface asks for: log and exit.
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...))
	os.Exit(1)
}
