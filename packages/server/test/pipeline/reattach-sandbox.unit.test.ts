import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StepName } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/domain/errors.ts'
import type { ExecutionContext } from '../../src/executions/pipeline/execution-context.ts'
import { reattachSandbox, SandboxUnreachable } from '../../src/executions/pipeline/reattach-sandbox.ts'
import { ProcessSandboxProvider } from '../../src/sandbox/process/process-sandbox-provider.ts'
import type { SandboxProvider } from '../../src/sandbox/sandbox-provider.ts'
import { Redactor } from '../../src/secrets/redactor.ts'

// A resumed execution redoes the sandbox's steps only when the provider says the sandbox is gone;
// one that cannot be reached right now is retried, then left for a later claim with its work kept.
// A real provider (the process one: no bubblewrap needed) answers connect; unreachability is
// injected in front of it, since no local provider can be unreachable.

describe('reattachSandbox', () => {
  let scratch: string
  let provider: ProcessSandboxProvider
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'squad-reattach-'))
    provider = new ProcessSandboxProvider({ root: scratch, logger: { warn: () => {} } })
  })
  afterAll(async () => {
    await provider.close()
    await rm(scratch, { recursive: true, force: true })
  })

  /** Connect fails as unreachable `failures` times, then reaches the real provider. */
  const flaky = (failures: number): SandboxProvider & { attempts: number } => {
    const wrapped = {
      name: provider.name,
      capabilities: provider.capabilities,
      attempts: 0,
      create: (opts?: Parameters<SandboxProvider['create']>[0]) => provider.create(opts),
      list: (opts?: Parameters<SandboxProvider['list']>[0]) => provider.list(opts),
      connect: async (id: string) => {
        wrapped.attempts++
        if (wrapped.attempts <= failures)
          throw new AppError('unavailable', 'no answer from the sandbox', { retryable: true })
        return provider.connect(id)
      },
    }
    return wrapped
  }

  const contextFor = (sandboxes: SandboxProvider, sandboxId: string) => {
    const lines: string[] = []
    const reset: StepName[][] = []
    const ctx = {
      deps: { sandboxes, limits: { gitAttempts: 3, gitBaseDelayMs: 1 } },
      results: { provision: { sandbox_id: sandboxId }, agent: { done: true } },
      sandbox: null,
      signal: new AbortController().signal,
      redactor: new Redactor(),
      log: { write: (_stream: string, text: string) => void lines.push(text) },
      store: { resetSteps: async (names: StepName[]) => void reset.push(names) },
    }
    // Only what re-attaching reads: the rest of a context needs a database and a forge.
    return { ctx: ctx as unknown as ExecutionContext, lines, reset }
  }
  const status = () =>
    new Map<StepName, string>([
      ['provision', 'succeeded'],
      ['agent', 'succeeded'],
    ])

  it('re-attaches through transient failures and keeps every step', async () => {
    const sandbox = await provider.create()
    const sandboxes = flaky(2)
    const { ctx, lines, reset } = contextFor(sandboxes, sandbox.sandboxId)
    const steps = status()
    await reattachSandbox(ctx, steps)
    expect(ctx.sandbox?.sandboxId).toBe(sandbox.sandboxId)
    expect(sandboxes.attempts).toBe(3)
    expect(reset).toEqual([])
    expect(steps.get('agent')).toBe('succeeded')
    expect(lines.filter((line) => line.includes('not reachable'))).toHaveLength(2)
    await sandbox.kill()
  })

  it('leaves the run for later when the sandbox stays unreachable, redoing nothing', async () => {
    const { ctx, reset } = contextFor(flaky(99), 'sbx-0123456789abcdef')
    await expect(reattachSandbox(ctx, status())).rejects.toBeInstanceOf(SandboxUnreachable)
    expect(reset).toEqual([])
    expect(ctx.results.agent).toEqual({ done: true })
  })

  it('redoes the sandbox steps only when the sandbox is gone', async () => {
    const sandbox = await provider.create()
    await sandbox.kill()
    const { ctx, lines, reset } = contextFor(provider, sandbox.sandboxId)
    const steps = status()
    await reattachSandbox(ctx, steps)
    expect(ctx.sandbox).toBeNull()
    expect(reset).toEqual([['provision', 'clone', 'branch', 'agent', 'commit']])
    expect(steps.get('agent')).toBe('pending')
    expect(ctx.results.agent).toBeUndefined()
    expect(lines.join('')).toContain('the sandbox is gone')
  })
})
