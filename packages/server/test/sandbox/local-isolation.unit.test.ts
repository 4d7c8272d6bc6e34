import { execFile, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/domain/errors.ts'
import { processesOf } from '../../src/sandbox/folder/uid-pool.ts'
import { mountsUnder } from '../../src/sandbox/folder/workspace.ts'
import { loopDevicesUnder } from '../../src/sandbox/local/disk-quota.ts'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import { NETWORK_OFF } from '../../src/sandbox/network-policy.ts'
import {
  CommandExitError,
  type HostFolderOpts,
  type Sandbox,
  type SandboxCreateOpts,
} from '../../src/sandbox/sandbox-provider.ts'

/*
 * Every escape here is actually attempted from inside a sandbox, and must fail. These tests assume the
 * server runs as root (per-sandbox uids, overlay mounts), as in production on a VM.
 */
const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].some((path) => existsSync(path))
const isRoot = process.getuid?.() === 0
const skipReason = !hasBwrap
  ? 'bubblewrap is not installed (apt-get install bubblewrap)'
  : !isRoot
    ? 'these isolation tests need the server to run as root (per-sandbox uids, overlay mounts)'
    : null
const UID_BASE = 220_000
/**
 * The unprivileged-server case runs this checkout's sources as uid 65534; a checkout inside a
 * private folder (mktemp -d is 0700) cannot be read by that user, which says nothing about the code.
 */
const nobodyCanRunSources =
  isRoot &&
  spawnSync('setpriv', [
    '--reuid=65534',
    '--regid=65534',
    '--clear-groups',
    '--',
    'sh',
    '-c',
    'test -r "$1" && test -x "$2"',
    'sh',
    join(import.meta.dirname, '../../src/sandbox/local/local-sandbox-provider.ts'),
    process.execPath,
  ]).status === 0
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const sh = promisify(execFile)

async function failure(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    if (error instanceof CommandExitError) return error.result
    throw error
  }
  throw new Error('expected the command to fail')
}

/** Waits until no process of `uid` is left; returns what is left after `ms`. */
async function leftovers(uid: number, ms = 2000): Promise<number[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const pids = (await processesOf(uid, uid + 1)).get(uid) ?? []
    if (pids.length === 0 || Date.now() > deadline) return pids
    await sleep(50)
  }
}

describe.skipIf(skipReason !== null)(
  `local sandbox isolation${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let scratch: string
    let dataDir: string
    let root: string
    let provider: LocalSandboxProvider
    const created: Sandbox[] = []
    const make = async (opts: SandboxCreateOpts & HostFolderOpts = {}) => {
      const sandbox = await provider.create(opts)
      created.push(sandbox)
      return sandbox
    }
    const metaOf = async (sandbox: Sandbox) =>
      JSON.parse(await readFile(join(root, sandbox.sandboxId, 'meta.json'), 'utf8')) as Record<
        string,
        unknown
      >
    const uidOf = async (sandbox: Sandbox) => (await metaOf(sandbox)).uid as number
    const canaryName = `SQUAD_ISOLATION_CANARY_${randomBytes(4).toString('hex')}`
    const canaryValue = `server-only-${randomBytes(8).toString('hex')}`

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'squad-isolation-'))
      // A stand-in for the server's data folder: a secret beside the sandboxes' root.
      dataDir = join(scratch, 'data')
      await mkdir(dataDir, { mode: 0o755 })
      await writeFile(join(dataDir, 'server-secret.txt'), 'do not read me', { mode: 0o644 })
      root = join(dataDir, 'sandboxes')
      provider = new LocalSandboxProvider({ root, uidBase: UID_BASE, uidCount: 1000 })
      process.env[canaryName] = canaryValue
    })

    afterAll(async () => {
      delete process.env[canaryName]
      await Promise.allSettled(created.map((sandbox) => sandbox.kill()))
      await provider?.close()
      if (scratch) await rm(scratch, { recursive: true, force: true })
    })

    it('runs as an unprivileged per-sandbox uid with no capabilities and a process limit', async () => {
      const sandbox = await make()
      const uid = await uidOf(sandbox)
      expect(uid).toBeGreaterThanOrEqual(UID_BASE)
      const { stdout } = await sandbox.commands.run(
        'id -u; id -g; id -G; grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs)" /proc/self/status; ' +
          'grep "Max processes" /proc/self/limits | tr -s " "; whoami',
      )
      expect(stdout.split('\n')).toEqual([
        String(uid),
        String(uid),
        `${uid} ${UID_BASE - 1}`, // its own group and the shared workspace group
        'CapPrm:\t0000000000000000',
        'CapEff:\t0000000000000000',
        'CapBnd:\t0000000000000000',
        'NoNewPrivs:\t1',
        'Max processes 512 512 processes ',
        'sandbox',
        '',
      ])
      const other = await make()
      expect(await uidOf(other)).not.toBe(uid)
      // sudo/su cannot help: no setuid (nosuid mounts, no_new_privs) and no root password anyway.
      expect((await failure(sandbox.commands.run('su -c id root </dev/null'))).exitCode).not.toBe(0)
    })

    it('cannot read /etc/shadow, and sees a synthesized passwd without the host users', async () => {
      const sandbox = await make()
      const shadow = await failure(sandbox.commands.run('cat /etc/shadow'))
      expect(shadow.stderr).toMatch(/No such file/)
      expect((await failure(sandbox.commands.run('cat /etc/gshadow /etc/sudoers'))).exitCode).not.toBe(0)
      const { stdout } = await sandbox.commands.run('cat /etc/passwd; ls /etc; ls /etc/ssl')
      expect(stdout).toContain(`sandbox:x:${await uidOf(sandbox)}`)
      expect(stdout).not.toMatch(/^(daemon|postgres|www-data):/m)
      expect(stdout).not.toMatch(/^(shadow|sudoers|ssh|npmrc|pip.conf)$/m)
      expect(stdout).not.toMatch(/^private$/m) // /etc/ssl/private is not there
    })

    it("cannot read the host's /root and /home", async () => {
      const sandbox = await make()
      expect((await failure(sandbox.commands.run('ls -A /root'))).stderr).toMatch(/No such file/)
      expect((await sandbox.commands.run('ls -A /home')).stdout).toBe('sandbox\n')
      expect((await sandbox.commands.run('ls -A /home/sandbox')).stdout).toBe('')
    })

    it("cannot reach the server's data folder", async () => {
      const sandbox = await make()
      for (const command of [
        `cat ${join(dataDir, 'server-secret.txt')}`,
        `ls ${root}`,
        `ls ${join(root, sandbox.sandboxId)}`,
        `cat ${join(root, sandbox.sandboxId, 'meta.json')}`,
      ])
        expect((await failure(sandbox.commands.run(command))).stderr).toMatch(/No such file/)
      const found = await sandbox.commands.run(
        'find / \\( -path /proc -o -path /usr -o -path /sys \\) -prune -o -name "server-secret.txt" -print 2>/dev/null; true',
      )
      expect(found.stdout).toBe('')
    })

    it("cannot read another sandbox's workspace or see its processes", async () => {
      const a = await make()
      const b = await make()
      await a.files.write('a-secret.txt', 'only for a')
      const background = await a.commands.run('sleep 31.5', { background: true })
      for (const command of [
        `cat ${join(root, a.sandboxId, 'workspace', 'a-secret.txt')}`,
        `ls ${join(root, a.sandboxId)}`,
        'cat /workspace/a-secret.txt',
      ])
        expect((await failure(b.commands.run(command))).stderr).toMatch(/No such file/)
      const found = await b.commands.run(
        'find / \\( -path /proc -o -path /usr \\) -prune -o -name "a-secret.txt" -print 2>/dev/null; true',
      )
      expect(found.stdout).toBe('')
      expect((await b.commands.run('ps -eo args')).stdout).not.toContain('sleep 31.5')
      // Not even by uid: signals to a's processes fail (no such process in b's pid namespace).
      const aPids = (await processesOf(await uidOf(a), (await uidOf(a)) + 1)).get(await uidOf(a)) ?? []
      expect(aPids.length).toBeGreaterThan(0)
      expect((await failure(b.commands.run(`kill -9 ${aPids.join(' ')}`))).exitCode).not.toBe(0)
      await background.kill()
    })

    it('cannot write outside /workspace, /tmp, its home and /dev/shm', async () => {
      const sandbox = await make()
      for (const path of [
        '/usr/x',
        '/usr/local/bin/x',
        '/etc/x',
        '/etc/passwd',
        '/x',
        '/home/x',
        '/var/x',
        '/bin/x',
      ])
        expect((await failure(sandbox.commands.run(`touch ${path}`))).stderr).toMatch(
          /Read-only file system|Permission denied/,
        )
      expect((await failure(sandbox.commands.run('echo hacked >> /etc/resolv.conf'))).exitCode).not.toBe(0)
      await sandbox.commands.run(
        'touch /workspace/ok /tmp/ok /home/sandbox/ok /dev/shm/ok /var/tmp/ok && ls /workspace/ok /tmp/ok',
      )
      // What it writes on the host belongs to its uid, never to root.
      await sandbox.files.write('via-api.txt', 'x')
      const uid = await uidOf(sandbox)
      expect((await stat(join(root, sandbox.sandboxId, 'workspace', 'via-api.txt'))).uid).toBe(uid)
      expect((await stat(join(root, sandbox.sandboxId, 'workspace', 'ok'))).uid).toBe(uid)
    })

    it('sees only its own processes, and not the server environment', async () => {
      const sandbox = await make({ envs: { MINE: 'visible' } })
      const { stdout } = await sandbox.commands.run("ls /proc | grep -cE '^[0-9]+$'; ps -eo comm")
      const [count, ...names] = stdout.trim().split('\n')
      // With network on, the command's egress relay (socat) runs beside it, inside the sandbox.
      expect(Number(count)).toBeLessThanOrEqual(6)
      expect(
        names.slice(1).every((name) => ['bwrap', 'sh', 'ps', 'grep', 'ls', 'socat'].includes(name)),
      ).toBe(true)
      expect((await failure(sandbox.commands.run(`kill -0 ${process.pid}`))).exitCode).not.toBe(0)
      // pid 1 is bwrap's root-owned reaper: its environment is unreadable.
      expect((await failure(sandbox.commands.run('cat /proc/1/environ'))).stderr).toMatch(/Permission denied/)
      const environ = await sandbox.commands.run("cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; true")
      expect(environ.stdout).toContain('MINE=visible')
      expect(environ.stdout).not.toContain(canaryName)
      expect(environ.stdout).not.toContain(canaryValue)
    })

    describe('network', () => {
      let server: Server
      let port: number
      let received: string[]
      beforeAll(async () => {
        received = []
        server = createServer((socket) => socket.on('data', (data) => received.push(data.toString().trim())))
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
        port = (server.address() as { port: number }).port
      })
      afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
      const connect = (word: string) => `bash -c 'echo ${word} > /dev/tcp/127.0.0.1/${port}'`

      it('off: a TCP server on the host loopback is unreachable', async () => {
        const sandbox = await make({ network: NETWORK_OFF })
        const result = await failure(sandbox.commands.run(connect('off')))
        expect(result.stderr).toMatch(/Connection refused|Network is unreachable|connect/)
        expect(
          (await sandbox.commands.run('ls /sys/class/net 2>/dev/null; cat /proc/net/dev')).stdout,
        ).not.toMatch(/eth0|ens|enp/)
        await sleep(100)
        expect(received).not.toContain('off')
      })

      it('on: the host loopback stays out of reach (the sandbox has its own network namespace)', async () => {
        const online = await make({ network: { mode: 'internet' } })
        const result = await failure(online.commands.run(connect('on')))
        expect(result.stderr).toMatch(/Connection refused|Network is unreachable|connect/)
        const allowed = await make({ network: { mode: 'allowlist', allow: [`127.0.0.1:${port}`] } })
        // Even a destination the policy names is reached only through the egress proxy, never directly.
        await failure(allowed.commands.run(connect('direct')))
        await sleep(200)
        expect(received).not.toContain('on')
        expect(received).not.toContain('direct')
      })
    })

    it('contains a fork bomb: the host stays responsive and nothing survives the timeout', async () => {
      const sandbox = await make()
      const uid = await uidOf(sandbox)
      const started = Date.now()
      // The classic bomb needs bash (dash refuses `:` as a function name).
      const bomb = failure(sandbox.commands.run("bash -c ':(){ :|:& };:'; sleep 10", { timeoutMs: 3000 }))
      await sleep(1500)
      const probeStarted = Date.now()
      await sh('/bin/true')
      const probeMs = Date.now() - probeStarted
      const during = (await processesOf(uid, uid + 1)).get(uid)?.length ?? 0
      const result = await bomb
      expect(result.error).toBe('timeout')
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(during).toBeGreaterThan(100) // it did explode…
      expect(during).toBeLessThanOrEqual(512) // …up to the limit only
      expect(probeMs).toBeLessThan(2000)
      expect(await leftovers(uid)).toEqual([])
    })

    it('cuts a 100 MB flood at the 10 MB cap', async () => {
      const sandbox = await make()
      const started = Date.now()
      const result = await failure(sandbox.commands.run("head -c 100000000 /dev/zero | tr '\\0' x"))
      expect(result.error).toBe('output_limit')
      expect(result.truncated).toBe(true)
      expect(result.stdout.length).toBe(10 * 1024 * 1024)
      expect(Date.now() - started).toBeLessThan(15_000)
    })

    it('kills a script that never ends at the timeout, leaving no process behind', async () => {
      const sandbox = await make()
      const uid = await uidOf(sandbox)
      const result = await failure(
        sandbox.commands.run("trap '' TERM HUP INT; (trap '' TERM; sleep 1000) & while :; do sleep 1; done", {
          timeoutMs: 1000,
        }),
      )
      expect(result.error).toBe('timeout')
      expect(await leftovers(uid, 1000)).toEqual([])
    })

    it('keeps create-time envs in memory only: not in meta.json, lost on reconnect after a restart', async () => {
      const restartRoot = join(scratch, 'restart')
      const before = new LocalSandboxProvider({ root: restartRoot, uidBase: UID_BASE + 500, uidCount: 100 })
      const secret = `tok-${randomBytes(8).toString('hex')}`
      const sandbox = await before.create({
        envs: { TOKEN: secret },
        metadata: { k: 'v' },
        network: NETWORK_OFF,
      })
      expect((await sandbox.commands.run('echo $TOKEN')).stdout).toBe(`${secret}\n`)
      const metaText = await readFile(join(restartRoot, sandbox.sandboxId, 'meta.json'), 'utf8')
      expect(metaText).not.toContain(secret)
      expect(metaText).not.toContain('TOKEN')
      expect(JSON.parse(metaText)).toMatchObject({
        uid: UID_BASE + 500,
        network: NETWORK_OFF,
        metadata: { k: 'v' },
      })
      expect((await stat(join(restartRoot, sandbox.sandboxId, 'meta.json'))).mode & 0o777).toBe(0o600)
      expect((await stat(restartRoot)).mode & 0o777).toBe(0o700)
      await before.close()
      const after = new LocalSandboxProvider({ root: restartRoot, uidBase: UID_BASE + 500, uidCount: 100 })
      const again = await after.connect(sandbox.sandboxId)
      expect((await again.commands.run('echo "$' + '{TOKEN:-lost}"; id -u')).stdout).toBe(
        `lost\n${UID_BASE + 500}\n`,
      )
      await again.kill()
    })

    it('binds extraReadOnlyBinds read-only at the same path', async () => {
      const mirror = join(scratch, 'mirror.git')
      await mkdir(join(mirror, 'objects'), { recursive: true })
      await writeFile(join(mirror, 'objects', 'pack.txt'), 'objects')
      const sandbox = await make({ extraReadOnlyBinds: [mirror] })
      expect((await sandbox.commands.run(`cat ${mirror}/objects/pack.txt`)).stdout).toBe('objects')
      expect((await failure(sandbox.commands.run(`touch ${mirror}/objects/x`))).stderr).toMatch(/Read-only/)
      // Nothing else of the scratch folder comes with it.
      expect((await sandbox.commands.run(`ls ${scratch}`)).stdout).toBe('mirror.git\n')
      for (const bind of [join(scratch, 'nope'), '/proc', '/proc/1', '/sys', '/dev/sda', '/', 'relative']) {
        const refused = await provider.create({ extraReadOnlyBinds: [bind] }).catch((e) => e)
        expect(refused).toBeInstanceOf(AppError)
        expect((refused as AppError).code).toBe('bad_request')
      }
    })

    it('mounts a git template as an overlay the sandbox can work in, without changing the template', async () => {
      const template = join(scratch, 'template')
      await mkdir(join(template, 'src'), { recursive: true })
      await writeFile(join(template, 'src', 'a.txt'), 'template\n')
      const git = (...args: string[]) =>
        sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd: template })
      await git('init', '-q', '-b', 'main')
      await git('add', '-A')
      await git('commit', '-qm', 'init')
      const head = (await git('rev-parse', 'HEAD')).stdout.trim()
      await chmod(template, 0o755)

      const sandbox = await provider.create({ workspaceTemplate: template })
      const meta = await metaOf(sandbox)
      expect(meta.workspace).toBe('overlay')
      const dir = join(root, sandbox.sandboxId)
      // The overlay, and the disk quota's filesystem that holds its upper layer (see disk-quota.ts).
      expect((await mountsUnder(dir)).sort()).toEqual([join(dir, 'disk'), join(dir, 'disk', 'workspace')])
      const envs = {
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@e',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@e',
      }
      const work = await sandbox.commands.run(
        'echo mine >> src/a.txt && echo new > src/b.txt && git status --porcelain && ' +
          'git checkout -q -b task && git add -A && git commit -qm change && git log --format=%s',
        { envs },
      )
      expect(work.stdout).toBe(' M src/a.txt\n?? src/b.txt\nchange\ninit\n')
      // The template is as it was: contents, history, owner.
      expect(await readFile(join(template, 'src', 'a.txt'), 'utf8')).toBe('template\n')
      expect(existsSync(join(template, 'src', 'b.txt'))).toBe(false)
      expect((await git('rev-parse', 'HEAD')).stdout.trim()).toBe(head)
      expect((await git('status', '--porcelain')).stdout).toBe('')
      expect((await stat(join(template, 'src', 'a.txt'))).uid).toBe(0)
      // Only the upper layer grew: a few entries, not a copy of the tree.
      const upper = await sh('find', [join(dir, 'disk', 'overlay', 'upper')])
      expect(upper.stdout.split('\n').length).toBeLessThan(60)

      await sandbox.kill()
      expect(await mountsUnder(dir)).toEqual([])
      expect(existsSync(dir)).toBe(false)
    })

    it('after a server crash: no sandbox process survives, and cleanupOrphans removes stale mounts', async () => {
      const crashRoot = join(scratch, 'crash')
      const template = join(scratch, 'crash-template')
      await mkdir(template, { recursive: true })
      await writeFile(join(template, 'f.txt'), 'f')
      const script = `
      import { LocalSandboxProvider } from ${JSON.stringify(join(import.meta.dirname, '../../src/sandbox/local/local-sandbox-provider.ts'))}
      const provider = new LocalSandboxProvider({ root: ${JSON.stringify(crashRoot)}, uidBase: ${UID_BASE + 700}, uidCount: 10 })
      const sandbox = await provider.create({ workspaceTemplate: ${JSON.stringify(template)} })
      await sandbox.commands.run('sleep 1000', { background: true })
      await sandbox.commands.run('(sleep 1000 &) ; sleep 1000', { background: true })
      console.log(sandbox.sandboxId)
      setInterval(() => {}, 1000)
    `
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const sandboxId = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (data: Buffer) => resolve(data.toString().trim()))
        child.once('exit', (code) => reject(new Error(`crash fixture exited with ${code}`)))
      })
      const uid = UID_BASE + 700
      await sleep(300)
      expect(((await processesOf(uid, uid + 1)).get(uid) ?? []).length).toBeGreaterThan(0)
      child.kill('SIGKILL')
      expect(await leftovers(uid)).toEqual([])
      expect(await mountsUnder(join(crashRoot, sandboxId))).toHaveLength(2) // the stale overlay and disk

      const next = new LocalSandboxProvider({ root: crashRoot, uidBase: UID_BASE + 700, uidCount: 10 })
      await mkdir(join(crashRoot, 'sbx-00000000000000ff')) // a half-created folder (no meta.json)
      expect((await next.cleanupOrphans([])).sort()).toEqual(['sbx-00000000000000ff', sandboxId].sort())
      expect(await mountsUnder(crashRoot)).toEqual([])
      expect(await loopDevicesUnder(crashRoot)).toEqual([])
      expect(existsSync(join(crashRoot, sandboxId))).toBe(false)
      await next.close()
    })

    it('says how to install bubblewrap when it is missing', async () => {
      const missing = new LocalSandboxProvider({
        root: join(scratch, 'missing'),
        bwrapPath: '/nonexistent/bwrap',
      })
      const error = await missing.create().catch((e) => e)
      expect(error).toBeInstanceOf(AppError)
      expect(error.code).toBe('unavailable')
      expect(error.message).toContain('apt-get install bubblewrap')
      expect(error.message).toContain('SQUAD_SANDBOX=process')
    })

    it.skipIf(!nobodyCanRunSources)(
      nobodyCanRunSources
        ? 'works for an unprivileged server too (bwrap in its own user namespace, workspace copied)'
        : 'works for an unprivileged server too (skipped: uid 65534 cannot read this checkout or run its Node)',
      async () => {
        const nobodyRoot = join(scratch, 'nobody')
        await mkdir(nobodyRoot, { mode: 0o700 })
        await chown(nobodyRoot, 65534, 65534)
        const template = join(scratch, 'nobody-template')
        await mkdir(template)
        await writeFile(join(template, 'seed.txt'), 'seed\n')
        await chmod(scratch, 0o755)
        const script = `
      import { LocalSandboxProvider } from ${JSON.stringify(join(import.meta.dirname, '../../src/sandbox/local/local-sandbox-provider.ts'))}
      const provider = new LocalSandboxProvider({ root: ${JSON.stringify(join(nobodyRoot, 'sb'))} })
      const sandbox = await provider.create({ workspaceTemplate: ${JSON.stringify(template)}, network: { mode: 'off' } })
      const run = await sandbox.commands.run('id -u; cat seed.txt; echo more >> seed.txt; ls /proc | grep -cE "^[0-9]+$"; touch /usr/x 2>&1 || true')
      await sandbox.files.write('api.txt', 'api')
      let escaped = 'refused'
      await sandbox.files.read('/etc/passwd').then(() => (escaped = 'read'), () => {})
      const meta = JSON.parse(await (await import('node:fs/promises')).readFile(${JSON.stringify(join(nobodyRoot, 'sb'))} + '/' + sandbox.sandboxId + '/meta.json', 'utf8'))
      console.log(JSON.stringify({ stdout: run.stdout, api: await sandbox.files.read('api.txt'), escaped, workspace: meta.workspace }))
      await sandbox.kill()
    `
        const { stdout } = await sh(
          'setpriv',
          [
            '--reuid=65534',
            '--regid=65534',
            '--clear-groups',
            '--',
            process.execPath,
            '--input-type=module',
            '-e',
            script,
          ],
          { cwd: '/', env: { PATH: process.env.PATH ?? '' } },
        )
        const report = JSON.parse(stdout) as {
          stdout: string
          api: string
          escaped: string
          workspace: string
        }
        const [uid, seed, processes, touch] = report.stdout.split('\n')
        expect(uid).toBe('65534')
        expect(seed).toBe('seed')
        expect(Number(processes)).toBeLessThanOrEqual(5)
        expect(touch).toMatch(/Read-only file system/)
        expect(report).toMatchObject({ api: 'api', escaped: 'refused', workspace: 'copy' })
        expect(await readFile(join(template, 'seed.txt'), 'utf8')).toBe('seed\n')
      },
    )
  },
)
