import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { CreatedToken, Squad, User } from '@agent-squad/contract'
import { expect } from 'vitest'
import { repositories } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import type { RepoRef } from '../../src/forge/forge.ts'
import type { TestServer } from '../helpers/test-server.ts'

// Real git against real temporary folders. Every command runs with no prompts, no system or global
// configuration, and a fixed identity, so the machine's own git setup cannot change a result.

export type GitRun = { code: number; stdout: string; stderr: string }

const temporaryDirs: string[] = []

/** A fresh temporary folder, removed by removeTempDirs(). */
export async function tempDir(prefix = 'squad-forge-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  temporaryDirs.push(dir)
  return dir
}

export async function removeTempDirs() {
  const dirs = temporaryDirs.splice(0)
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
}

/** Runs git; never throws on a non-zero exit (see gitOk). `env` adds to the isolated environment. */
export function git(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<GitRun> {
  const base: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith('GIT_')) base[key] = value
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: {
        ...base,
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'Test Author',
        GIT_AUTHOR_EMAIL: 'author@example.com',
        GIT_COMMITTER_NAME: 'Test Author',
        GIT_COMMITTER_EMAIL: 'author@example.com',
        LC_ALL: 'C',
        ...env,
      },
      stdio: 'pipe',
    })
    child.stdin.on('error', () => {}) // git may exit without reading its input
    child.stdin.end(input ?? '')
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

export async function gitOk(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const run = await git(cwd, args, env)
  expect(run.code, `git ${args.join(' ')}\n${run.stderr}`).toBe(0)
  return run.stdout.trim()
}

/** How the pipeline hands a credential to one git command: config in the environment, not the URL. */
export const headerEnv = (httpHeader: string): Record<string, string> => ({
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'http.extraHeader',
  GIT_CONFIG_VALUE_0: httpHeader,
})

/** Writes files (path → content) in a work tree and commits them; returns the commit id. */
export async function commitFiles(dir: string, files: Record<string, string | null>, message: string) {
  for (const [path, content] of Object.entries(files)) {
    if (content === null) await gitOk(dir, ['rm', '-q', '--', path])
    else {
      await mkdir(dirname(join(dir, path)), { recursive: true })
      await writeFile(join(dir, path), content)
      await gitOk(dir, ['add', '--', path])
    }
  }
  await gitOk(dir, ['commit', '-q', '-m', message])
  return gitOk(dir, ['rev-parse', 'HEAD'])
}

/** A new work tree on `branch`, not yet connected to any remote. */
export async function newWorkTree(branch = 'main'): Promise<string> {
  const dir = await tempDir('squad-work-')
  await gitOk(dir, ['init', '-q', `--initial-branch=${branch}`])
  return dir
}

/** A squad of the caller (through the API) and a local repository row in it. */
export async function newLocalRepository(
  server: TestServer,
  options: { token?: string; name?: string; defaultBranch?: string } = {},
): Promise<RepoRef> {
  const res = await server.request('POST', '/api/v1/squads', {
    body: { name: 'forge' },
    token: options.token,
  })
  expect(res.status, JSON.stringify(res.json)).toBe(201)
  const squadId = Squad.parse(res.json).id
  // The repositories API is built elsewhere; the row is all the forge needs.
  const [row] = await server.db.database.db
    .insert(repositories)
    .values({
      id: newId(),
      squadId,
      name: options.name ?? 'app',
      kind: 'local',
      defaultBranch: options.defaultBranch ?? 'main',
    })
    .returning()
  if (!row) throw new Error('insert returned no row')
  return {
    id: row.id,
    squadId,
    name: row.name,
    kind: 'local',
    url: null,
    defaultBranch: row.defaultBranch,
    credentialSecret: null,
    github: null,
  }
}

/** A second user with a token, made by the bootstrap admin of a token-auth server. */
export async function newUserToken(server: TestServer, name: string): Promise<string> {
  const admin = server.bootstrapToken ?? ''
  const user = User.parse(
    (await server.request('POST', '/api/v1/users', { body: { name }, token: admin })).json,
  )
  const created = await server.request('POST', '/api/v1/tokens', {
    body: { name, user_id: user.id },
    token: admin,
  })
  return CreatedToken.parse(created.json).token
}
