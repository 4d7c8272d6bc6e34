/**
 * The dashboard's panels, row by row (dashboard.ts lays them out). Plain PromQL with fixed windows
 * only, so that the Prometheus test evaluates each expression verbatim; docs/operations.md
 * describes each panel.
 */

export type Query = { expr: string; legend: string }
export type PanelSpec = { title: string; description: string; unit: string; queries: Query[]; stat?: boolean }

/** The dashboard's rows, each three panels wide. */
export const rows: { title: string; panels: PanelSpec[] }[] = [
  {
    title: 'Executions',
    panels: [
      {
        title: 'Executions finished per minute',
        description: 'Ends per minute by outcome (succeeded, no_changes, failed, cancelled).',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (outcome) (rate(squad_executions_finished_total[5m])) * 60',
            legend: '{{outcome}}',
          },
        ],
      },
      {
        title: 'Failed share of executions',
        description:
          'Failed ends over all ends in the last 15 minutes; the failing-executions alert reads the same ratio.',
        unit: 'percentunit',
        queries: [
          {
            expr: 'sum(rate(squad_executions_finished_total{outcome="failed"}[15m])) / clamp_min(sum(rate(squad_executions_finished_total[15m])), 1e-9)',
            legend: 'failed',
          },
        ],
      },
      {
        title: 'Step duration p95',
        description: 'How long each pipeline step takes (95th percentile over 15 minutes), by step.',
        unit: 's',
        queries: [
          {
            expr: 'histogram_quantile(0.95, sum by (le, step) (rate(squad_execution_step_duration_seconds_bucket[15m])))',
            legend: '{{step}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Queue',
    panels: [
      {
        title: 'Queue depth by squad',
        description:
          'Executions waiting for a worker, by squad id (read from the database: the same on every server).',
        unit: 'short',
        queries: [
          { expr: 'max by (squad) (squad_queue_depth)', legend: 'queued {{squad}}' },
          { expr: 'max by (squad) (squad_executions_running)', legend: 'running {{squad}}' },
        ],
      },
      {
        title: 'Oldest waiting execution',
        description: 'Age of the oldest execution still waiting, by squad; the queue-wait alert fires on it.',
        unit: 's',
        queries: [{ expr: 'max by (squad) (squad_queue_oldest_wait_seconds)', legend: '{{squad}}' }],
      },
      {
        title: 'Queue wait p95',
        description: 'Time from queued to first claimed (95th percentile over 15 minutes), by squad.',
        unit: 's',
        queries: [
          {
            expr: 'histogram_quantile(0.95, sum by (le, squad) (rate(squad_queue_wait_seconds_bucket[15m])))',
            legend: '{{squad}}',
          },
          { expr: 'sum by (instance) (squad_worker_executions_running)', legend: 'running on {{instance}}' },
        ],
      },
    ],
  },
  {
    title: 'Sandboxes and git',
    panels: [
      {
        title: 'Sandboxes',
        description: "Sandboxes alive at the reaper's last pass, and created per hour, by provider.",
        unit: 'short',
        queries: [
          { expr: 'sum by (provider) (squad_sandboxes_live)', legend: 'live {{provider}}' },
          {
            expr: 'sum by (provider) (increase(squad_sandboxes_created_total[1h]))',
            legend: 'created/h {{provider}}',
          },
        ],
      },
      {
        title: 'Sandboxes reaped (leaks)',
        description:
          'Sandboxes the reaper had to kill (no live execution owned them), and kills that failed, per hour.',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (provider) (increase(squad_sandboxes_reaped_total[1h]))',
            legend: 'reaped {{provider}}',
          },
          {
            expr: 'sum by (provider) (increase(squad_sandbox_reap_failures_total[1h]))',
            legend: 'reap failed {{provider}}',
          },
        ],
      },
      {
        title: 'Git failures and retries',
        description:
          'Failed git commands per hour by operation and class (transient, permanent, diverged), and retries.',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (operation, kind) (increase(squad_git_failures_total[1h]))',
            legend: '{{operation}} {{kind}}',
          },
          {
            expr: 'sum by (operation) (increase(squad_git_retries_total[1h]))',
            legend: 'retries {{operation}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Vendors and models',
    panels: [
      {
        title: 'Vendor API calls',
        description:
          'Calls per second to GitHub and the model providers, by vendor and outcome (ok, error, rate_limited).',
        unit: 'reqps',
        queries: [
          {
            expr: 'sum by (vendor, outcome) (rate(squad_vendor_requests_total[5m]))',
            legend: '{{vendor}} {{outcome}}',
          },
          {
            expr: 'histogram_quantile(0.95, sum by (le, vendor) (rate(squad_vendor_request_duration_seconds_bucket[5m])))',
            legend: 'p95 s {{vendor}}',
          },
        ],
      },
      {
        title: 'Model tokens per hour',
        description: 'Tokens of agent steps by provider, model and kind (input, output, cached_input).',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (provider, model, kind) (increase(squad_model_tokens_total[1h]))',
            legend: '{{provider}}/{{model}} {{kind}}',
          },
        ],
      },
      {
        title: 'Model cost per day',
        description:
          "Cost of agent steps in US dollars over 24 hours, by provider and model (when the model's price is known).",
        unit: 'currencyUSD',
        queries: [
          {
            expr: 'sum by (provider, model) (increase(squad_model_cost_usd_total[24h]))',
            legend: '{{provider}}/{{model}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Events and HTTP',
    panels: [
      {
        title: 'Events and SSE',
        description:
          'Events appended to the log per second, events sent to SSE streams per second, and open SSE streams.',
        unit: 'short',
        queries: [
          { expr: 'sum(rate(squad_events_appended_total[5m]))', legend: 'appended/s' },
          { expr: 'sum by (phase) (rate(squad_sse_events_sent_total[5m]))', legend: 'sent/s {{phase}}' },
          { expr: 'sum(squad_sse_clients)', legend: 'SSE clients' },
        ],
      },
      {
        title: 'Event-log append latency',
        description: 'Time to append a batch (advisory lock, insert, NOTIFY): p50 and p99 over 5 minutes.',
        unit: 's',
        queries: [
          {
            expr: 'histogram_quantile(0.5, sum by (le) (rate(squad_event_append_duration_seconds_bucket[5m])))',
            legend: 'p50',
          },
          {
            expr: 'histogram_quantile(0.99, sum by (le) (rate(squad_event_append_duration_seconds_bucket[5m])))',
            legend: 'p99',
          },
        ],
      },
      {
        title: 'HTTP',
        description: 'p95 latency by route template, and requests per second by status.',
        unit: 's',
        queries: [
          {
            expr: 'histogram_quantile(0.95, sum by (le, route) (rate(squad_http_request_duration_seconds_bucket[5m])))',
            legend: 'p95 {{route}}',
          },
          { expr: 'sum by (status) (rate(squad_http_requests_total[5m]))', legend: 'req/s {{status}}' },
        ],
      },
    ],
  },
  {
    title: 'Process',
    panels: [
      {
        title: 'CPU and memory',
        description: 'CPU seconds per second and resident memory of each server process.',
        unit: 'short',
        queries: [
          { expr: 'rate(squad_process_cpu_seconds_total[5m])', legend: 'CPU {{instance}}' },
          { expr: 'squad_process_resident_memory_bytes / 2^20', legend: 'RSS MiB {{instance}}' },
        ],
      },
      {
        title: 'Event-loop lag p99',
        description:
          "The Node.js event loop's delay (p99): the server's responsiveness; the event-loop alert fires on it.",
        unit: 's',
        queries: [{ expr: 'squad_nodejs_eventloop_lag_p99_seconds', legend: '{{instance}}' }],
      },
      {
        title: 'Data folder disk free',
        description:
          'Free share of the file system holding the data folder; the disk alert fires under 10 %.',
        unit: 'percentunit',
        stat: true,
        queries: [
          { expr: 'squad_data_disk_free_bytes / squad_data_disk_size_bytes', legend: '{{instance}}' },
        ],
      },
    ],
  },
]
