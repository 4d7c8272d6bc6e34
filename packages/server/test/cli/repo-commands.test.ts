import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))

/** Runs `squad …`; nothing from the developer's shell leaks in. */
function squad(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end()
  })
}

describe.skipIf(skipReason)('squad repo add|list|check', () => {
  let server: TestServer
  let root: string
  let squadId: string
  let url: string[]

  beforeAll(async () => {
    // A real repository with a main branch, reachable as a file:// remote under an allowed root.
    root = mkdtempSync(join(tmpdir(), 'squad-cli-repos-'))
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe' })
    git('init', '-q', '-b', 'main', 'upstream')
    git(
      '-C',
      'upstream',
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@e',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'init',
    )
    server = await startTestServer({ env: { SQUAD_LOCAL_REPO_ROOTS: root } })
    squadId = (
      (await server.request('POST', '/api/v1/squads', { body: { name: 'cli' } })).json as { id: string }
    ).id
    url = ['--url', server.url]
  })
  afterAll(async () => {
    await server?.stop()
    if (root) rmSync(root, { recursive: true, force: true })
  })

  it('adds a local-forge repository and a git remote, and lists both', async () => {
    const local = await squad(['repo', 'add', 'scratch', '--squad', squadId, ...url])
    expect(local.code, local.stderr).toBe(0)
    expect(local.stdout).toMatch(/^Added scratch {2}[0-9a-f-]{36}\n {2}where {11}local forge http/)

    const remote = await squad([
      ...['repo', 'add', 'upstream', '--squad', squadId, '--git-url', `file://${root}/upstream`],
      ...['--json', ...url],
    ])
    expect(remote.code, remote.stderr).toBe(0)
    expect(JSON.parse(remote.stdout)).toMatchObject({
      name: 'upstream',
      kind: 'remote',
      url: `file://${root}/upstream`,
      default_branch: 'main',
    })

    const list = await squad(['repo', 'list', '--squad', squadId, ...url])
    expect(list.code, list.stderr).toBe(0)
    const lines = list.stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines.find((l) => l.includes('\tscratch\t'))).toMatch(/\tlocal forge http\S+\tmain\t-$/)
    expect(lines.find((l) => l.includes('\tupstream\t'))).toContain(
      `\tgit remote file://${root}/upstream\tmain\t`,
    )
  })

  it("says what is wrong in the server's words, naming the flag", async () => {
    const bad = await squad([
      ...[
        'repo',
        'add',
        'web',
        '--squad',
        squadId,
        '--github',
        'not a repo',
        '--token-secret',
        'GITHUB_TOKEN',
      ],
      ...url,
    ])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/The server refused the repository:\n {2}--github: must be "owner\/name"/)

    const twice = await squad(['repo', 'add', 'scratch', '--squad', squadId, ...url])
    expect(twice.code).toBe(1)
    expect(twice.stderr).toMatch(/already has a repository named "scratch"/)

    const usage = await squad(['repo', 'add', 'x', '--squad', squadId, '--github', 'acme/x', ...url])
    expect(usage.code).toBe(1)
    expect(usage.stderr).toMatch(/needs a credential: --token-secret NAME/)

    const missing = await squad(['repo', 'check', 'nope', '--squad', squadId, ...url])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/No repository named "nope" in squad \S+ \(it has: \w+, \w+\)/)
    // The only squad needs no --squad, and a squad may be named instead of given by id.
    const onlySquad = await squad(['repo', 'list', ...url])
    expect(onlySquad.code, onlySquad.stderr).toBe(0)
    expect(onlySquad.stdout.trim().split('\n')).toHaveLength(2)
    const byName = await squad(['repo', 'list', '--squad', 'cli', '--json', ...url])
    expect(
      JSON.parse(byName.stdout)
        .map((r: { name: string }) => r.name)
        .sort(),
    ).toEqual(['scratch', 'upstream'])
  })

  it('checks a remote again by name and prints what it found', async (ctx) => {
    const repos = (await server.request('GET', `/api/v1/squads/${squadId}/repositories`)).json as {
      items: { id: string; name: string }[]
    }
    const upstream = repos.items.find((r) => r.name === 'upstream')
    const probe = await server.request('POST', `/api/v1/repositories/${upstream?.id}/check`)
    if (probe.status === 404) ctx.skip('POST /repositories/{id}/check comes with branch git-remotes')
    const checked = await squad(['repo', 'check', 'upstream', '--squad', squadId, ...url])
    expect(checked.code, checked.stderr).toBe(0)
    expect(checked.stdout).toMatch(/check {11}reachable, main at [0-9a-f]{8}/)
  })
})
