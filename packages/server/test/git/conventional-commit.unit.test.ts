import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { taskBranchName } from '../../src/git/branch-name.ts'
import { classifyGitError } from '../../src/git/classify-git-error.ts'
import {
  commitHeaderFor,
  commitScopeFor,
  commitTypeFor,
  formatCommitMessage,
  MAX_HEADER_LENGTH,
  parseConventionalCommit,
} from '../../src/git/conventional-commit.ts'
import { withRetry } from '../../src/git/retry.ts'
import { shellCommand } from '../../src/git/shell-quote.ts'

describe('conventional commits', () => {
  it('formats type(scope): subject, body and the Refs footer', () => {
    const message = formatCommitMessage({
      type: 'fix',
      scope: 'api',
      subject: 'Handle empty task lists.',
      body: 'The board crashed on a squad without tasks.',
      taskNumber: 12,
    })
    expect(message).toBe(
      'fix(api): handle empty task lists\n\nThe board crashed on a squad without tasks.\n\nRefs: task-12',
    )
    expect(parseConventionalCommit(message)).toEqual({
      type: 'fix',
      scope: 'api',
      breaking: false,
      subject: 'handle empty task lists',
      body: 'The board crashed on a squad without tasks.',
      footers: { Refs: 'task-12' },
    })
  })

  it('keeps every header within 72 characters and parseable, whatever the title', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.string({ maxLength: 500 }),
        fc.integer({ min: 1, max: 99999 }),
        (subject, body, n) => {
          const message = formatCommitMessage({ type: 'feat', subject, body, taskNumber: n })
          const header = message.split('\n')[0] ?? ''
          expect(header.length).toBeLessThanOrEqual(MAX_HEADER_LENGTH)
          const parsed = parseConventionalCommit(message)
          expect('error' in parsed).toBe(false)
          if (!('error' in parsed)) expect(parsed.footers.Refs).toBe(`task-${n}`)
        },
      ),
    )
  })

  it('rejects messages that are not conventional', () => {
    for (const bad of [
      'update stuff',
      'feat:missing space',
      'wip(x): y',
      `feat: ${'x'.repeat(80)}`,
      'feat: a\nbody without blank',
    ]) {
      expect('error' in parseConventionalCommit(bad), bad).toBe(true)
    }
    expect(parseConventionalCommit('feat(ui)!: drop IE\n\nBREAKING CHANGE: no more IE')).toMatchObject({
      breaking: true,
    })
  })

  it('picks the type from labels, else from the kind of agent, and the scope from a scope: label', () => {
    expect(commitTypeFor({ labels: ['urgent', 'bug'] }, 'model')).toBe('fix')
    expect(commitTypeFor({ labels: ['Documentation'] }, 'model')).toBe('docs')
    expect(commitTypeFor({ labels: [] }, 'script')).toBe('chore')
    expect(commitTypeFor({ labels: [] }, 'model')).toBe('feat')
    expect(commitScopeFor({ labels: ['scope:API'] })).toBe('api')
    expect(taskBranchName(7)).toBe('task-7')
    expect(() => taskBranchName(0)).toThrow()
  })
})

describe('the header of a run commit', () => {
  const header = (
    title: string,
    labels: string[] = [],
    agent: Parameters<typeof commitHeaderFor>[0]['agent'] = {},
    agentKind: 'script' | 'model' = 'script',
  ) => {
    const h = commitHeaderFor({ title, labels, agentKind, agent })
    return formatCommitMessage({ ...h, taskNumber: 1 }).split('\n')[0]
  }

  it('uses a Conventional prefix the title already has, once', () => {
    expect(header('docs: tagline in README')).toBe('docs: tagline in README')
    expect(header('docs: tagline in README', ['bug'])).toBe('docs: tagline in README')
    expect(header('Fix(API)!: Drop the v1 routes')).toBe('fix(api)!: drop the v1 routes')
    expect(header('feature: dark mode')).toBe('feat: dark mode')
    // A prefix in the agent's subject is not doubled either, and a title's wins over the agent's type.
    expect(header('Tagline', [], { type: 'feat', subject: 'feat: add a tagline' }, 'model')).toBe(
      'feat: add a tagline',
    )
    expect(header('docs: tagline', [], { type: 'feat', subject: 'Add the tagline' }, 'model')).toBe(
      'docs: add the tagline',
    )
    // Not a type: part of the subject.
    expect(header('Note: the cache is cold')).toBe('chore: note: the cache is cold')
  })

  it('infers the type from the title when no label names one', () => {
    expect(header('Fix typo in the README')).toBe('fix: fix typo in the README')
    expect(header('Add a dark mode', [], {}, 'script')).toBe('feat: add a dark mode')
    expect(header('Remove the unused cache')).toBe('refactor: remove the unused cache')
    expect(header('Document the API')).toBe('docs: document the API')
    expect(header('Bump dependencies', [], {}, 'model')).toBe('chore: bump dependencies')
    expect(header('Fix typo in the README', ['documentation'])).toBe('docs: fix typo in the README')
    expect(header('Make it better', [], {}, 'model')).toBe('feat: make it better')
    expect(header('Make it better', [], {}, 'script')).toBe('chore: make it better')
  })
})

describe('git failures', () => {
  it('classifies transient, permanent and diverged failures', () => {
    expect(classifyGitError("fatal: unable to access 'https://x/': Could not resolve host: x").kind).toBe(
      'transient',
    )
    expect(
      classifyGitError('error: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502').kind,
    ).toBe('transient')
    expect(classifyGitError("fatal: Unable to create '/w/.git/index.lock': File exists.").kind).toBe(
      'transient',
    )
    expect(
      classifyGitError(
        'remote: hook says no\n ! [remote rejected] task-1 -> task-1 (pre-receive hook declined)',
      ).kind,
    ).toBe('transient')
    expect(classifyGitError("fatal: Authentication failed for 'https://x/'").kind).toBe('permanent')
    expect(classifyGitError('The requested URL returned error: 403').reason).toBe('permission denied')
    expect(
      classifyGitError('remote: error: GH006: Protected branch update failed for refs/heads/main.').reason,
    ).toBe('the branch is protected')
    expect(classifyGitError(' ! [rejected] task-1 -> task-1 (fetch first)').kind).toBe('diverged')
  })

  it('retries with backoff and jitter, and stops at permanent errors', async () => {
    const delays: number[] = []
    let calls = 0
    const result = await withRetry(
      async () => {
        calls++
        if (calls < 3) throw new Error('transient')
        return 'ok'
      },
      {
        shouldRetry: () => true,
        sleep: async (ms) => void delays.push(ms),
        random: () => 1,
        baseDelayMs: 100,
      },
    )
    expect(result).toBe('ok')
    expect(delays).toEqual([100, 200])
    let permanentCalls = 0
    await expect(
      withRetry(
        async () => {
          permanentCalls++
          throw new Error('auth')
        },
        { shouldRetry: () => false, sleep: async () => {} },
      ),
    ).rejects.toThrow('auth')
    expect(permanentCalls).toBe(1)
  })

  it('quotes shell arguments so nothing is interpreted', () => {
    expect(shellCommand(['git', 'commit', '-m', "it's $(rm -rf /) `x`"])).toBe(
      `git commit -m 'it'\\''s $(rm -rf /) \`x\`'`,
    )
  })
})
