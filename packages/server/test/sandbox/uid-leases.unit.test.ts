import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { releaseUid, reserveUid } from '../../src/sandbox/folder/uid-leases.ts'

describe('host-wide sandbox uid reservations', () => {
  const dirs: string[] = []
  const temp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'uid-leases-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('gives a uid to one sandbox folder at a time, and back on release', async () => {
    const leases = temp()
    const a = join(temp(), 'sbx-a')
    const b = join(temp(), 'sbx-b')
    await mkdir(a)
    await mkdir(b)
    expect(await reserveUid(200001, a, leases)).toBe(true)
    expect(await reserveUid(200001, a, leases)).toBe(true) // its own reservation
    expect(await reserveUid(200001, b, leases)).toBe(false)
    await releaseUid(200001, b, leases) // not b's to release
    expect(await reserveUid(200001, b, leases)).toBe(false)
    await releaseUid(200001, a, leases)
    expect(await reserveUid(200001, b, leases)).toBe(true)
  })

  it('takes over a reservation whose server died and whose sandbox folder is gone, not one whose folder remains', async () => {
    const leases = temp()
    const gone = join(temp(), 'sbx-gone')
    const kept = join(temp(), 'sbx-kept')
    await mkdir(kept)
    const deadPid = 2 ** 22 + 12345 // above pid_max on Linux: never a live process
    writeFileSync(join(leases, '200002'), JSON.stringify({ pid: deadPid, folder: gone }))
    writeFileSync(join(leases, '200003'), JSON.stringify({ pid: deadPid, folder: kept }))
    const mine = join(temp(), 'sbx-mine')
    expect(await reserveUid(200002, mine, leases)).toBe(true)
    expect(await reserveUid(200003, mine, leases)).toBe(false)
  })

  it('never hands one uid to two concurrent reservations', async () => {
    const leases = temp()
    const folders = Array.from({ length: 20 }, (_, i) => join(leases, `f${i}`))
    const results = await Promise.all(folders.map((f) => reserveUid(200004, f, leases)))
    expect(results.filter(Boolean)).toHaveLength(1)
  })
})
