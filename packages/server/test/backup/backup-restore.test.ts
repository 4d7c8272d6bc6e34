import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { restoreBackup } from '../../src/backup/restore-backup.ts'
import type { Database } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { readSquadSecret } from '../../src/secrets/read-squad-secret.ts'
import { secretBoxFromConfig } from '../../src/secrets/secret-box.ts'
import { testDbKind } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, git, setupSquad, startTask, waitForExecution } from '../pipeline/pipeline-fixture.ts'
import { pipelineSkip } from '../pipeline/pipeline-probes.ts'

const run = promisify(execFile)
const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))

/** Runs `squad …` with a clean environment; resolves with its exit code and output. */
const squad = (args: string[]) =>
  new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
    })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })

const rows = async <T = Record<string, unknown>>(database: Database, query: ReturnType<typeof sql>) =>
  ((await database.db.execute(query)) as unknown as { rows: T[] }).rows

/** Everything a backup must carry, read the same way from the live and the restored database. */
const snapshot = async (database: Database) => ({
  squads: await rows(database, sql`select * from squads order by id`),
  tasks: await rows(database, sql`select * from tasks order by id`),
  executions: await rows(database, sql`select * from task_executions order by id`),
  steps: await rows(database, sql`select * from execution_steps order by id`),
  pulls: await rows(database, sql`select * from pull_requests order by id`),
  secrets: await rows(database, sql`select * from secrets order by id`),
  events: await rows<{ id: string | number }>(database, sql`select * from events order by id`),
})

/** name → sha of every ref of a bare repository. */
const refsOf = async (repo: string) =>
  (await git(repo, ['for-each-ref', '--format=%(refname) %(objectname)'])).split('\n').sort()

// PGlite only: on PostgreSQL the database is backed up with pg_dump, not in the archive; the
// repositories and files the archive holds there go through the same code as here.
describe.skipIf(pipelineSkip ?? (testDbKind === 'postgres' ? 'the PGlite dump is what is tested' : null))(
  'squad backup and restore (PGlite)',
  () => {
    let server: TestServer
    let dataDir: string
    let work: string
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'squad-backup-'))
      work = await mkdtemp(join(tmpdir(), 'squad-backup-work-'))
      server = await startTestServer({
        env: { SQUAD_WORKER: 'true', SQUAD_DATA_DIR: dataDir, SQUAD_MAX_CONCURRENCY: '3' },
        engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
      })
    })
    afterAll(async () => {
      await server?.stop()
      await rm(dataDir, { recursive: true, force: true })
      await rm(work, { recursive: true, force: true })
    })

    const backup = async (name: string, token = server.localToken ?? '') => {
      const res = await fetch(`${server.url}/api/v1/admin/backup`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
      if (res.status !== 200) throw new Error(`backup: ${res.status} ${await res.text()}`)
      const file = join(work, name)
      await writeFile(file, Buffer.from(await res.arrayBuffer()))
      return file
    }

    it('backs up while tasks run, and restores the same rows, events, repositories and secrets', async () => {
      const { squad, agent, repo } = await setupSquad(server, { 'README.md': '# backup\n' })
      expect(
        (
          await server.request('PUT', `/api/v1/squads/${squad.id}/secrets/DEPLOY_KEY`, {
            body: { value: 's3cr3t' },
          })
        ).status,
      ).toBe(201)
      const tasks = await Promise.all(
        [1, 2, 3].map((n) =>
          createTask(server, squad.id, {
            title: `Add file ${n}`,
            repository_id: repo.id,
            assignee_id: agent.id,
            script: `echo ${n} > file-${n}.txt\nsleep 1`,
          }),
        ),
      )
      const started = await Promise.all(tasks.map((t) => startTask(server, t.id)))
      await waitForExecution(server, started[0]?.id ?? '', { until: (e) => e.status === 'running' })
      const during = await backup('during.tar.gz')
      const done = await Promise.all(
        started.map((e) => waitForExecution(server, e.id, { timeoutMs: 90_000 })),
      )
      expect(done.map((e) => e.status)).toEqual(['succeeded', 'succeeded', 'succeeded'])
      const after = await backup('after.tar.gz')
      const live = await snapshot(server.db.database)
      const bare = join(dataDir, 'forge', squad.id, 'demo.git')

      // Mid-run: exactly the log up to some event (ids become visible in commit order), and every
      // branch a stored pull request names is in the repository (read after the database).
      const midDir = join(work, 'mid')
      await restoreBackup({ file: during, dataDir: midDir })
      const mid = await openPglite(join(midDir, 'pglite'))
      try {
        await mid.migrate()
        const restored = await snapshot(mid)
        const lastId = Number(restored.events.at(-1)?.id)
        expect(restored.events).toEqual(live.events.filter((e) => Number(e.id) <= lastId))
        expect(restored.squads).toEqual(live.squads)
        const refs = await refsOf(join(midDir, 'forge', squad.id, 'demo.git'))
        for (const pull of restored.pulls) expect(refs.join('\n')).toContain(`refs/heads/${pull.head_branch}`)
      } finally {
        await mid.close()
      }

      // After the runs: everything equal, and a server on the restored folder serves it.
      const endDir = join(work, 'end')
      const manifest = await restoreBackup({ file: after, dataDir: endDir })
      expect(manifest.repositories).toEqual([
        { path: `${squad.id}/demo.git`, head: 'main', refs: expect.any(Number) },
      ])
      expect(manifest.entries).toContain('secret.key')
      expect(await refsOf(join(endDir, 'forge', squad.id, 'demo.git'))).toEqual(await refsOf(bare))
      const database = await openPglite(join(endDir, 'pglite'))
      const restoredServer = await startTestServer({
        db: { database, url: null, drop: () => database.close() },
        env: { SQUAD_DATA_DIR: endDir },
      })
      try {
        expect(await snapshot(database)).toEqual(live)
        const box = secretBoxFromConfig({ dataDir: endDir, SQUAD_SECRET_KEY: undefined })
        expect(await readSquadSecret({ db: database.db, box, squadId: squad.id, name: 'DEPLOY_KEY' })).toBe(
          's3cr3t',
        )
        const pulls = await restoredServer.request('GET', `/api/v1/repositories/${repo.id}/pulls`)
        expect((pulls.json as { items: unknown[] }).items).toHaveLength(3)
        // A clone through the restored server's git endpoint has every branch the original has.
        const clone = join(work, 'clone')
        const header = `http.extraHeader=Authorization: Bearer ${restoredServer.localToken}`
        const cloneUrl = repo.clone_url?.replace(server.url, restoredServer.url) ?? ''
        await git(work, ['-c', header, 'clone', '-q', '--mirror', cloneUrl, clone])
        const heads = (await refsOf(bare)).filter((r) => r.startsWith('refs/heads/'))
        expect((await refsOf(clone)).filter((r) => r.startsWith('refs/heads/'))).toEqual(heads)
      } finally {
        await restoredServer.stop()
      }
    }, 300_000)

    it('refuses what it cannot restore, with a reason, and changes nothing', async () => {
      expect((await fetch(`${server.url}/api/v1/admin/backup`, { method: 'POST' })).status).toBe(401)
      const folder = await mkdtemp(join(work, 'refusals-'))
      await expect(
        restoreBackup({ file: join(folder, 'none.tar.gz'), dataDir: join(folder, 'a') }),
      ).rejects.toMatchObject({
        code: 'not_found',
      })
      await writeFile(join(folder, 'text.tar.gz'), 'not an archive')
      await expect(
        restoreBackup({ file: join(folder, 'text.tar.gz'), dataDir: join(folder, 'b') }),
      ).rejects.toMatchObject({
        code: 'bad_request',
        message: expect.stringContaining('not a readable backup archive'),
      })
      // A manifest from a later format: refused by name before anything is written.
      const newer = join(folder, 'newer')
      await mkdir(newer)
      await writeFile(
        join(newer, 'manifest.json'),
        JSON.stringify({ format: 'agent-squad-backup', format_version: 99 }),
      )
      const { writeArchive } = await import('../../src/backup/archive.ts')
      await writeArchive(newer, join(folder, 'newer.tar.gz'))
      await expect(
        restoreBackup({ file: join(folder, 'newer.tar.gz'), dataDir: join(folder, 'c') }),
      ).rejects.toThrow(/newer Agent Squad \(backup format 99/)
      // A folder in use is never overwritten.
      const busy = join(folder, 'busy')
      await mkdir(busy)
      await writeFile(join(busy, 'keep.txt'), 'mine')
      const archive = join(work, 'after.tar.gz')
      await expect(restoreBackup({ file: archive, dataDir: busy })).rejects.toMatchObject({
        code: 'conflict',
      })
      expect(await readFile(join(busy, 'keep.txt'), 'utf8')).toBe('mine')
      for (const target of ['a', 'b', 'c']) expect(existsSync(join(folder, target))).toBe(false)
    }, 60_000)

    it('squad backup asks the server that holds the folder, and says what to do when it cannot', async () => {
      // The folder as `squad serve` leaves it: its lock names a live process (this one), and its
      // local-token.json (written by the test server) says where the server listens.
      await writeFile(join(dataDir, 'squad.lock'), String(process.pid))
      try {
        const file = join(work, 'cli.tar.gz')
        const made = await squad(['backup', file, '--data-dir', dataDir])
        expect(made.stderr).toContain('written by the running server')
        expect(made.code).toBe(0)
        const { stdout } = await run('tar', ['-xzOf', file, './manifest.json'])
        expect(JSON.parse(stdout)).toMatchObject({ database: { kind: 'pglite', included: true } })
        expect(await squad(['backup', file, '--data-dir', dataDir])).toMatchObject({
          code: 1,
          stderr: expect.stringContaining('already exists'),
        })
      } finally {
        await rm(join(dataDir, 'squad.lock'), { force: true })
      }
      const orphan = await mkdtemp(join(work, 'held-'))
      await writeFile(join(orphan, 'squad.lock'), String(process.pid))
      const refused = await squad(['backup', join(work, 'never.tar.gz'), '--data-dir', orphan])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(`in use by squad serve (pid ${process.pid})`)
      expect(refused.stderr).toContain('--url http://127.0.0.1:8000 --token <admin token>')
      expect(existsSync(join(work, 'never.tar.gz'))).toBe(false)
    }, 120_000)
  },
)
