import { Counter, Gauge, type Registry } from 'prom-client'

/**
 * Sandboxes by provider (local, process, e2b: a fixed list). "Live" is what the provider listed at the
 * reaper's last pass (every minute), not a query per scrape: listing E2B's sandboxes is an API call.
 * A sandbox the reaper kills is one the pipeline's cleanup did not: a leak, or a crash's leftover.
 */
export function createSandboxMetrics(registry: Registry, provider: string) {
  const registers = [registry]
  const created = new Counter({
    name: 'squad_sandboxes_created_total',
    help: 'Sandboxes the pipeline created, by provider.',
    labelNames: ['provider'] as const,
    registers,
  })
  const live = new Gauge({
    name: 'squad_sandboxes_live',
    help: "Sandboxes the provider held at the reaper's last pass (after it reaped), by provider.",
    labelNames: ['provider'] as const,
    registers,
  })
  const reaped = new Counter({
    name: 'squad_sandboxes_reaped_total',
    help: 'Sandboxes the reaper killed because no live execution owned them (leaked or left by a crash).',
    labelNames: ['provider'] as const,
    registers,
  })
  const reapFailures = new Counter({
    name: 'squad_sandbox_reap_failures_total',
    help: 'Sandboxes the reaper tried and failed to kill.',
    labelNames: ['provider'] as const,
    registers,
  })
  created.inc({ provider }, 0)
  live.set({ provider }, 0)
  reaped.inc({ provider }, 0)
  reapFailures.inc({ provider }, 0)
  return {
    created: () => created.inc({ provider }),
    reaped: (pass: { live: number; killed: number; failed: number }) => {
      live.set({ provider }, pass.live)
      reaped.inc({ provider }, pass.killed)
      reapFailures.inc({ provider }, pass.failed)
    },
  }
}

export type SandboxMetrics = ReturnType<typeof createSandboxMetrics>
