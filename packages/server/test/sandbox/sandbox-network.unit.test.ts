import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlockedConnection } from '../../src/sandbox/blocked-connections.ts'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import {
  compilePolicy,
  isPublicAddress,
  NETWORK_OFF,
  networkPolicyOf,
  parseAllowEntry,
  remoteDestination,
} from '../../src/sandbox/network-policy.ts'
import type { NetworkPolicy } from '../../src/sandbox/sandbox-provider.ts'

const sh = promisify(execFile)
const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].some((path) => existsSync(path))
const hasSocat = ['/usr/bin/socat', '/usr/local/bin/socat'].some((path) => existsSync(path))
const hasCurl = existsSync('/usr/bin/curl')
const isRoot = process.getuid?.() === 0
const skipSandbox = !hasBwrap
  ? 'bubblewrap is not installed (apt-get install bubblewrap)'
  : !hasSocat
    ? 'socat is not installed (apt-get install socat)'
    : !hasCurl
      ? 'curl is not installed (apt-get install curl)'
      : !isRoot
        ? 'these tests run the server as root (per-sandbox uids), as in production'
        : null
const hasIp = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].some((path) => existsSync(path))

describe('network policy', () => {
  it('tells public addresses from this host, loopback, link-local and private ranges', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '151.101.1.69'])
      expect(isPublicAddress(address), address).toBe(true)
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a00:1',
      'not-an-address',
    ])
      expect(isPublicAddress(address), address).toBe(false)
  })

  it('parses allow entries: names, subdomains, ports, addresses and ranges', () => {
    expect(parseAllowEntry('registry.npmjs.org')).toMatchObject({ kind: 'host', host: 'registry.npmjs.org' })
    expect(parseAllowEntry('*.GitHub.com:443')).toMatchObject({
      host: 'github.com',
      subdomains: true,
      port: 443,
    })
    expect(parseAllowEntry('10.0.0.0/8')).toMatchObject({ kind: 'address' })
    expect(parseAllowEntry('[::1]:8000')).toMatchObject({ kind: 'address', port: 8000 })
    expect(parseAllowEntry('fd00::/8')).toMatchObject({ kind: 'address' })
    for (const bad of ['http://x', 'a b', 'host:99999', '10.0.0.0/40', '-bad-.com', 'x:y'])
      expect(parseAllowEntry(bad), bad).toBeUndefined()
  })

  it('decides: off refuses all, internet only public, allowlist only what it names', () => {
    const off = compilePolicy(NETWORK_OFF)
    expect(off.decide('example.com', '93.184.216.34', 443).allowed).toBe(false)
    const internet = compilePolicy({ mode: 'internet', allow: ['10.9.0.0/16', 'git.corp:8443'] })
    expect(internet.decide('example.com', '93.184.216.34', 443).allowed).toBe(true)
    expect(internet.decide('metadata', '169.254.169.254', 80)).toMatchObject({ allowed: false })
    expect(internet.decide('x', '10.9.1.1', 22).allowed).toBe(true) // named by a range
    expect(internet.decide('git.corp', '10.1.1.1', 8443).allowed).toBe(true) // named by host and port
    expect(internet.decide('git.corp', '10.1.1.1', 22).allowed).toBe(false) // not on that port
    const allowlist = compilePolicy(networkPolicyOf('allowlist'))
    expect(allowlist.decide('registry.npmjs.org', '104.16.0.1', 443).allowed).toBe(true)
    expect(allowlist.decide('api.github.com', '140.82.1.1', 443).allowed).toBe(true) // *.github.com
    expect(allowlist.decide('evil.example', '93.184.216.34', 443)).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('not in the squad'),
    })
    expect(networkPolicyOf('internet')).toEqual({ mode: 'internet' })
    expect(networkPolicyOf('allowlist', ['a.test'])).toEqual({ mode: 'allowlist', allow: ['a.test'] })
    expect(remoteDestination('http://127.0.0.1:8000/git/x.git')).toBe('127.0.0.1:8000')
    expect(remoteDestination('https://github.com/o/r.git')).toBe('github.com:443')
    expect(remoteDestination('git@github.com:o/r.git')).toBe('github.com:22')
    expect(remoteDestination('ssh://git@127.0.0.1:2222/srv/r.git')).toBe('127.0.0.1:2222')
    expect(remoteDestination('file:///srv/r.git')).toBeUndefined()
  })
})

/*
 * Attacks from inside a real sandbox, as a task script would make them. Each target listens on this
 * machine; "refused" means the bytes never arrive, whichever way the script tries (directly, or
 * through the egress proxy the sandbox's own environment names).
 */
describe.skipIf(skipSandbox)('sandbox network (local provider)', () => {
  let root: string
  let provider: LocalSandboxProvider
  let server: Server
  let port: number
  const hits: string[] = []
  const blocked: BlockedConnection[] = []
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'squad-net-test-'))
    provider = new LocalSandboxProvider({
      root,
      uidBase: 245_000,
      uidCount: 500,
      onBlocked: (b) => blocked.push(b),
      // A local DNS for the test: both names are this machine's loopback.
      resolve: async (host) => (host.endsWith('.test') ? ['127.0.0.1'] : []),
    })
    server = createServer((req, res) => {
      hits.push(req.url ?? '')
      res.end(`reached ${req.url}\n`)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await provider.close()
    await provider.cleanupOrphans([])
    await rm(root, { recursive: true, force: true })
  })

  const run = async (network: NetworkPolicy, script: string) => {
    const sandbox = await provider.create({ network, metadata: { execution_id: 'exec-1' } })
    try {
      const result = await sandbox.commands.run(script).catch((error) => error.result)
      return `${result.stdout}${result.stderr}`
    } finally {
      await sandbox.kill()
    }
  }
  /** Prints the HTTP status curl got (000: no connection), straight or through the sandbox's proxy. */
  const probe = (label: string, url: string, via: 'direct' | 'proxy') =>
    via === 'direct'
      ? `echo "${label} $(curl -s -m 3 --noproxy '*' -o /dev/null -w '%{http_code}' ${url})"`
      : `echo "${label} $(curl -s -m 3 --noproxy '' -x "$HTTP_PROXY" -o /dev/null -w '%{http_code}' ${url})"`

  it('with network on, the host loopback is unreachable directly and through the proxy', async () => {
    blocked.length = 0
    const out = await run(
      { mode: 'internet' },
      [
        probe('direct', `http://127.0.0.1:${port}/direct`, 'direct'),
        probe('proxy', `http://127.0.0.1:${port}/proxied`, 'proxy'),
        probe('tunnel', `https://127.0.0.1:${port}/tunnel`, 'proxy'),
        probe('localhost', `http://localhost:${port}/by-name`, 'proxy'),
        // The cloud metadata address, refused before any packet leaves.
        probe('metadata', 'http://169.254.169.254/latest/meta-data/', 'proxy'),
      ].join('\n'),
    )
    expect(out).toContain('direct 000')
    expect(out).toContain('proxy 403')
    expect(out).toMatch(/tunnel (000|403)/) // curl reports the refused CONNECT as no connection
    expect(out).toContain('localhost 403')
    expect(out).toContain('metadata 403')
    expect(hits).toEqual([])
    expect(blocked.map((b) => `${b.host}:${b.port}`)).toEqual(
      expect.arrayContaining([`127.0.0.1:${port}`, `localhost:${port}`, '169.254.169.254:80']),
    )
    expect(blocked[0]).toMatchObject({ metadata: { execution_id: 'exec-1' }, reason: expect.any(String) })
  })

  it('allowlist: a named host is reachable through the proxy, any other is refused', async () => {
    blocked.length = 0
    hits.length = 0
    const out = await run(
      { mode: 'allowlist', allow: [`allowed.test:${port}`] },
      [
        probe('allowed', `http://allowed.test:${port}/allowed`, 'proxy'),
        probe('other', `http://other.test:${port}/other`, 'proxy'),
        probe('wrong-port', `http://allowed.test:1/other-port`, 'proxy'),
      ].join('\n'),
    )
    expect(out).toContain('allowed 200')
    expect(out).toContain('other 403')
    expect(out).toContain('wrong-port 403')
    expect(hits).toEqual(['/allowed'])
    expect(blocked.map((b) => b.host)).toEqual(['other.test', 'allowed.test'])
    expect(blocked[0]?.reason).toMatch(/not in the squad's network allowlist/)
  })

  it('off: no proxy, no relay, and nothing reachable', async () => {
    hits.length = 0
    const out = await run(
      NETWORK_OFF,
      [
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
        'echo "proxy=${HTTP_PROXY:-none}"',
        'test -e /run/squad/egress.sock && echo socket || echo no-socket',
        probe('direct', `http://127.0.0.1:${port}/off`, 'direct'),
      ].join('\n'),
    )
    expect(out).toContain('proxy=none')
    expect(out).toContain('no-socket')
    expect(out).toContain('direct 000')
    expect(hits).toEqual([])
  })

  it('one command may name the one destination it needs (the pipeline reaching its forge)', async () => {
    hits.length = 0
    const sandbox = await provider.create({ network: NETWORK_OFF })
    try {
      const forge: NetworkPolicy = { mode: 'allowlist', allow: [`127.0.0.1:${port}`] }
      const got = await sandbox.commands.run(
        `curl -s -m 3 --noproxy '' -x "$HTTP_PROXY" http://127.0.0.1:${port}/forge`,
        { network: forge },
      )
      expect(got.stdout).toBe('reached /forge\n')
      const after = await sandbox.commands.run(probe('after', `http://127.0.0.1:${port}/after`, 'direct'))
      expect(after.stdout).toContain('after 000')
      expect(hits).toEqual(['/forge'])
    } finally {
      await sandbox.kill()
    }
  })

  /*
   * A host on a private network: the test makes its own network namespace with a veth pair, gives
   * the far end a private address (10.213.x.2) and listens there. The host can route to it, so only
   * the policy stands between the sandbox and that listener.
   */
  describe.skipIf(!hasIp)('a listener on a private-range address', () => {
    const ns = `sqt-${randomBytes(3).toString('hex')}`
    const hostEnd = `sqh${randomBytes(3).toString('hex')}`
    const nsEnd = `sqn${randomBytes(3).toString('hex')}`
    const subnet = 10 + (randomBytes(1)[0] as number) // 10.213.<n>.0/30, n chosen at random
    const privateAddress = `10.213.${subnet}.2`
    let listener: ReturnType<typeof spawn> | undefined
    beforeAll(async () => {
      await sh('ip', ['netns', 'add', ns])
      await sh('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd])
      await sh('ip', ['link', 'set', nsEnd, 'netns', ns])
      await sh('ip', ['addr', 'add', `10.213.${subnet}.1/30`, 'dev', hostEnd])
      await sh('ip', ['link', 'set', hostEnd, 'up'])
      await sh('ip', ['-n', ns, 'addr', 'add', `${privateAddress}/30`, 'dev', nsEnd])
      await sh('ip', ['-n', ns, 'link', 'set', nsEnd, 'up'])
      await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
      listener = spawn(
        'ip',
        [
          'netns',
          'exec',
          ns,
          process.execPath,
          '-e',
          `require('node:http').createServer((q, r) => r.end('private-reached\\n')).listen(8080, '${privateAddress}')`,
        ],
        { stdio: 'ignore' },
      )
      for (let i = 0; i < 50; i++) {
        const { stdout } = await sh('ip', ['netns', 'exec', ns, 'cat', '/proc/net/tcp'])
        if (stdout.includes(':1F90 00000000:0000 0A')) break
        await new Promise((r) => setTimeout(r, 50))
      }
    })
    afterAll(async () => {
      listener?.kill('SIGKILL')
      await sh('ip', ['link', 'del', hostEnd]).catch(() => {})
      await sh('ip', ['netns', 'del', ns]).catch(() => {})
    })

    it('is refused with network on, and reached only when the squad names it', async () => {
      const url = `http://${privateAddress}:8080/`
      const refused = await run(
        { mode: 'internet' },
        [probe('direct', url, 'direct'), probe('proxy', url, 'proxy')].join('\n'),
      )
      expect(refused).toContain('direct 000')
      expect(refused).toContain('proxy 403')
      // The same listener, named explicitly: proof that only the policy refused it above.
      const allowed = await run(
        { mode: 'internet', allow: [`${privateAddress}/32`] },
        `curl -s -m 3 --noproxy '' -x "$HTTP_PROXY" ${url}`,
      )
      expect(allowed).toContain('private-reached')
    })
  })
})
