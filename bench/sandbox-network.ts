// Cost of the sandbox's isolated network (docs/sandbox-network.md), in one run on one machine:
// - a command's start: `true` in a sandbox whose network is off (its own namespace, nothing else),
//   on (the egress proxy and its relay started for the command), and the shared-network sandbox
//   this replaced (the same bubblewrap invocation without --unshare-net: the host's network);
// - a 50 MB download from an HTTP server on this machine: through the egress proxy (the server
//   named in the policy), beside the shared-network sandbox fetching it directly.
//
//   node bench/sandbox-network.ts          options: --runs 20 --mb 50
//
// Benchmarks print, they never assert. Targets: under 20 ms more per command, under 2x on throughput.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  bwrapOptions,
  detectSystemLayout,
  prlimitArgs,
  setprivCommand,
} from '../packages/server/src/sandbox/local/bwrap-args.ts'
import { LocalSandboxProvider } from '../packages/server/src/sandbox/local/local-sandbox-provider.ts'
import { NETWORK_OFF } from '../packages/server/src/sandbox/network-policy.ts'
import type { NetworkPolicy } from '../packages/server/src/sandbox/sandbox-provider.ts'
import { median, parseArgs, printTable } from './lib/args.ts'

const args = parseArgs()
const runs = args.number('runs', 20)
const mb = args.number('mb', 50)
const sh = promisify(execFile)
if (process.getuid?.() !== 0) {
  console.log('bench/sandbox-network: needs root (the sandbox runs as a per-sandbox uid); nothing measured')
  process.exit(0)
}

const payload = Buffer.alloc(mb * 1024 * 1024, 'x')
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-length': payload.length })
  res.end(payload)
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const port = (server.address() as { port: number }).port
const url = `http://127.0.0.1:${port}/payload`

const root = await mkdtemp(join(tmpdir(), 'squad-bench-net-'))
const provider = new LocalSandboxProvider({ root, uidBase: 270_000, uidCount: 100 })
const allowServer: NetworkPolicy = { mode: 'internet', allow: [`127.0.0.1:${port}`] }
const sandbox = await provider.create({ network: NETWORK_OFF })

// The shared-network sandbox as it was: the same options, minus the network namespace.
const system = await detectSystemLayout()
const shared = join(root, 'shared')
for (const dir of ['ws', 'tmp', 'home', 'etc']) await mkdir(join(shared, dir), { recursive: true })
await writeFile(join(shared, 'etc', 'passwd'), 'sandbox:x:270099:270099::/home/sandbox:/bin/sh\n')
await writeFile(join(shared, 'etc', 'group'), 'sandbox:x:270099:\n')
const sharedOptions = bwrapOptions({
  asRoot: true,
  system,
  workspace: join(shared, 'ws'),
  tmp: join(shared, 'tmp'),
  home: join(shared, 'home'),
  passwd: join(shared, 'etc', 'passwd'),
  group: join(shared, 'etc', 'group'),
  readOnlyBinds: [],
  cwd: '/workspace',
  shmBytes: 1024 * 1024,
}).filter((option) => option !== '--unshare-net')
const ids = { uid: 270_099, gid: 270_099, groups: [] }
const sharedRun = (cmd: string) =>
  sh(
    'prlimit',
    [
      ...prlimitArgs({ nproc: 512, fileSizeBytes: 0 }),
      '--',
      'bwrap',
      ...sharedOptions,
      '--',
      ...setprivCommand('/usr/bin/setpriv', ids, ['/bin/sh', '-c', cmd]),
    ],
    { env: { PATH: '/usr/bin:/bin' }, maxBuffer: 1024 * 1024 },
  )

const time = async (fn: () => Promise<unknown>) => {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

// Command start: alternate the three so that noise on this shared machine falls on all of them.
const starts = { shared: [] as number[], off: [] as number[], on: [] as number[] }
for (let i = 0; i < runs + 2; i++) {
  const shared = await time(() => sharedRun('true'))
  const off = await time(() => sandbox.commands.run('true'))
  const on = await time(() => sandbox.commands.run('true', { network: allowServer }))
  if (i < 2) continue // warm-up
  starts.shared.push(shared)
  starts.off.push(off)
  starts.on.push(on)
}

// Throughput: median of a few downloads each way, measured by curl itself.
const speed = (text: string) => Number(text.trim()) / (1024 * 1024)
const downloads = { shared: [] as number[], proxied: [] as number[] }
for (let i = 0; i < 5; i++) {
  const direct = await sharedRun(`curl -s --noproxy '*' -o /dev/null -w '%{speed_download}' ${url}`)
  downloads.shared.push(speed(direct.stdout))
  const proxied = await sandbox.commands.run(
    `curl -s --noproxy '' -x "$HTTP_PROXY" -o /dev/null -w '%{speed_download}' ${url}`,
    { network: allowServer },
  )
  downloads.proxied.push(speed(proxied.stdout))
}

await sandbox.kill()
await provider.close()
server.close()
await rm(root, { recursive: true, force: true })

const ms = (values: number[]) => median(values).toFixed(1)
const base = median(starts.shared)
console.log(`bench/sandbox-network: ${runs} runs of each, ${mb} MB downloads ×5, one process\n`)
printTable(
  ['command start (true)', 'median ms', 'vs shared network'],
  [
    ['shared host network (before)', ms(starts.shared), '1.00x'],
    ['own namespace, network off', ms(starts.off), `${(median(starts.off) / base).toFixed(2)}x`],
    ['own namespace + egress proxy', ms(starts.on), `${(median(starts.on) / base).toFixed(2)}x`],
  ],
)
console.log(
  `\nnetwork on costs ${(median(starts.on) - base).toFixed(1)} ms more per command than the shared network\n`,
)
const shareMb = median(downloads.shared)
printTable(
  [`${mb} MB download`, 'MB/s', 'vs shared network'],
  [
    ['shared host network, direct (before)', shareMb.toFixed(0), '1.00x'],
    [
      'through the egress proxy',
      median(downloads.proxied).toFixed(0),
      `${(shareMb / median(downloads.proxied)).toFixed(2)}x slower`,
    ],
  ],
)
