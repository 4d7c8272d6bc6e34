import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export type Metrics = ReturnType<typeof createMetrics>

/** One registry per server instance (tests run several in one process). */
export function createMetrics(options: { sseSubscribers: () => number }) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'squad_' })
  const httpRequests = new Counter({
    name: 'squad_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const httpDuration = new Histogram({
    name: 'squad_http_request_duration_seconds',
    help: 'HTTP request duration by method and route (until headers are sent).',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const sseClients = new Gauge({
    name: 'squad_sse_clients',
    help: 'Open SSE streams.',
    registers: [registry],
  })
  new Gauge({
    name: 'squad_event_subscribers',
    help: 'Live event-hub subscribers in this process.',
    registers: [registry],
    collect() {
      this.set(options.sseSubscribers())
    },
  })
  const sseEventsSent = new Counter({
    name: 'squad_sse_events_sent_total',
    help: 'Events written to SSE streams (replayed and live).',
    labelNames: ['phase'] as const,
    registers: [registry],
  })
  return { registry, httpRequests, httpDuration, sseClients, sseEventsSent }
}
