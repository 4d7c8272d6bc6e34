// Workspace preparation for a sandbox: an overlay mount over a shared template (with the ownership
// fixed per file by a metadata-only copy-up, or with the default shared group) against a `cp -a`
// copy, on a generated template; then the
// latency of sandbox create + first command for the local (bubblewrap) and process providers, beside
// the floor of spawning /bin/true. Run as root for the overlay (otherwise only the copy is measured).
//
//   node bench/workspace-mount.ts                  5,000 files, ~50 MB, 3 runs
//   options: --files 5000 --bytes 10000 --runs 3 --sandboxes 10
//
// Page cache is warm (the template was just written). Benchmarks print, they never assert.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { FolderSandboxes } from '../packages/server/src/sandbox/folder/folder-sandboxes.ts'
import {
  prepareWorkspace,
  releaseWorkspace,
  shareTemplate,
} from '../packages/server/src/sandbox/folder/workspace.ts'
import { LocalSandboxProvider } from '../packages/server/src/sandbox/local/local-sandbox-provider.ts'
import { ProcessSandboxProvider } from '../packages/server/src/sandbox/process/process-sandbox-provider.ts'
import type { SandboxProvider } from '../packages/server/src/sandbox/sandbox-provider.ts'
import { median, parseArgs, printTable } from './lib/args.ts'

const args = parseArgs()
const fileCount = args.number('files', 5000)
const fileBytes = args.number('bytes', 10_000)
const runs = args.number('runs', 3)
const sandboxRuns = args.number('sandboxes', 10)
const isRoot = process.getuid?.() === 0
const owner = isRoot ? { uid: 240_999, gid: 240_999 } : undefined
const sharedGid = 240_998
const run = promisify(execFile)
const work = await mkdtemp(join(tmpdir(), 'squad-bench-ws-'))

const time = async (fn: () => Promise<unknown>) => {
  const start = performance.now()
  await fn()
  return performance.now() - start
}
const du = async (path: string) => Number((await run('du', ['-sk', path])).stdout.split('\t')[0]) / 1024

try {
  const template = join(work, 'template')
  const genMs = await time(async () => {
    for (let i = 0; i < fileCount; i++) {
      const dir = join(template, `d${Math.floor(i / 100)}`)
      if (i % 100 === 0) await mkdir(dir, { recursive: true })
      await writeFile(join(dir, `f${i}.txt`), randomBytes(fileBytes))
    }
  })
  const templateMb = await du(template)
  console.log(
    `template: ${fileCount} files, ${templateMb.toFixed(1)} MB (generated in ${genMs.toFixed(0)} ms)`,
  )
  console.log(isRoot ? 'running as root: overlay + chown to a sandbox uid' : 'not root: copy only, no chown')
  console.log()

  type Row = { name: string; prepare: number[]; release: number[]; diskMb: number[] }
  const modes: Array<{ name: string; overlay: boolean; own: boolean; shared?: boolean }> = [
    { name: 'cp -a + chown -R (baseline)', overlay: false, own: Boolean(owner) },
    ...(isRoot
      ? [
          { name: 'overlay mount only', overlay: true, own: false },
          { name: 'overlay + chown -R (metacopy)', overlay: true, own: true },
          { name: 'overlay + shared group (default)', overlay: true, own: true, shared: true },
        ]
      : []),
  ]
  const rows: Row[] = []
  let shareMs = 0
  for (const mode of modes) {
    if (mode.shared) shareMs = await time(() => shareTemplate(template, sharedGid))
    const row: Row = { name: mode.name, prepare: [], release: [], diskMb: [] }
    for (let i = 0; i < runs; i++) {
      const dir = join(work, `sb-${mode.name.replace(/\W+/g, '-')}-${i}`)
      await mkdir(dir)
      let kind = ''
      row.prepare.push(
        await time(async () => {
          kind = await prepareWorkspace({
            template,
            workspace: join(dir, 'workspace'),
            layers: join(dir, 'overlay'),
            overlay: mode.overlay,
            ...(mode.own && owner ? { owner } : {}),
            ...(mode.shared ? { sharedGid } : {}),
          })
        }),
      )
      if (mode.overlay && kind !== 'overlay') console.log(`(${mode.name}: the mount was refused, copied)`)
      row.diskMb.push(kind === 'overlay' ? await du(join(dir, 'overlay')) : await du(join(dir, 'workspace')))
      row.release.push(
        await time(async () => {
          await releaseWorkspace(dir)
          await rm(dir, { recursive: true, force: true })
        }),
      )
    }
    rows.push(row)
  }
  const base = median(rows[0]?.prepare ?? [1])
  printTable(
    ['workspace', 'prepare ms (median)', 'vs cp -a', 'release ms', 'disk MB'],
    rows.map((r) => [
      r.name,
      median(r.prepare).toFixed(1),
      `${(median(r.prepare) / base).toFixed(3)}x`,
      median(r.release).toFixed(1),
      median(r.diskMb).toFixed(1),
    ]),
  )
  if (shareMs)
    console.log(`once per template, before its first overlay: shareTemplate ${shareMs.toFixed(1)} ms`)
  console.log()

  // Sandbox create + first command.
  const floor: number[] = []
  for (let i = 0; i < sandboxRuns; i++) floor.push(await time(() => run('/bin/true')))
  const measure = async (name: string, provider: FolderSandboxes, withTemplate: boolean) => {
    const create: number[] = []
    const first: number[] = []
    const next: number[] = []
    const kill: number[] = []
    for (let i = 0; i < sandboxRuns; i++) {
      let sandbox: Awaited<ReturnType<SandboxProvider['create']>> | undefined
      create.push(
        await time(async () => {
          sandbox = await provider.create(withTemplate ? { workspaceTemplate: template } : {})
        }),
      )
      const live = sandbox as NonNullable<typeof sandbox>
      first.push(await time(() => live.commands.run('true')))
      next.push(await time(() => live.commands.run('ls > /dev/null')))
      kill.push(await time(() => live.kill()))
    }
    return [
      name,
      median(create).toFixed(1),
      median(first).toFixed(1),
      (median(create) + median(first)).toFixed(1),
      median(next).toFixed(1),
      median(kill).toFixed(1),
    ]
  }
  const quiet = { warn: () => {} }
  const local = new LocalSandboxProvider({ root: join(work, 'local'), uidBase: 241_000, uidCount: 100 })
  const plain = new ProcessSandboxProvider({ root: join(work, 'process'), logger: quiet })
  await local.create().then((s) => s.kill()) // the one-time bwrap probe is not part of a create
  printTable(
    ['sandbox', 'create ms', 'first cmd ms', 'create+first', 'next cmd ms', 'kill ms'],
    [
      ['spawn /bin/true (floor)', '', median(floor).toFixed(1), '', '', ''],
      await measure('process, empty', plain, false),
      await measure('local, empty', local, false),
      await measure(`local, ${fileCount}-file template`, local, true),
    ],
  )
  await local.close()
  await plain.close()
} finally {
  await releaseWorkspace(work).catch(() => {})
  await rm(work, { recursive: true, force: true })
}
