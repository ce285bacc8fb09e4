package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"lineescrow/views"
)

type loggerKey struct{}

// Log returns the request's logger (carrying its request id).
func Log(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// logRequests writes one JSON line per request with its id, and gives handlers
// a logger that carries the id too.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		l := s.Log.With("request_id", id)
		req := c.Request()
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), loggerKey{}, l)))
		err := next(c)
		if err != nil {
			c.Error(err) // render now, so the logged status is the one sent
		}
		status := c.Response().Status
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		l.LogAttrs(req.Context(), level, "request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("route", c.Path()),
			slog.Int("status", status),
			slog.Int64("bytes", c.Response().Size),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("ip", c.RealIP()),
		)
		return nil
	}
}

// recoverPanics turns a panic into a 500 and logs its stack.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				buf := make([]byte, 8<<10)
				buf = buf[:runtime.Stack(buf, false)]
				Log(c.Request().Context()).Error("panic", "panic", fmt.Sprint(r), "stack", string(buf))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lineescrow_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lineescrow_http_request_duration_seconds", Help: "HTTP request duration by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// measure records each request under its route pattern (not its raw path, so
// ids in URLs cannot blow up the number of series).
func (s *Server) measure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || c.Response().Status == http.StatusNotFound && route == "/*" {
			route = "unmatched"
		}
		status := strconv.Itoa(c.Response().Status)
		s.metrics.requests.WithLabelValues(route, c.Request().Method, status).Inc()
		s.metrics.duration.WithLabelValues(route, c.Request().Method, status).Observe(time.Since(start).Seconds())
		return nil
	}
}

// contentSecurityPolicy allows only the platform's own scripts, styles and
// images: no inline script, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.https(c) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// langCookie remembers the language the user chose.
const langCookie = "lang"

// requestInfo puts what every page needs (language first) into the context.
func (s *Server) requestInfo(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		info := &views.Info{Path: c.Request().URL.RequestURI(), Demo: s.Config != nil && s.Config.Demo}
		if ck, err := c.Cookie(langCookie); err == nil {
			info.Lang = views.ParseLang(ck.Value)
		}
		if info.Lang == "" {
			info.Lang = views.NegotiateLang(c.Request().Header.Get("Accept-Language"))
		}
		c.Response().Header().Add("Vary", "Accept-Language, Cookie")
		req := c.Request()
		c.SetRequest(req.WithContext(views.WithInfo(req.Context(), info)))
		return next(c)
	}
}

// info returns the request's page info.
func info(c echo.Context) *views.Info { return views.InfoOf(c.Request().Context()) }
