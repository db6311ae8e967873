// Package metrics owns Kikundi's Prometheus registry: the Go and process collectors, the
// HTTP request metrics recorded by a Fiber middleware, and the handler that serves them
// all at GET /metrics. Other packages register their own collectors on Registry.
package metrics

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Unmatched is the route label of a request no route handled, so that scanners probing
// random paths cannot create a time series per path.
const Unmatched = "unmatched"

// Metrics is one process's registry and the HTTP metrics on it. It is not the global
// default registry, so tests can each build their own and nothing registers by import.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New builds a registry with the Go runtime and process collectors and the HTTP metrics.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kikundi_http_requests_total",
			Help: "HTTP requests served, by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kikundi_http_request_duration_seconds",
			Help: "Time to serve an HTTP request, by method and route template.",
			// USSD gateways give a hop a few seconds at most, so the interesting range is
			// milliseconds to a couple of seconds.
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests,
		m.duration,
	)
	return m
}

// Registry is where other packages register their collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves every metric of the registry in the Prometheus text format.
func (m *Metrics) Handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		Registry: m.registry, // counts its own scrape errors
	}))
}

// Middleware records every request that passes through it. Labels come from the matched
// route template (/hooks/at/ussd, /groups/:id), never from the raw path. Register every
// route before the app serves its first request: the middleware learns the app's routes
// then.
func (m *Metrics) Middleware() fiber.Handler {
	var (
		once   sync.Once
		routes map[routeKey]bool
	)
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		once.Do(func() { routes = handlerRoutes(c.App()) })

		status := statusOf(c, err)
		// Fiber's strings point into buffers it reuses; labels outlive the request.
		method := utils.CopyString(c.Method())
		route := routeLabel(c.Route(), status, routes)
		c.Locals(routeKey{}, route)
		m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		return err
	}
}

// statusOf is the status a request will be answered with once err, returned by the
// handlers after c.Next, has gone through the error handler: a *fiber.Error keeps its
// code and any other error is a 500.
func statusOf(c *fiber.Ctx, err error) int {
	if err == nil {
		return c.Response().StatusCode()
	}
	if fe, ok := errors.AsType[*fiber.Error](err); ok {
		return fe.Code
	}
	return fiber.StatusInternalServerError
}

// RouteLabel is the route label the middleware recorded for c, so that an access log
// running outside it names requests the way the metrics do. Before the middleware has
// run it is the path of the current route.
func RouteLabel(c *fiber.Ctx) string {
	if r, ok := c.Locals(routeKey{}).(string); ok {
		return r
	}
	return c.Route().Path
}

// routeKey names a handler route, and its zero value is the Locals key of the label.
type routeKey struct{ method, path string }

// handlerRoutes lists the app's routes that end in a handler, leaving out middleware
// mounted with Use.
func handlerRoutes(app *fiber.App) map[routeKey]bool {
	set := make(map[routeKey]bool)
	for _, r := range app.GetRoutes(true) {
		set[routeKey{r.Method, r.Path}] = true
	}
	return set
}

// routeLabel is the template of the route that answered. After c.Next, c.Route() is the
// last route that ran. When that is only a middleware (Fiber does not say so on Route, so
// it is looked up among the handler routes), a 404 or 405 means no route matched and is
// Unmatched; any other status came from a middleware that answered itself (a rejected
// hook token, say) and is labelled with the prefix it was mounted on, which is as
// bounded as a route template. (Routes are told apart by method and template, so an app
// with a handler at GET / labels an unmatched GET "/": mislabelled, but still bounded.)
func routeLabel(r *fiber.Route, status int, handlers map[routeKey]bool) string {
	if handlers[routeKey{r.Method, r.Path}] {
		return r.Path
	}
	if status == fiber.StatusNotFound || status == fiber.StatusMethodNotAllowed {
		return Unmatched
	}
	return r.Path
}
