import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBundle, receiveBranchBundle } from '../../src/git/repo-bundle.ts'
import { runGit } from '../../src/git/run-git.ts'

const ident = {
  GIT_AUTHOR_NAME: 'T',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 'T',
  GIT_COMMITTER_EMAIL: 't@example.com',
}

/**
 * The host side of the bundle transfer with real git: a "mirror" (bare) holding main, and a
 * "sandbox" clone made only from the bundle the mirror hands out, which then sends branches back.
 */
describe('git bundles in and out of a sandbox', () => {
  let root: string
  let mirror: string
  let work: string
  let base: string
  const git = (cwd: string, args: string[]) => runGit(args, { cwd, env: ident }).then((r) => r.stdout.trim())
  /** Commits `file` on the sandbox's current branch; returns the commit. */
  const commit = async (file: string, text: string) => {
    await writeFile(join(work, file), text)
    await git(work, ['add', '-A'])
    await git(work, ['commit', '-qm', `change ${file}`])
    return git(work, ['rev-parse', 'HEAD'])
  }
  /** The sandbox's bundle of `refs`, minus `base` (the mirror has it). */
  const bundleOf = async (refs: string[], exclude = [base]) => {
    const file = join(root, `out-${Math.random()}.bundle`)
    await git(work, ['bundle', 'create', '--quiet', file, ...refs, ...exclude.map((s) => `^${s}`)])
    return new Uint8Array(await readFile(file))
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'squad-bundle-test-'))
    const seed = join(root, 'seed')
    mirror = join(root, 'mirror.git')
    work = join(root, 'sandbox')
    await runGit(['init', '-q', '-b', 'main', seed])
    await writeFile(join(seed, 'a.txt'), 'a\n')
    await git(seed, ['add', '-A'])
    await git(seed, ['commit', '-qm', 'initial'])
    await runGit(['clone', '-q', '--mirror', seed, mirror])
    base = await git(mirror, ['rev-parse', 'refs/heads/main'])

    // In: the sandbox starts from nothing but the bundle.
    const bundle = await createBundle({ mirrorDir: mirror, refs: { 'refs/heads/main': base } })
    await runGit(['init', '-q', '-b', 'main', work])
    await writeFile(join(work, '.git', 'in.bundle'), bundle)
    await git(work, ['fetch', '-q', '.git/in.bundle', '+refs/heads/*:refs/remotes/origin/*'])
    await git(work, ['checkout', '-q', '-B', 'main', base])
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('hands in exactly the base commit, and takes back a branch that descends from it', async () => {
    expect(await git(work, ['rev-parse', 'HEAD'])).toBe(base)
    await git(work, ['switch', '-q', '-c', 'task-1'])
    const head = await commit('b.txt', 'b\n')
    const received = await receiveBranchBundle({
      mirrorDir: mirror,
      bundle: await bundleOf(['refs/heads/task-1']),
      branch: 'task-1',
      base,
    })
    try {
      expect(received.head).toBe(head)
      expect((await received.git(['show', 'refs/heads/task-1:b.txt'])).stdout).toBe('b\n')
      // The mirror itself is untouched: the branch lives in the quarantine only.
      expect(
        await runGit(['rev-parse', '--verify', '--quiet', 'refs/heads/task-1'], {
          cwd: mirror,
          okExitCodes: [1],
        }).then((r) => r.exitCode),
      ).toBe(1)
    } finally {
      await received.remove()
    }
  })

  it('refuses a bundle with another branch, one not descending from the base, or one too large', async () => {
    await git(work, ['switch', '-q', '-C', 'task-2', base])
    await commit('c.txt', 'c\n')
    await git(work, ['branch', '-f', 'main'])
    const twoRefs = await bundleOf(['refs/heads/task-2', 'refs/heads/main'])
    await expect(
      receiveBranchBundle({ mirrorDir: mirror, bundle: twoRefs, branch: 'task-2', base }),
    ).rejects.toThrow(/must hold refs\/heads\/task-2 alone/)
    const wrongName = await bundleOf(['refs/heads/task-2'])
    await expect(
      receiveBranchBundle({ mirrorDir: mirror, bundle: wrongName, branch: 'task-9', base }),
    ).rejects.toThrow(/must hold refs\/heads\/task-9 alone/)

    // An unrelated history (an orphan branch) does not descend from the base.
    await git(work, ['switch', '-q', '--orphan', 'task-3'])
    await commit('d.txt', 'd\n')
    const orphan = await bundleOf(['refs/heads/task-3'], [])
    await expect(
      receiveBranchBundle({ mirrorDir: mirror, bundle: orphan, branch: 'task-3', base }),
    ).rejects.toThrow(/does not descend from/)
    await expect(
      receiveBranchBundle({ mirrorDir: mirror, bundle: wrongName, branch: 'task-2', base, maxBytes: 10 }),
    ).rejects.toThrow(/above the limit of 10/)
    await expect(
      receiveBranchBundle({
        mirrorDir: mirror,
        bundle: new TextEncoder().encode('not a bundle'),
        branch: 'task-2',
        base,
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' })
  })

  it('refuses a bundle that needs commits the server does not hold', async () => {
    await git(work, ['switch', '-q', '-C', 'task-4', base])
    const local = await commit('e.txt', 'e\n')
    await commit('f.txt', 'f\n')
    // Prerequisite `local`, which never reached the mirror.
    const thin = await bundleOf(['refs/heads/task-4'], [local])
    await expect(
      receiveBranchBundle({ mirrorDir: mirror, bundle: thin, branch: 'task-4', base }),
    ).rejects.toThrow(/git bundle verify/)
  })
})
