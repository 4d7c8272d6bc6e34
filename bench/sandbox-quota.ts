// Cost of a sandbox's disk quota (a loop-mounted ext4 image per sandbox, see docs/sandbox.md):
// sandbox create (+ first command, + kill) with the default 10 GiB quota beside no quota, in one
// run; the parts (mkfs, mount) on their own; a burst of sandboxes created at once; and write
// throughput into /workspace and /tmp with and without the quota. Needs root (otherwise the quota
// is not enforced and both columns measure the same thing).
//
//   node bench/sandbox-quota.ts          options: --runs 15 --burst 20 --mb 512
//
// Benchmarks print, they never assert.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { releaseWorkspace } from '../packages/server/src/sandbox/folder/workspace.ts'
import {
  attachDisk,
  DEFAULT_DISK_QUOTA_BYTES,
  diskOf,
} from '../packages/server/src/sandbox/local/disk-quota.ts'
import { LocalSandboxProvider } from '../packages/server/src/sandbox/local/local-sandbox-provider.ts'
import { NETWORK_OFF } from '../packages/server/src/sandbox/network-policy.ts'
import type { Sandbox } from '../packages/server/src/sandbox/sandbox-provider.ts'
import { median, parseArgs, printTable } from './lib/args.ts'

const args = parseArgs()
const runs = args.number('runs', 15)
const burst = args.number('burst', 20)
const mb = args.number('mb', 512)
const run = promisify(execFile)
const work = await mkdtemp(join(tmpdir(), 'squad-bench-quota-'))
const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const start = performance.now()
  const value = await fn()
  return [performance.now() - start, value]
}
const ms = (values: number[]) => median(values).toFixed(1)

try {
  if (process.getuid?.() !== 0) console.log('not root: the quota is not enforced, both columns are the same')
  const providers = {
    none: new LocalSandboxProvider({
      root: join(work, 'none'),
      uidBase: 250_000,
      uidCount: 500,
      diskQuotaBytes: 0,
    }),
    quota: new LocalSandboxProvider({ root: join(work, 'quota'), uidBase: 251_000, uidCount: 500 }),
  }
  // Warm-up: tool probes (and the quota probe) happen on the first create.
  for (const provider of Object.values(providers)) await (await provider.create()).kill()

  const rows: Array<Array<string | number>> = []
  const timings = {
    none: { create: [], run: [], kill: [] },
    quota: { create: [], run: [], kill: [] },
  } as Record<string, Record<'create' | 'run' | 'kill', number[]>>
  for (let i = 0; i < runs; i++)
    for (const [name, provider] of Object.entries(providers)) {
      const [createMs, sandbox] = await time(() => provider.create({ network: NETWORK_OFF }))
      const [runMs] = await time(() => sandbox.commands.run('true'))
      const [killMs] = await time(() => sandbox.kill())
      timings[name]?.create.push(createMs)
      timings[name]?.run.push(runMs)
      timings[name]?.kill.push(killMs)
    }
  for (const step of ['create', 'run', 'kill'] as const)
    rows.push([
      step,
      ms(timings.none?.[step] ?? []),
      ms(timings.quota?.[step] ?? []),
      (median(timings.quota?.[step] ?? []) - median(timings.none?.[step] ?? [])).toFixed(1),
    ])
  console.log(`sandbox lifecycle, median of ${runs} (ms):`)
  printTable(['step', 'no quota', '10 GiB quota', 'difference'], rows)

  const parts = { mkfs: [] as number[], mount: [] as number[], attach: [] as number[] }
  for (let i = 0; i < runs; i++) {
    const dir = await mkdtemp(join(work, 'part-'))
    const paths = { dir }
    const [attachMs] = await time(() => attachDisk(paths, DEFAULT_DISK_QUOTA_BYTES))
    parts.attach.push(attachMs)
    await releaseWorkspace(dir)
    // The same two steps with the tools alone, to split the figure.
    const image = join(dir, 'again.img')
    await run('truncate', ['-s', String(DEFAULT_DISK_QUOTA_BYTES), image])
    const [mkfsMs] = await time(() =>
      run('mkfs.ext4', [
        '-q',
        '-F',
        '-m',
        '0',
        '-O',
        '^has_journal,^resize_inode',
        '-E',
        'lazy_itable_init=1,nodiscard',
        image,
      ]),
    )
    const [mountMs] = await time(() =>
      run('mount', ['-o', 'loop,discard,noinit_itable,noatime,nosuid,nodev', image, diskOf(paths).mount]),
    )
    parts.mkfs.push(mkfsMs)
    parts.mount.push(mountMs)
    await releaseWorkspace(dir)
  }
  console.log()
  console.log(
    `10 GiB image, median of ${runs} (ms): mkfs.ext4 ${ms(parts.mkfs)}, mount -o loop ${ms(parts.mount)}, attachDisk (create + mkfs + mount) ${ms(parts.attach)}`,
  )

  for (const [name, provider] of Object.entries(providers)) {
    const [burstMs, sandboxes] = await time(() =>
      Promise.all(Array.from({ length: burst }, () => provider.create({ network: NETWORK_OFF }))),
    )
    const [allRunMs] = await time(() =>
      Promise.all(sandboxes.map((s: Sandbox) => s.commands.run('touch /tmp/x'))),
    )
    const [killMs] = await time(() => Promise.all(sandboxes.map((s: Sandbox) => s.kill())))
    console.log(
      `${burst} at once, ${name === 'none' ? 'no quota' : '10 GiB quota'}: create ${burstMs.toFixed(0)} ms, a command in each ${allRunMs.toFixed(0)} ms, kill ${killMs.toFixed(0)} ms`,
    )
  }

  console.log()
  for (const [name, provider] of Object.entries(providers)) {
    const sandbox = await provider.create({ network: NETWORK_OFF })
    for (const where of ['/workspace', '/tmp']) {
      const [writeMs] = await time(() =>
        sandbox.commands.run(
          `dd if=/dev/zero of=${where}/big bs=1M count=${mb} conv=fsync status=none && rm ${where}/big`,
        ),
      )
      console.log(
        `write ${mb} MB (fsync) into ${where}, ${name === 'none' ? 'no quota' : '10 GiB quota'}: ${((mb / writeMs) * 1000).toFixed(0)} MB/s`,
      )
    }
    await sandbox.kill()
  }
  for (const provider of Object.values(providers)) await provider.close()
} finally {
  await rm(work, { recursive: true, force: true })
}
