import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBareRepository } from '../../src/forge/local/ensure-bare-repository.ts'
import { branchRef, compareAndSwapRef, resolveCommit } from '../../src/forge/local/git-refs.ts'
import { mergeBranches } from '../../src/forge/local/merge-branches.ts'
import { commitFiles, gitOk, newWorkTree, removeTempDirs, tempDir } from './git-fixture.ts'

// The git half of merging, against a bare repository on disk (no server, no database).

describe('mergeBranches and its refs', () => {
  let bare: string
  let work: string
  const identity = { name: 'Merger <evil>', email: 'm@example.com' }
  const push = (...refs: string[]) => gitOk(work, ['push', '-q', '-f', bare, ...refs])

  beforeAll(async () => {
    bare = join(await tempDir(), 'r.git')
    expect(await ensureBareRepository(bare, 'main')).toBe(true)
    expect(await ensureBareRepository(bare, 'main')).toBe(false)
    work = await newWorkTree()
    await commitFiles(work, { 'a.txt': 'a\n' }, 'chore: a')
    await push('main')
  })
  afterAll(removeTempDirs)

  it('creates a repository once when many callers race', async () => {
    const path = join(await tempDir(), 'race.git')
    const created = await Promise.all([1, 2, 3, 4, 5, 6].map(() => ensureBareRepository(path, 'main')))
    expect(created.filter(Boolean)).toHaveLength(1)
    expect(await gitOk(path, ['rev-parse', '--is-bare-repository'])).toBe('true')
  })

  it('moves a ref only from the expected commit', async () => {
    const main = (await resolveCommit(bare, branchRef('main'))) ?? ''
    await gitOk(work, ['checkout', '-q', '-b', 'cas'])
    const next = await commitFiles(work, { 'cas.txt': 'x\n' }, 'chore: cas')
    await push('cas')
    expect(await compareAndSwapRef(bare, branchRef('main'), next, next)).toBe(false)
    expect(await compareAndSwapRef(bare, branchRef('main'), next, null)).toBe(false)
    expect(await resolveCommit(bare, branchRef('main'))).toBe(main)
    expect(await compareAndSwapRef(bare, branchRef('fresh'), next, null)).toBe(true)
    expect(await resolveCommit(bare, branchRef('fresh'))).toBe(next)
    await gitOk(work, ['checkout', '-q', 'main'])
  })

  it('reports a missing head, unrelated histories, and a head already in the base', async () => {
    const opts = { base: 'main', message: 'merge\n', identity }
    expect(await mergeBranches(bare, { ...opts, head: 'nope' })).toEqual({ kind: 'missing-head' })

    const orphan = await newWorkTree('orphan')
    await commitFiles(orphan, { 'o.txt': 'o\n' }, 'chore: orphan')
    await gitOk(orphan, ['push', '-q', bare, 'orphan'])
    await gitOk(work, ['checkout', '-q', '-b', 'ahead'])
    await commitFiles(work, { 'ahead.txt': 'ahead\n' }, 'chore: main moves')
    await push('ahead:main')
    expect(await mergeBranches(bare, { ...opts, head: 'orphan' })).toEqual({ kind: 'unrelated' })

    const main = (await resolveCommit(bare, branchRef('main'))) ?? ''
    await push('HEAD~1:refs/heads/old')
    expect(await mergeBranches(bare, { ...opts, head: 'old' })).toMatchObject({
      kind: 'already-merged',
      commit: main,
      previousBase: main,
    })
    await gitOk(work, ['checkout', '-q', 'main'])
  })

  it('writes merge commits with a cleaned identity', async () => {
    await gitOk(work, ['fetch', '-q', bare, 'main'])
    await gitOk(work, ['checkout', '-q', '-B', 'side', 'FETCH_HEAD'])
    const head = await commitFiles(work, { 'side.txt': 'side\n' }, 'chore: side')
    await push('side')
    await gitOk(work, ['checkout', '-q', '-B', 'main2', 'FETCH_HEAD'])
    const base = await commitFiles(work, { 'other.txt': 'other\n' }, 'chore: other')
    await push('main2:main')
    const outcome = await mergeBranches(bare, {
      base: 'main',
      head: 'side',
      message: 'Merge side\n',
      identity,
    })
    expect(outcome).toMatchObject({ kind: 'merge-commit', headSha: head, previousBase: base })
    const commit = 'commit' in outcome ? outcome.commit : ''
    expect(await gitOk(bare, ['log', '-1', '--format=%an|%ae|%P|%s', commit])).toBe(
      `Merger evil|m@example.com|${base} ${head}|Merge side`,
    )
  })
})
