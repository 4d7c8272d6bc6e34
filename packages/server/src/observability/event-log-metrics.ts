import { Counter, Histogram } from 'prom-client'

/**
 * The event log's figures, kept per process rather than per server instance: appends happen inside
 * the callers' transactions, in a dozen use cases that get a transaction and nothing else, and the
 * cost measured (the advisory lock, the insert, the NOTIFY) is this process's whichever server
 * instance asked. Each server's registry registers these same objects (see metrics.ts); they are in
 * no registry of their own, so nothing global is ever scraped by accident.
 */
export const eventAppendSeconds = new Histogram({
  name: 'squad_event_append_duration_seconds',
  help: 'Time to append one batch to the event log: advisory lock wait, insert and NOTIFY (not the commit).',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [],
})

export const eventsAppended = new Counter({
  name: 'squad_events_appended_total',
  help: 'Events appended to the event log by this process (counted at the append: a batch whose transaction rolls back is included).',
  registers: [],
})
