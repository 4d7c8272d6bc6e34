import type { HostedSandboxProvider } from '../../src/sandbox/create-sandbox-provider.ts'
import type { CommandRunOpts, Sandbox } from '../../src/sandbox/sandbox-provider.ts'

/** One command a sandbox was given: what it ran and the environment it was given. */
export type SentCommand = { cmd: string; envs: Record<string, string> }

/**
 * The local provider as a remote one looks to the pipeline: it cannot start a workspace from a host
 * folder, so the repository goes in and out as git bundles. Every command sent to its sandboxes is
 * recorded (`sent`), so a test can show that no credential ever reached one.
 */
export function remoteLikeSandboxes() {
  const sent: SentCommand[] = []
  const watch = (sandbox: Sandbox): Sandbox => {
    const run = ((cmd: string, opts?: CommandRunOpts & { background?: boolean }) => {
      sent.push({ cmd, envs: { ...opts?.envs } })
      return sandbox.commands.run(cmd, opts as CommandRunOpts & { background: true })
    }) as Sandbox['commands']['run']
    return new Proxy(sandbox, {
      get: (target, key) => {
        if (key === 'commands') return { run }
        const value = Reflect.get(target, key)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  }
  const wrap = (provider: HostedSandboxProvider): HostedSandboxProvider =>
    new Proxy(provider, {
      get: (target, key) => {
        if (key === 'capabilities') return { ...target.capabilities, seedFromHostFolder: undefined }
        if (key === 'create')
          return async (...args: Parameters<HostedSandboxProvider['create']>) =>
            watch(await target.create(...args))
        if (key === 'connect') return async (id: string) => watch(await target.connect(id))
        const value = Reflect.get(target, key)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  return { wrap, sent }
}
