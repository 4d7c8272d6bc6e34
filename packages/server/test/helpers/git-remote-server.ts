import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { runHttpBackend } from '../../src/forge/local/http-backend.ts'

const execFileAsync = promisify(execFile)

/**
 * Real git remotes for the "any git remote" tests, on this machine's loopback: bare repositories
 * served over smart HTTP by `git http-backend` behind Basic auth (a token as the password, any user
 * name, like GitHub, GitLab and Gitea), and over ssh by an sshd of the test's own.
 */

const gitEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmpdir(),
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Remote Seed',
  GIT_AUTHOR_EMAIL: 'seed@example.com',
  GIT_COMMITTER_NAME: 'Remote Seed',
  GIT_COMMITTER_EMAIL: 'seed@example.com',
}

/** git, asynchronously (the server under test runs in this process). */
export async function gitIn(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, encoding: 'utf8', env: gitEnv })
  return stdout.trim()
}

/** A bare repository at `path`: empty, or holding one commit of `files` on each of `branches`. */
export async function makeBareRepo(
  path: string,
  options: { files?: Record<string, string>; branches?: string[]; head?: string } = {},
) {
  await mkdir(path, { recursive: true })
  const head = options.head ?? options.branches?.[0] ?? 'main'
  await gitIn(path, ['init', '-q', '--bare', '-b', head])
  if (!options.files) return
  const work = await mkdtemp(join(tmpdir(), 'remote-seed-'))
  try {
    await gitIn(work, ['init', '-q', '-b', head])
    for (const [name, content] of Object.entries(options.files)) await writeFile(join(work, name), content)
    await gitIn(work, ['add', '-A'])
    await gitIn(work, ['commit', '-qm', 'initial commit'])
    for (const branch of options.branches ?? [head])
      await gitIn(work, ['push', '-q', path, `HEAD:refs/heads/${branch}`])
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** The head of `branch` in a bare repository, or null when it has no such branch. */
export async function branchHead(repoPath: string, branch: string): Promise<string | null> {
  try {
    return await gitIn(repoPath, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])
  } catch {
    return null
  }
}

export type HttpGitRemote = {
  /** Where the bare repositories live (`<root>/<name>.git`). */
  root: string
  url(name: string): string
  /** Every request's Authorization header as received (to look for leaks and count auth failures). */
  requests: { path: string; authorized: boolean }[]
  stop(): Promise<void>
}

/**
 * Serves `<root>/<name>.git` at `http://127.0.0.1:<port>/<name>.git` with `git http-backend`;
 * every request needs `Authorization: Basic base64(<any user>:<token>)`, or it answers 401.
 */
export async function startHttpGitRemote(options: { token: string }): Promise<HttpGitRemote> {
  const root = await mkdtemp(join(tmpdir(), 'http-remote-'))
  const requests: HttpGitRemote['requests'] = []
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')
    const decoded = basic ? Buffer.from(basic[1] as string, 'base64').toString('utf8') : ''
    const colon = decoded.indexOf(':')
    const authorized = colon > 0 && decoded.slice(colon + 1) === options.token
    requests.push({ path: url.pathname, authorized })
    if (!authorized) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' })
      res.end('authentication required\n')
      return
    }
    try {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
      const response = await runHttpBackend({
        projectRoot: root,
        pathInfo: decodeURIComponent(url.pathname),
        query: url.search.replace(/^\?/, ''),
        method: req.method ?? 'GET',
        contentType: req.headers['content-type'],
        contentLength: req.headers['content-length'],
        contentEncoding: req.headers['content-encoding'],
        gitProtocol: req.headers['git-protocol'] as string | undefined,
        remoteUser: decoded.slice(0, colon),
        remoteAddr: req.socket.remoteAddress ?? '127.0.0.1',
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
      })
      res.writeHead(response.status, Object.fromEntries(response.headers))
      if (response.body) Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).pipe(res)
      else res.end()
    } catch (error) {
      res.writeHead(500)
      res.end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    root,
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    requests,
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(root, { recursive: true, force: true })
    },
  }
}

/** Why an sshd cannot be started here, or null. */
export const sshdSkip = existsSync('/usr/sbin/sshd')
  ? existsSync('/usr/bin/ssh') || existsSync('/bin/ssh')
    ? null
    : 'ssh is not installed (apt-get install openssh-client)'
  : 'sshd is not installed (apt-get install openssh-server)'

export type SshGitRemote = {
  root: string
  /** `ssh://<user>@127.0.0.1:<port><root>/<name>.git` */
  url(name: string): string
  /** The client key sshd accepts (an OpenSSH private key, no passphrase). */
  privateKey: string
  /** Another key, which sshd does not accept. */
  strangerKey: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

async function keyPair(path: string) {
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'squad-test', '-f', path])
  return {
    privateKey: await readFile(path, 'utf8'),
    publicKey: (await readFile(`${path}.pub`, 'utf8')).trim(),
  }
}

/**
 * An sshd of the test's own on 127.0.0.1 (a random port, its own host key), letting in exactly one
 * key as the current user, and only to run git-shell (fetch and push, nothing else): what a forge's
 * deploy key gets. Runs as the current user (root in CI, which needs /run/sshd).
 */
export async function startSshGitRemote(): Promise<SshGitRemote> {
  const dir = await mkdtemp(join(tmpdir(), 'ssh-remote-'))
  const root = join(dir, 'repos')
  await mkdir(root)
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')])
  const client = await keyPair(join(dir, 'client_key'))
  const stranger = await keyPair(join(dir, 'stranger_key'))
  await writeFile(
    join(dir, 'authorized_keys'),
    `restrict,command="git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"" ${client.publicKey}\n`,
    { mode: 0o600 },
  )
  const user = userInfo().username
  const port = await freePort()
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `AllowUsers ${user}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PidFile none',
    'LogLevel ERROR',
    '',
  ].join('\n')
  await writeFile(join(dir, 'sshd_config'), config)
  await chmod(dir, 0o755)
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 })
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  sshd.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8')
  })
  const exited = new Promise<void>((resolve) => sshd.once('exit', () => resolve()))
  const deadline = Date.now() + 10_000
  for (;;) {
    if (sshd.exitCode !== null) throw new Error(`sshd exited: ${stderr}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (open) break
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    root,
    url: (name) => `ssh://${user}@127.0.0.1:${port}${root}/${name}.git`,
    privateKey: client.privateKey,
    strangerKey: stranger.privateKey,
    async stop() {
      if (sshd.exitCode === null) sshd.kill('SIGTERM')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}
