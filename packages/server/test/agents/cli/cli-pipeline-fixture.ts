import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, PullRequest, Repository, Squad } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import { events } from '../../../src/db/schema.ts'
import { skipReason } from '../../helpers/test-db.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { git } from '../../pipeline/pipeline-fixture.ts'
import { binDir, samplesDir } from './cli-samples.ts'

const hasBwrap = (() => {
  try {
    execFileSync('bwrap', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** Why the agent-CLI pipeline tests cannot run here, or null. */
export const cliPipelineSkip =
  skipReason ?? (hasBwrap ? null : 'bubblewrap is not installed (apt-get install bubblewrap)')

const authArgs = (token: string) => ['-c', `http.extraHeader=Authorization: Bearer ${token}`]

/**
 * A squad with one agent driven by an agent CLI, and a local-forge repository whose main branch
 * holds README.md ("hello world") and the stand-in CLIs under `.agent-bin/` (committed executable,
 * so the sandbox's checkout can run them: `config.command` points there).
 */
export async function setupCliSquad(
  server: TestServer,
  token: string,
  agent: { llm_provider: string; llm_model?: string; config?: Record<string, unknown> },
) {
  const request = async (path: string, body: unknown) => {
    const res = await server.request('POST', path, { token, body })
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.json)}`)
    return res.json
  }
  const squad = Squad.parse(await request('/api/v1/squads', { name: `cli ${agent.llm_provider}` }))
  const member = Agent.parse(
    await request(`/api/v1/squads/${squad.id}/agents`, { name: 'Ada Agent', role: 'backend', ...agent }),
  )
  const repo = Repository.parse(await request(`/api/v1/squads/${squad.id}/repositories`, { name: 'demo' }))
  const work = mkdtempSync(join(tmpdir(), 'squad-cli-seed-'))
  try {
    await git(work, ['init', '-q', '-b', 'main'])
    writeFileSync(join(work, 'README.md'), '# Demo\n\nhello world\n')
    cpSync(binDir, join(work, '.agent-bin'), { recursive: true })
    cpSync(samplesDir, join(work, '.agent-bin', 'samples'), { recursive: true })
    await git(work, ['add', '-A'])
    await git(work, ['commit', '-qm', 'initial commit'])
    await git(work, [...authArgs(token), 'push', '-q', repo.clone_url ?? '', 'main'])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  return { squad, agent: member, repo }
}

/** Files of `branch` in a fresh clone of the repository. */
export async function readBranch(repo: Repository, branch: string, token: string, paths: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'squad-cli-clone-'))
  try {
    await git(dir, [...authArgs(token), 'clone', '-q', '--branch', branch, repo.clone_url ?? '', '.'])
    const files = Object.fromEntries(
      paths.map((path) => {
        try {
          return [path, readFileSync(join(dir, path), 'utf8')]
        } catch {
          return [path, null]
        }
      }),
    ) as Record<string, string | null>
    return { files, tracked: (await git(dir, ['ls-files'])).split('\n') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Every stored event of an execution, oldest first, straight from the database. */
export async function eventsOf(server: TestServer, executionId: string) {
  return server.deps.database.db
    .select()
    .from(events)
    .where(eq(events.executionId, executionId))
    .orderBy(asc(events.id))
}

/** The execution's whole log, downloaded as a user would. */
export async function downloadLog(server: TestServer, executionId: string, token: string) {
  const res = await fetch(`${server.url}/api/v1/executions/${executionId}/log`, {
    headers: { authorization: `Bearer ${token}` },
  })
  if (res.status !== 200) throw new Error(`log of ${executionId}: ${res.status} ${await res.text()}`)
  return res.text()
}

export async function pullsOf(server: TestServer, repoId: string, token: string) {
  const res = await server.request('GET', `/api/v1/repositories/${repoId}/pulls`, { token })
  return (res.json as { items: unknown[] }).items.map((p) => PullRequest.parse(p))
}
