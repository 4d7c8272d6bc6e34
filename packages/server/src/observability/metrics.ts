import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { eventAppendSeconds, eventsAppended } from './event-log-metrics.ts'
import { createExecutionMetrics, type ExecutionMetricsOptions } from './execution-metrics.ts'
import { registerDataDiskMetrics } from './host-metrics.ts'
import { createSandboxMetrics } from './sandbox-metrics.ts'
import { createVendorMetrics } from './vendor-metrics.ts'

export type Metrics = ReturnType<typeof createMetrics>

export type MetricsOptions = ExecutionMetricsOptions & {
  sseSubscribers: () => number
  /** The data folder, whose file system's free space is reported. */
  dataDir?: string
  /** The sandbox provider's name (the `provider` label of the sandbox metrics). */
  sandboxProvider?: string
}

/** Methods a client may send anything as: any other is counted as `other`, so the label stays bounded. */
const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
export const methodLabel = (method: string) => (methods.has(method) ? method : 'other')

/**
 * One registry per server instance (tests run several in one process). Names follow Prometheus's
 * conventions: a unit in the name, `_total` on counters, labels from bounded sets only. Process
 * figures (CPU, RSS, heap, event-loop lag) are prom-client's defaults, prefixed `squad_`.
 */
export function createMetrics(options: MetricsOptions) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'squad_' })
  registry.registerMetric(eventAppendSeconds)
  registry.registerMetric(eventsAppended)
  if (options.dataDir) registerDataDiskMetrics(registry, options.dataDir)
  const httpRequests = new Counter({
    name: 'squad_http_requests_total',
    help: 'HTTP requests by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const httpDuration = new Histogram({
    name: 'squad_http_request_duration_seconds',
    help: 'HTTP request duration by method and route template (until headers are sent).',
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
  for (const phase of ['replay', 'live']) sseEventsSent.inc({ phase }, 0)
  return {
    registry,
    httpRequests,
    httpDuration,
    sseClients,
    sseEventsSent,
    executions: createExecutionMetrics(registry, options),
    vendors: createVendorMetrics(registry),
    sandboxes: createSandboxMetrics(registry, options.sandboxProvider ?? 'local'),
  }
}
