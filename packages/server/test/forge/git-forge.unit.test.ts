import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseLsRemote } from '../../src/forge/git/check-remote.ts'
import {
  DEFAULT_TOKEN_USER,
  isSshPrivateKey,
  remoteCredential,
  sshKeyProblem,
} from '../../src/forge/git/remote-credential.ts'
import { gitCredentialEnv, sandboxSshPrelude, secretsOf, sshCommand } from '../../src/git/credentials.ts'
import { isSshRemote, remoteEndpoint } from '../../src/git/remote-url.ts'

/** A fresh ed25519 key, with or without a passphrase, as ssh-keygen writes it. */
function newKey(passphrase = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'key-'))
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', join(dir, 'k')])
    return readFileSync(join(dir, 'k'), 'utf8')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
const hasSshKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' })
    return true
  } catch (error) {
    return (error as { status?: number }).status !== undefined
  }
})()

describe('remote URLs', () => {
  it('reads the transport, host and port of every form git accepts', () => {
    expect(remoteEndpoint('https://gitlab.com/a/b.git')).toEqual({
      transport: 'https',
      host: 'gitlab.com',
      port: 443,
    })
    expect(remoteEndpoint('http://127.0.0.1:8080/b.git')).toEqual({
      transport: 'http',
      host: '127.0.0.1',
      port: 8080,
    })
    expect(remoteEndpoint('ssh://git@host.example:2222/srv/b.git')).toEqual({
      transport: 'ssh',
      host: 'host.example',
      port: 2222,
    })
    expect(remoteEndpoint('git@bitbucket.org:team/b.git')).toEqual({
      transport: 'ssh',
      host: 'bitbucket.org',
      port: 22,
    })
    expect(remoteEndpoint('file:///srv/b.git')).toEqual({ transport: 'file' })
    expect(isSshRemote('git@github.com:o/r.git')).toBe(true)
    expect(isSshRemote('https://github.com/o/r.git')).toBe(false)
  })
})

describe('a remote credential from a squad secret', () => {
  const base = { secretName: 'GIT_TOKEN', knownHostsFile: '/kh' }
  const basicOf = (header: string) =>
    Buffer.from(header.replace(/^Authorization: Basic /, ''), 'base64').toString('utf8')

  it('sends a token as HTTP Basic with a default user, or the user the secret names', () => {
    const plain = remoteCredential({ ...base, value: 'glpat-abc123\n', ssh: false })
    expect('httpHeader' in plain && basicOf(plain.httpHeader)).toBe(`${DEFAULT_TOKEN_USER}:glpat-abc123`)
    const named = remoteCredential({ ...base, value: 'x-token-auth:ATCTT3xFf', ssh: false })
    expect('httpHeader' in named && basicOf(named.httpHeader)).toBe('x-token-auth:ATCTT3xFf')
  })

  it('refuses a token for an ssh URL and a key for an https one, saying what to do', () => {
    expect(() => remoteCredential({ ...base, value: 'tok', ssh: true })).toThrow(/is not an ssh private key/)
    expect(() =>
      remoteCredential({ ...base, value: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n', ssh: false }),
    ).toThrow(/holds an ssh private key, but the repository URL is not an ssh one/)
    expect(() => remoteCredential({ ...base, value: 'two words', ssh: false })).toThrow(/one token/)
  })

  it.skipIf(!hasSshKeygen)('takes an ssh key without a passphrase and refuses one with a passphrase', () => {
    const key = newKey()
    expect(isSshPrivateKey(key)).toBe(true)
    expect(sshKeyProblem(key)).toBeNull()
    const credential = remoteCredential({ ...base, value: key, ssh: true })
    expect(credential).toEqual({ sshKey: key.trim(), knownHostsFile: '/kh' })
    expect(sshKeyProblem(newKey('secret passphrase'))).toMatch(/passphrase/)
    // The redactor learns the key and each of its lines.
    const secrets = secretsOf(credential)
    expect(secrets[0]).toBe(key.trim())
    expect(secrets.length).toBeGreaterThan(2)
    expect(secrets.slice(1).some((s) => s.startsWith('-----'))).toBe(false)
  })

  it('teaches the redactor the token inside a Basic header', () => {
    const credential = remoteCredential({ ...base, value: 'user:s3cr3t-token-value', ssh: false })
    expect(secretsOf(credential)).toContain('s3cr3t-token-value')
  })
})

describe('git environment for credentials', () => {
  it('drops credential helpers and passes a header only in the environment', () => {
    expect(gitCredentialEnv(null)).toMatchObject({
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '',
    })
    const env = gitCredentialEnv({ httpHeader: 'Authorization: Basic eDp5' })
    expect(env).toMatchObject({ GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_1: 'http.extraHeader' })
  })

  it('runs ssh with its key only, no config, no prompts, and the proxy when asked', () => {
    const command = sshCommand({
      keyFile: '/k',
      knownHostsFile: '/kh',
      hostKeys: 'yes',
      proxy: { host: '127.0.0.1', port: 3128 },
    })
    for (const option of [
      '-F /dev/null',
      '-i /k',
      'IdentitiesOnly=yes',
      'BatchMode=yes',
      'StrictHostKeyChecking=yes',
      'UserKnownHostsFile=/kh',
    ])
      expect(command).toContain(option)
    expect(command).toContain("-o 'ProxyCommand=socat - PROXY:127.0.0.1:%h:%p,proxyport=3128'")
    const prelude = sandboxSshPrelude(undefined)
    expect(prelude).toContain('mktemp -d')
    expect(prelude).toContain('unset SQUAD_SSH_KEY')
    expect(prelude).toContain('trap')
  })
})

describe('ls-remote --symref', () => {
  it("reads HEAD's branch and every branch's head", () => {
    const sha = 'a'.repeat(40)
    const parsed = parseLsRemote(
      `ref: refs/heads/trunk\tHEAD\n${sha}\tHEAD\n${sha}\trefs/heads/trunk\n${'b'.repeat(40)}\trefs/heads/x/y\n${sha}\trefs/tags/v1\n`,
    )
    expect(parsed.head).toBe('trunk')
    expect([...parsed.branches.keys()]).toEqual(['trunk', 'x/y'])
    expect(parseLsRemote('').branches.size).toBe(0)
  })
})
