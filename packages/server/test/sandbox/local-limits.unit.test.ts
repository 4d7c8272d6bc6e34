import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/domain/errors.ts'
import { mountsUnder } from '../../src/sandbox/folder/workspace.ts'
import {
  diskOf,
  formatQuota,
  loopDevicesUnder,
  probeDiskQuota,
  quotaMessage,
} from '../../src/sandbox/local/disk-quota.ts'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import { CLONE_NEWUSER, userNamespaceFilter } from '../../src/sandbox/local/seccomp.ts'
import { NETWORK_OFF } from '../../src/sandbox/network-policy.ts'
import {
  CommandExitError,
  type HostFolderOpts,
  type Sandbox,
  type SandboxCreateOpts,
} from '../../src/sandbox/sandbox-provider.ts'

/*
 * The sandbox's resource limits, attempted from inside real sandboxes: a disk quota on /workspace,
 * /tmp and the home together (a loop-mounted ext4 image per sandbox, see disk-quota.ts), and no new
 * user namespaces (a seccomp filter, see seccomp.ts). Like local-isolation, these need root.
 */
const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].some((path) => existsSync(path))
const isRoot = process.getuid?.() === 0
const skipReason = !hasBwrap
  ? 'bubblewrap is not installed (apt-get install bubblewrap)'
  : !isRoot
    ? 'these limits need the server to run as root (per-sandbox uids, loop mounts)'
    : null
// The same probe the provider makes: a container may refuse loop devices even to root.
const quotaSupport = skipReason === null ? await probeDiskQuota(true) : undefined
const quotaSkipReason = quotaSupport?.enforced === false ? quotaSupport.reason : null
const UID_BASE = 226_000
const MiB = 1024 * 1024
const QUOTA = 64 * MiB
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function failure(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    if (error instanceof CommandExitError) return error.result
    throw error
  }
  throw new Error('expected the command to fail')
}

/** Bytes the host really stores for `file` (a sparse image stores only what is in use). */
const allocated = async (file: string) => (await stat(file)).blocks * 512

/** Polls until `check` holds (discard and loop autoclear run a moment after the call returns). */
async function eventually(check: () => Promise<boolean>, ms = 3000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) return false
    await sleep(25)
  }
  return true
}

describe('the seccomp program', () => {
  it('is built for x86_64 and aarch64 only, as whole sock_filter instructions', () => {
    for (const arch of ['x64', 'arm64'] as const) {
      const program = userNamespaceFilter(arch)
      expect(program).toBeInstanceOf(Buffer)
      expect((program?.length ?? 0) % 8).toBe(0)
      expect(program?.length).toBeLessThan(64 * 8)
      // The flag it tests is CLONE_NEWUSER.
      expect(program?.includes(Buffer.from(new Uint32Array([CLONE_NEWUSER]).buffer))).toBe(true)
    }
    for (const arch of ['ia32', 's390x', 'riscv64', 'ppc64'] as const)
      expect(userNamespaceFilter(arch)).toBeUndefined()
  })

  it('names quotas as people read them', () => {
    expect(formatQuota(10 * 1024 * MiB)).toBe('10 GiB')
    expect(formatQuota(1536 * MiB)).toBe('1.5 GiB')
    expect(formatQuota(QUOTA)).toBe('64 MiB')
    expect(quotaMessage(10 * 1024 * MiB)).toMatch(/^the sandbox is out of its 10 GiB disk quota/)
  })
})

describe.skipIf(skipReason !== null)(
  `local sandbox limits${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let scratch: string
    let root: string
    let template: string
    let provider: LocalSandboxProvider
    const warnings: string[] = []
    const created: Sandbox[] = []
    const make = async (opts: SandboxCreateOpts & HostFolderOpts = {}) => {
      const sandbox = await provider.create({ network: NETWORK_OFF, ...opts })
      created.push(sandbox)
      return sandbox
    }
    const folder = (sandbox: Sandbox) => join(root, sandbox.sandboxId)

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'squad-limits-'))
      root = join(scratch, 'sandboxes')
      template = join(scratch, 'template')
      await mkdir(template, { mode: 0o755 })
      await writeFile(join(template, 'README.md'), 'template\n')
      provider = new LocalSandboxProvider({
        root,
        uidBase: UID_BASE,
        uidCount: 1000,
        logger: { warn: (_obj, msg) => warnings.push(msg) },
      })
    })

    afterAll(async () => {
      await Promise.allSettled(created.map((sandbox) => sandbox.kill()))
      await provider?.close()
      if (scratch && (await mountsUnder(scratch)).length === 0)
        await rm(scratch, { recursive: true, force: true })
    })

    describe.skipIf(quotaSkipReason !== null)(
      `disk quota${quotaSkipReason ? ` (skipped: ${quotaSkipReason})` : ''}`,
      () => {
        it('gives every sandbox 10 GiB by default, shared by /workspace, /tmp and its home', async () => {
          const sandbox = await make({ workspaceTemplate: template })
          const { stdout } = await sandbox.commands.run(
            'df -B1 --output=size,target /workspace /tmp /home/sandbox | tail -n +2',
          )
          const sizes = stdout
            .trim()
            .split('\n')
            .map((line) => Number(line.trim().split(/\s+/)[0]))
          expect(sizes).toHaveLength(3)
          for (const size of sizes) {
            expect(size).toBeGreaterThan(9.5 * 1024 * MiB)
            expect(size).toBeLessThanOrEqual(10 * 1024 * MiB)
          }
          // The host stores only what is used: the image is sparse.
          expect(await allocated(diskOf({ dir: folder(sandbox) }).image)).toBeLessThan(16 * MiB)
          expect(warnings.filter((w) => w.includes('quota'))).toEqual([])
        })

        it('stops dd at the quota in /workspace and in /tmp, says why, and frees the space on rm', async () => {
          const sandbox = await make({ workspaceTemplate: template, diskQuotaBytes: QUOTA })
          const { image } = diskOf({ dir: folder(sandbox) })
          for (const where of ['/workspace', '/tmp', '/home/sandbox']) {
            const result = await failure(
              sandbox.commands.run(`dd if=/dev/zero of=${where}/big bs=1M count=100 status=none`),
            )
            expect(result.stderr).toMatch(/No space left on device/)
            expect(result.stderr).toContain('the sandbox is out of its 64 MiB disk quota')
            // The host holds no more than the quota, whatever the sandbox tried.
            expect(await allocated(image)).toBeLessThanOrEqual(QUOTA)
            const full = await allocated(image)
            expect(full).toBeGreaterThan(40 * MiB)
            await sandbox.commands.run(`rm ${where}/big`)
            expect(await eventually(async () => (await allocated(image)) < full - 40 * MiB)).toBe(true)
          }
          // One quota for all of them: 40 MiB in /workspace leaves less than 40 MiB for /tmp.
          await sandbox.commands.run('dd if=/dev/zero of=/workspace/a bs=1M count=40 status=none')
          const shared = await failure(
            sandbox.commands.run('dd if=/dev/zero of=/tmp/b bs=1M count=40 status=none'),
          )
          expect(shared.stderr).toContain('out of its 64 MiB disk quota')
          // A command that fails for another reason is not blamed on the quota.
          await sandbox.commands.run('rm /workspace/a /tmp/b')
          const other = await failure(sandbox.commands.run('ls /nope'))
          expect(other.stderr).not.toContain('quota')
          // The template under the overlay is untouched.
          expect((await sandbox.commands.run('cat README.md')).stdout).toBe('template\n')
        })

        it('says so when the files API writes past the quota', async () => {
          const sandbox = await make({ diskQuotaBytes: QUOTA })
          const error = await sandbox.files.write('big.bin', new Uint8Array(80 * MiB)).catch((e) => e)
          expect(error).toBeInstanceOf(AppError)
          expect((error as AppError).message).toContain('the sandbox is out of its 64 MiB disk quota')
        })

        it('on kill: unmounts, detaches the loop device and deletes the image', async () => {
          const sandbox = await make({ diskQuotaBytes: QUOTA })
          const dir = folder(sandbox)
          await sandbox.commands.run('dd if=/dev/zero of=/tmp/x bs=1M count=8 status=none')
          expect(await loopDevicesUnder(dir)).toHaveLength(1)
          expect(await mountsUnder(dir)).toEqual([join(dir, 'disk')])
          await sandbox.kill()
          expect(await mountsUnder(dir)).toEqual([])
          expect(await loopDevicesUnder(dir)).toEqual([])
          expect(existsSync(dir)).toBe(false)
        })

        it('twenty sandboxes at once each get their own loop device', async () => {
          const sandboxes = await Promise.all(
            Array.from({ length: 20 }, () =>
              provider.create({ network: NETWORK_OFF, diskQuotaBytes: QUOTA }),
            ),
          )
          const devices = (await Promise.all(sandboxes.map((s) => loopDevicesUnder(folder(s))))).flat()
          expect(new Set(devices).size).toBe(20)
          const outputs = await Promise.all(
            sandboxes.map((s) => s.commands.run('echo ok > /tmp/ok && cat /tmp/ok')),
          )
          expect(outputs.map((o) => o.stdout)).toEqual(Array(20).fill('ok\n'))
          await Promise.all(sandboxes.map((s) => s.kill()))
          for (const sandbox of sandboxes) expect(await loopDevicesUnder(folder(sandbox))).toEqual([])
        })

        it('refuses a quota too small to be one, and 0 means none', async () => {
          const refused = await provider.create({ diskQuotaBytes: 1000 }).catch((e) => e)
          expect(refused).toBeInstanceOf(AppError)
          expect((refused as AppError).code).toBe('bad_request')
          const unlimited = await make({ diskQuotaBytes: 0 })
          expect(existsSync(diskOf({ dir: folder(unlimited) }).image)).toBe(false)
          expect(await mountsUnder(folder(unlimited))).toEqual([])
          await unlimited.commands.run('touch /tmp/ok /home/sandbox/ok')
        })

        it('says in the log that the quota is not enforced when it cannot be', async () => {
          const logged: Array<{ msg: string; obj: object }> = []
          const unprivileged = new LocalSandboxProvider({
            root: join(scratch, 'unprivileged'),
            asRoot: false,
            logger: { warn: (obj, msg) => logged.push({ obj, msg }) },
          })
          const sandbox = await unprivileged.create({ network: NETWORK_OFF })
          expect(logged.map((l) => l.msg)).toEqual([
            'sandbox disk quota NOT enforced: /workspace, /tmp and /home/sandbox can fill the host disk',
          ])
          expect(logged[0]?.obj).toMatchObject({ reason: expect.stringContaining('root') })
          await sandbox.kill()
          await unprivileged.close()
        })
      },
    )

    const noFilter = userNamespaceFilter() ? null : `no seccomp filter for ${process.arch}`
    describe.skipIf(noFilter !== null)(`user namespaces${noFilter ? ` (skipped: ${noFilter})` : ''}`, () => {
      it('cannot create one: unshare -r and unshare -U fail', async () => {
        const sandbox = await make()
        for (const command of ['unshare -r true', 'unshare -U true', 'unshare -Ur id -u'])
          expect((await failure(sandbox.commands.run(command))).stderr).toMatch(/Operation not permitted/)
        // Not through clone either (a fresh process in a new user namespace).
        if ((await sandbox.commands.run('command -v python3 || true')).stdout.trim()) {
          const clone = await failure(
            sandbox.commands.run(
              'python3 -c "import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); ' +
                `r = libc.unshare(${CLONE_NEWUSER}); print(r, ctypes.get_errno(), flush=True); os._exit(0 if r == 0 else 1)"`,
            ),
          )
          expect(clone.stdout).toBe('-1 1\n') // EPERM
        }
      })

      it('still runs ordinary work: sh, git, threads and child processes', async () => {
        const sandbox = await make({ workspaceTemplate: template })
        const envs = {
          GIT_AUTHOR_NAME: 'a',
          GIT_AUTHOR_EMAIL: 'a@e',
          GIT_COMMITTER_NAME: 'a',
          GIT_COMMITTER_EMAIL: 'a@e',
        }
        const git = await sandbox.commands.run(
          'git init -q -b main && git add -A && git commit -qm init && git log --format=%s && ' +
            '(sleep 0.1 & wait) && echo jobs-ok',
          { envs },
        )
        expect(git.stdout).toBe('init\njobs-ok\n')
        // clone3 answers ENOSYS: Node's threads and child processes fall back to clone.
        if ((await sandbox.commands.run('command -v node || true')).stdout.trim()) {
          const node = await sandbox.commands.run(
            `node -e "const { Worker } = require('node:worker_threads'); ` +
              `new Worker('require(\\"node:worker_threads\\").parentPort.postMessage(6 * 7)', { eval: true })` +
              `.on('message', (m) => console.log(m, require('node:child_process').execSync('echo child').toString().trim()))"`,
          )
          expect(node.stdout).toBe('42 child\n')
        }
      })
    })
  },
)
