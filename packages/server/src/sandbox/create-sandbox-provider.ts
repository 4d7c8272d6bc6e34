import { join } from 'node:path'
import { type Config, ConfigError } from '../config.ts'
import type { BlockedConnections } from './blocked-connections.ts'
import { E2bSandboxProvider } from './e2b/e2b-sandbox-provider.ts'
import type { SandboxLogger } from './folder/folder-sandbox-types.ts'
import { LocalSandboxProvider } from './local/local-sandbox-provider.ts'
import { ProcessSandboxProvider } from './process/process-sandbox-provider.ts'
import type { SandboxProvider } from './sandbox-provider.ts'

/** A provider plus what the composition root needs at start-up and shutdown. */
export type HostedSandboxProvider = SandboxProvider & {
  /** Kills every sandbox not in `keepIds`, including leftovers of a crash (stale mounts, half-made folders). */
  cleanupOrphans(keepIds: Iterable<string>): Promise<string[]>
  /** Stops timers and running commands, keeps the sandboxes for the next start. */
  close(): Promise<void>
}

/**
 * Picks the sandbox provider from SQUAD_SANDBOX. Each kind keeps its sandboxes in its own folder,
 * `<dataDir>/sandboxes/<kind>`, so switching kinds never mistakes one kind's folders for the other's.
 */
export function createSandboxProvider(options: {
  config: Pick<
    Config,
    | 'SQUAD_SANDBOX'
    | 'dataDir'
    | 'E2B_API_KEY'
    | 'SQUAD_E2B_TEMPLATE'
    | 'SQUAD_E2B_CREATES_PER_SECOND'
    | 'SQUAD_E2B_MAX_CONCURRENT'
    | 'E2B_API_URL'
    | 'E2B_SANDBOX_URL'
  >
  logger?: SandboxLogger
  /** Told of each connection a sandbox's network policy refused. */
  blocked?: BlockedConnections
}): HostedSandboxProvider {
  const { config, logger, blocked } = options
  const root = join(config.dataDir, 'sandboxes', config.SQUAD_SANDBOX)
  const common = { root, ...(logger ? { logger } : {}) }
  switch (config.SQUAD_SANDBOX) {
    case 'local':
      return new LocalSandboxProvider({ ...common, ...(blocked ? { onBlocked: blocked.report } : {}) })
    case 'process':
      return new ProcessSandboxProvider(common)
    case 'e2b':
      return hostedE2b(config)
  }
}

/**
 * The E2B provider as the server runs it. Its sandboxes live in E2B: orphans are this installation's
 * sandboxes (by metadata) not kept, and a shutdown has nothing to stop here, leaving them for the next
 * start to re-attach.
 */
function hostedE2b(config: Parameters<typeof createSandboxProvider>[0]['config']): HostedSandboxProvider {
  if (!config.E2B_API_KEY)
    throw new ConfigError(['E2B_API_KEY=(unset): expected an E2B API key when SQUAD_SANDBOX=e2b'])
  const provider = new E2bSandboxProvider({
    apiKey: config.E2B_API_KEY,
    template: config.SQUAD_E2B_TEMPLATE,
    createsPerSecond: config.SQUAD_E2B_CREATES_PER_SECOND,
    maxConcurrent: config.SQUAD_E2B_MAX_CONCURRENT,
    ...(config.E2B_API_URL ? { apiUrl: config.E2B_API_URL } : {}),
    ...(config.E2B_SANDBOX_URL ? { sandboxUrl: config.E2B_SANDBOX_URL } : {}),
  })
  return Object.assign(provider, {
    async cleanupOrphans(keepIds: Iterable<string>) {
      const keep = new Set(keepIds)
      const orphans = (await provider.list()).filter((info) => !keep.has(info.sandboxId))
      for (const info of orphans) await (await provider.connect(info.sandboxId)).kill()
      return orphans.map((info) => info.sandboxId)
    },
    close: async () => {},
  })
}
