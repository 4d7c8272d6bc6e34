import type { HostedSandboxProvider } from '../../src/sandbox/create-sandbox-provider.ts'
import type { CommandRunOpts, Sandbox, SandboxProvider } from '../../src/sandbox/sandbox-provider.ts'

/** One command a sandbox was given: what it ran and the environment it was given. */
export type SentCommand = { cmd: string; envs: Record<string, string> }

export type RemoteLikeOptions = {
  /**
   * The provider to use instead of the configured one (e.g. the E2B provider pointed at the fake
   * E2B); by default the configured local provider with its host-folder seeding turned off.
   */
  provider?: SandboxProvider
  /** Called with a sandbox just before the pipeline kills it (to read what is left in it). */
  beforeKill?: (sandbox: Sandbox) => Promise<void>
}

/**
 * A sandbox provider as a remote one looks to the pipeline: it cannot start a workspace from a host
 * folder, so the repository goes in and out as git bundles. Every command sent to its sandboxes is
 * recorded (`sent`), so a test can show that no credential ever reached one.
 */
export function remoteLikeSandboxes(options: RemoteLikeOptions = {}) {
  const sent: SentCommand[] = []
  const watch = (sandbox: Sandbox): Sandbox => {
    const run = ((cmd: string, opts?: CommandRunOpts & { background?: boolean }) => {
      sent.push({ cmd, envs: { ...opts?.envs } })
      return sandbox.commands.run(cmd, opts as CommandRunOpts & { background: true })
    }) as Sandbox['commands']['run']
    const kill = async () => {
      await options.beforeKill?.(sandbox).catch(() => {})
      await sandbox.kill()
    }
    return new Proxy(sandbox, {
      get: (target, key) => {
        if (key === 'commands') return { run }
        if (key === 'kill') return kill
        const value = Reflect.get(target, key)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  }
  const wrap = (configured: HostedSandboxProvider): HostedSandboxProvider => {
    const base: SandboxProvider = options.provider ?? configured
    return new Proxy(configured, {
      get: (_, key) => {
        if (key === 'capabilities') return { ...base.capabilities, seedFromHostFolder: undefined }
        if (key === 'create')
          return async (...args: Parameters<SandboxProvider['create']>) => watch(await base.create(...args))
        if (key === 'connect') return async (id: string) => watch(await base.connect(id))
        if (key === 'resume' && base.resume)
          return async (id: string, opts?: { timeoutMs?: number }) =>
            watch((await base.resume?.(id, opts)) as Sandbox)
        // Start-up and shutdown stay the configured provider's (its folders on this host).
        const owner = key === 'cleanupOrphans' || key === 'close' ? configured : base
        const value = Reflect.get(owner, key)
        return typeof value === 'function' ? value.bind(owner) : value
      },
    })
  }
  return { wrap, sent }
}
