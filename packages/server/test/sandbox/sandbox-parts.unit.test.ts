import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/domain/errors.ts'
import { decodeOutput, utf8Boundary } from '../../src/sandbox/folder/run-process.ts'
import { confinePath } from '../../src/sandbox/folder/sandbox-paths.ts'
import { ancestors, type BwrapSpec, bwrapOptions, prlimitArgs } from '../../src/sandbox/local/bwrap-args.ts'
import { parseListing } from '../../src/sandbox/local/sandbox-files.ts'

describe('confinePath', () => {
  const roots = ['/workspace', '/tmp']
  it('resolves relative paths from the workdir and keeps them inside', () => {
    expect(confinePath('a/b.txt', '/workspace', roots)).toBe('/workspace/a/b.txt')
    expect(confinePath('a/../b.txt', '/workspace', roots)).toBe('/workspace/b.txt')
    expect(confinePath('./', '/workspace', roots)).toBe('/workspace')
    expect(confinePath('/tmp/x/', '/workspace', roots)).toBe('/tmp/x')
  })
  it('refuses ../ that climbs out, foreign absolute paths and look-alike prefixes', () => {
    for (const path of ['..', '../x', 'a/../../x', '/etc/passwd', '/', '/workspace2/x', '/tmpfoo'])
      expect(() => confinePath(path, '/workspace', roots)).toThrowError(AppError)
    expect(() => confinePath('', '/workspace', roots)).toThrowError(/non-empty/)
    expect(() => confinePath('a\0b', '/workspace', roots)).toThrowError(/NUL/)
  })
})

describe('UTF-8 cut points', () => {
  it('never ends inside a character', () => {
    const bytes = Buffer.from('aé€😀')
    expect(utf8Boundary(bytes)).toBe(bytes.length)
    for (let cut = 0; cut <= bytes.length; cut++) {
      const text = decodeOutput(bytes.subarray(0, cut), true)
      expect(text).not.toContain('\uFFFD')
      expect('aé€😀'.startsWith(text)).toBe(true)
    }
  })
})

describe('bwrapOptions', () => {
  const spec: BwrapSpec = {
    asRoot: true,
    system: [{ path: '/usr' }, { path: '/bin', symlinkTo: 'usr/bin' }],
    workspace: '/data/sb/ws',
    tmp: '/data/sb/tmp',
    home: '/data/sb/home',
    passwd: '/data/sb/etc/passwd',
    group: '/data/sb/etc/group',
    readOnlyBinds: ['/srv/cache/mirror.git'],
    cwd: '/workspace',
    shmBytes: 1024,
  }
  const pairs = (args: string[], flag: string) =>
    args.flatMap((arg, i) => (arg === flag ? [`${args[i + 1]} ${args[i + 2]}`] : []))

  it('as root: no user namespace, and a network namespace of its own even with network on', () => {
    const args = bwrapOptions(spec)
    expect(args).toContain('--unshare-net')
    expect(args).toContain('--unshare-pid')
    expect(args).not.toContain('--unshare-user')
    expect(args).not.toContain('--share-net')
    const online = bwrapOptions({ ...spec, egressSocket: '/tmp/squad-egress-x/sbx.sock' })
    expect(online).toContain('--unshare-net')
    expect(online).not.toContain('--share-net')
    expect(pairs(online, '--bind')).toContain('/tmp/squad-egress-x/sbx.sock /run/squad/egress.sock')
    expect(pairs(args, '--bind')).not.toContain('/tmp/squad-egress-x/sbx.sock /run/squad/egress.sock')
    expect(pairs(args, '--bind')).toEqual([
      '/data/sb/ws /workspace',
      '/data/sb/tmp /tmp',
      '/data/sb/home /home/sandbox',
    ])
    expect(pairs(args, '--ro-bind')).toContain('/srv/cache/mirror.git /srv/cache/mirror.git')
    expect(pairs(args, '--ro-bind')).toContain('/data/sb/etc/passwd /etc/passwd')
    expect(args.join(' ')).not.toMatch(/shadow|\/etc\/ssl\/private|\/root|\/etc \/etc/)
    expect(args.slice(-4)).toEqual(['--remount-ro', '/', '--chdir', '/workspace'])
  })

  it('unprivileged: its own user namespace, which cannot nest', () => {
    const args = bwrapOptions({ ...spec, asRoot: false })
    expect(args).toEqual(expect.arrayContaining(['--unshare-all', '--unshare-user', '--disable-userns']))
    expect(args).not.toContain('--share-net')
    expect(bwrapOptions({ ...spec, asRoot: false, egressSocket: '/tmp/e.sock' })).not.toContain('--share-net')
  })

  it('creates parent folders world-readable, shallowest first', () => {
    expect(ancestors(['/etc/ssl/certs', '/home/sandbox', '/etc/hosts'])).toEqual([
      '/etc',
      '/home',
      '/etc/ssl',
    ])
    expect(prlimitArgs({ nproc: 512, fileSizeBytes: 0 })).toEqual(['--nproc=512:512', '--core=0'])
  })
})

describe('parseListing', () => {
  it('reads find -printf output, names with tabs included', () => {
    expect(parseListing('f\t5\ta.txt\0d\t4096\tsub\0l\t7\tweird\tname\0', '/workspace/x')).toEqual([
      { name: 'a.txt', path: '/workspace/x/a.txt', type: 'file', size: 5 },
      { name: 'sub', path: '/workspace/x/sub', type: 'dir', size: 4096 },
      { name: 'weird\tname', path: '/workspace/x/weird\tname', type: 'symlink', size: 7 },
    ])
  })
})
