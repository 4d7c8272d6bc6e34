import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  restoreWorkspaceConfig,
  WORKSPACE_CONFIG_REFUSED,
  workspaceGitConfig,
} from '../../src/git/workspace-config.ts'

const run = promisify(execFile)

/** No global or system config, like the pipeline's git, and a fixed identity. */
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'T',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 'T',
  GIT_COMMITTER_EMAIL: 't@example.com',
}

const git = (cwd: string, args: string[]) => run('git', args, { cwd, env }).then((r) => r.stdout.trim())

/** Runs the prelude and then `git <args>` in one shell, as sandboxGit does; answers how it ended. */
const withPrelude = (workdir: string, config: string, args: string[]) =>
  run('/bin/sh', ['-c', `${restoreWorkspaceConfig(workdir, config)}\nexec git "$@"`, 'sh', ...args], {
    cwd: workdir,
    env,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  )

const url = 'http://127.0.0.1:8080/git/squad/a "quoted" \\ repo.git'
const config = workspaceGitConfig({ originUrl: url, objectFormat: 'sha1' })

describe('workspaceGitConfig', () => {
  it('is what a clone writes: core settings and origin, the URL quoted as git reads it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'squad-wsconfig-'))
    try {
      await writeFile(join(dir, 'config'), config)
      const listed = await git(dir, ['config', '--file', 'config', '--list'])
      expect(listed.split('\n')).toEqual([
        'core.repositoryformatversion=0',
        'core.filemode=true',
        'core.bare=false',
        'core.logallrefupdates=true',
        `remote.origin.url=${url}`,
        'remote.origin.fetch=+refs/heads/*:refs/remotes/origin/*',
      ])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('names the object format of a SHA-256 repository', () => {
    expect(workspaceGitConfig({ originUrl: 'x', objectFormat: 'sha256' })).toMatch(
      /repositoryformatversion = 1\n[\s\S]*\[extensions\]\n\tobjectformat = sha256/,
    )
  })

  it('refuses a URL that would span lines', () => {
    expect(() => workspaceGitConfig({ originUrl: 'http://x/\n[core]', objectFormat: 'sha1' })).toThrow()
  })
})

describe('restoreWorkspaceConfig (the prelude of every pipeline git command)', () => {
  let root: string
  let work: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'squad-wsprelude-'))
    work = join(root, 'work')
    await mkdir(work)
    await git(work, ['init', '-q', '-b', 'main'])
    await writeFile(join(work, 'a.txt'), 'a\n')
    await git(work, ['add', 'a.txt'])
    await git(work, ['commit', '-qm', 'first'])
  })
  afterEach(async () => {
    await chmod(join(work, '.git'), 0o755).catch(() => {})
    await rm(root, { recursive: true, force: true })
  })

  /** A program that leaves a marker when run, and answers like gpg with a signature. */
  const plantProgram = async () => {
    const program = join(root, 'planted.sh')
    const marker = join(root, 'ran')
    await writeFile(
      program,
      `#!/bin/sh\ntouch '${marker}'\ncat\nprintf '\\n[GNUPG:] SIG_CREATED D 1 8 00 0 0\\n' >&2\n`,
    )
    await chmod(program, 0o755)
    return {
      program,
      ran: () =>
        readFile(marker).then(
          () => true,
          () => false,
        ),
    }
  }

  it('replaces whatever the agent configured, so no planted signer or filter runs', async () => {
    const { program, ran } = await plantProgram()
    for (const [key, value] of [
      ['commit.gpgSign', 'true'],
      ['gpg.program', program],
      ['log.showSignature', 'true'],
      ['filter.x.clean', program],
      ['filter.x.required', 'true'],
      ['url./nowhere/.insteadOf', 'http://'],
      ['include.path', join(root, 'more.gitconfig')],
    ] as const)
      await git(work, ['config', key, value])
    await writeFile(join(work, '.gitattributes'), '*.txt filter=x\n')
    await writeFile(join(work, 'a.txt'), 'changed\n')

    expect((await withPrelude(work, config, ['add', '--all'])).code).toBe(0)
    const commit = await withPrelude(work, config, ['commit', '-qm', 'second'])
    expect(commit.code, commit.stderr).toBe(0)
    expect(await ran()).toBe(false)
    expect(await git(work, ['cat-file', 'commit', 'HEAD'])).not.toMatch(/^gpgsig/m)
    expect(await git(work, ['show', 'HEAD:a.txt'])).toBe('changed')
    expect(await readFile(join(work, '.git', 'config'), 'utf8')).toBe(config)
  })

  it('drops a commondir and a symlinked config, and rewrites a config made read-only', async () => {
    const { program, ran } = await plantProgram()
    const other = join(root, 'other.git')
    await run('cp', ['-a', join(work, '.git'), other])
    await writeFile(join(other, 'config'), `[commit]\n\tgpgSign = true\n[gpg]\n\tprogram = ${program}\n`)
    await writeFile(join(work, '.git', 'commondir'), `${other}\n`)
    expect(await withPrelude(work, config, ['commit', '-q', '--allow-empty', '-m', 'x'])).toMatchObject({
      code: 0,
    })
    expect(await ran()).toBe(false)

    const outside = join(root, 'outside.gitconfig')
    await writeFile(outside, `[commit]\n\tgpgSign = true\n[gpg]\n\tprogram = ${program}\n`)
    await rm(join(work, '.git', 'config'))
    await symlink(outside, join(work, '.git', 'config'))
    await chmod(join(work, '.git'), 0o555)
    expect(await withPrelude(work, config, ['commit', '-q', '--allow-empty', '-m', 'y'])).toMatchObject({
      code: 0,
    })
    expect(await ran()).toBe(false)
    // The link is gone (the file it pointed to is untouched), the config is the pipeline's own.
    expect(await readFile(outside, 'utf8')).toContain('gpgSign')
    expect(await readFile(join(work, '.git', 'config'), 'utf8')).toBe(config)
  })

  it('refuses a .git that is a link or a file, saying why; does nothing where there is no repository', async () => {
    const real = join(root, 'real.git')
    await run('mv', [join(work, '.git'), real])
    await symlink(real, join(work, '.git'))
    const linked = await withPrelude(work, config, ['status'])
    expect(linked.code).toBe(WORKSPACE_CONFIG_REFUSED)
    expect(linked.stderr).toContain("the workspace's .git is not a directory")

    await rm(join(work, '.git'))
    await writeFile(join(work, '.git'), `gitdir: ${real}\n`)
    expect((await withPrelude(work, config, ['status'])).code).toBe(WORKSPACE_CONFIG_REFUSED)

    await rm(join(work, '.git'))
    const bare = await withPrelude(work, config, ['--version'])
    expect(bare.code).toBe(0)
    expect(bare.stdout).toMatch(/^git version/)
  })
})
