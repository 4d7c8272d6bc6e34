import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import type { Sandbox } from '../../src/sandbox/sandbox-provider.ts'

const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].some((p) => existsSync(p))
const asRoot = process.getuid?.() === 0
const leaseDir = existsSync('/run') ? '/run/agent-squad/sandbox-uids' : '/tmp/agent-squad-sandbox-uids'
// A range no other test file uses, so their sandboxes never meet these.
const uidBase = 270_000

const uidOf = async (sandbox: Sandbox) =>
  Number((await sandbox.commands.run('id -u', { cwd: sandbox.workdir })).stdout.trim())

describe.skipIf(!hasBwrap || !asRoot)('sandbox uids (local provider, as root)', () => {
  const roots: string[] = []
  const providers: LocalSandboxProvider[] = []
  const provider = (root: string) => {
    const p = new LocalSandboxProvider({ root, uidBase, uidCount: 100 })
    providers.push(p)
    return p
  }
  afterEach(async () => {
    for (const p of providers.splice(0)) {
      await p.cleanupOrphans([]).catch(() => {})
      await p.close()
    }
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
  })

  it('twenty created at once get twenty different uids, each leased host-wide', async () => {
    const root = mkdtempSync(join(tmpdir(), 'uid-alloc-'))
    roots.push(root)
    const sandboxes = await Promise.all(Array.from({ length: 20 }, () => provider(root).create()))
    const uids = await Promise.all(sandboxes.map(uidOf))
    expect(new Set(uids).size).toBe(20)
    for (const uid of uids) {
      expect(uid).toBeGreaterThanOrEqual(uidBase)
      expect(existsSync(join(leaseDir, String(uid)))).toBe(true)
    }
  })

  it("keeps the uid of a previous life's sandbox still on disk, even when its lease is gone", async () => {
    const root = mkdtempSync(join(tmpdir(), 'uid-alloc-'))
    roots.push(root)
    const first = provider(root)
    const kept = await first.create()
    const keptUid = await uidOf(kept)
    await first.close() // the server stops; the sandbox stays for the next start
    unlinkSync(join(leaseDir, String(keptUid))) // as after a reboot empties /run
    const next = await provider(root).create()
    expect(await uidOf(next)).not.toBe(keptUid)
  })
})
