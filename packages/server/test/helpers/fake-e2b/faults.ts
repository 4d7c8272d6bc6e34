// What a test can make the fake do wrong, and what it saw. Each knob is consumed by the request it
// affects, so a test states exactly how many failures it wants.

export type EnvdOutage = {
  /** `refuse`: nothing listens on envd's port (connection refused); `502`: E2B's proxy answers 502. */
  mode: 'refuse' | '502'
  /** Only this sandbox is unreachable (502 mode); all of envd when absent. */
  sandboxId?: string
  until: number
}

export class Faults {
  /** 429s still to answer on POST /v2/sandboxes, and the Retry-After they carry (seconds). */
  rateLimitedCreates = 0
  retryAfterSeconds = 1
  /** Delay before each create answers. */
  createDelayMs = 0
  envdOutages: EnvdOutage[] = []

  /** Requests seen per route, e.g. `POST /v2/sandboxes` or `envd POST /process.Process/Start`. */
  readonly requests = new Map<string, number>()
  /** When each create was accepted (after auth and any 429), for creates-per-second figures. */
  readonly createTimes: number[] = []

  count(route: string) {
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1)
  }

  /** The outage in force for `sandboxId` now, if any (expired ones are dropped). */
  envdOutage(sandboxId: string | undefined): EnvdOutage | undefined {
    const now = Date.now()
    this.envdOutages = this.envdOutages.filter((o) => o.until > now)
    return this.envdOutages.find((o) => o.mode === '502' && (!o.sandboxId || o.sandboxId === sandboxId))
  }

  /** The most creates accepted within any one-second window. */
  peakCreatesPerSecond(): number {
    let peak = 0
    for (let i = 0, j = 0; j < this.createTimes.length; j++) {
      while ((this.createTimes[j] as number) - (this.createTimes[i] as number) >= 1000) i++
      peak = Math.max(peak, j - i + 1)
    }
    return peak
  }
}
