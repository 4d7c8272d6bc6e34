import { join } from 'node:path'
import type { Config } from '../config.ts'
import type { BlockedConnections } from './blocked-connections.ts'
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
  config: Pick<Config, 'SQUAD_SANDBOX' | 'dataDir'>
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
  }
}
