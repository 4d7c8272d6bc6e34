import { randomBytes } from 'node:crypto'
import { rename, writeFile } from 'node:fs/promises'
import { isAbsolute, normalize } from 'node:path'
import { AppError } from '../../domain/errors.ts'
import type { HostFolderOpts, SandboxCreateOpts } from '../sandbox-provider.ts'
import { ENV_NAME, type SandboxMeta, type SandboxPaths } from './folder-sandbox-types.ts'
import { processesOf } from './uid-pool.ts'

export function validateCreateOpts(opts: SandboxCreateOpts & HostFolderOpts) {
  for (const [name, value] of Object.entries(opts.envs ?? {})) {
    if (!ENV_NAME.test(name)) throw new AppError('bad_request', `invalid environment variable name: ${name}`)
    if (typeof value !== 'string' || value.includes('\0'))
      throw new AppError('bad_request', `environment variable ${name} must be a string without NUL`)
  }
  for (const [key, value] of Object.entries(opts.metadata ?? {}))
    if (typeof value !== 'string') throw new AppError('bad_request', `metadata ${key} must be a string`)
  if (opts.timeoutMs !== undefined && (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs <= 0))
    throw new AppError('bad_request', 'timeoutMs must be a positive whole number of milliseconds')
  for (const bind of opts.extraReadOnlyBinds ?? [])
    if (!isAbsolute(bind) || normalize(bind) !== bind || bind === '/')
      throw new AppError(
        'bad_request',
        `extraReadOnlyBinds needs normalized absolute paths other than /: ${bind}`,
      )
}

export async function writeMeta(paths: SandboxPaths, meta: SandboxMeta) {
  const temporary = `${paths.meta}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(temporary, `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 })
  await rename(temporary, paths.meta)
}

/** SIGKILLs every process whose real uid is `uid` until none is left (bounded to a few seconds). */
export async function killUidProcesses(uid: number) {
  const deadline = Date.now() + 5000
  for (;;) {
    const pids = (await processesOf(uid, uid + 1)).get(uid) ?? []
    if (pids.length === 0) return
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
    if (Date.now() > deadline) throw new Error(`processes of uid ${uid} survive SIGKILL: ${pids.join(' ')}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))
