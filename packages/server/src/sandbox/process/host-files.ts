import { lstat, mkdir, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { AppError } from '../../domain/errors.ts'
import { confinePath, isWithin } from '../folder/sandbox-paths.ts'
import type { EntryInfo, Files } from '../sandbox-provider.ts'

const code = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code

/**
 * The files API on host paths, confined to `roots` (the workspace and the sandbox's tmp): paths are
 * confined lexically, then their real location (symlinks resolved) must still be inside a root.
 * This is API hygiene, not a security boundary: a process sandbox has none (commands run as the
 * server and can reach anything the server can).
 */
export function hostFiles(workdir: string, roots: readonly string[]): Files {
  let realRoots: Promise<string[]> | undefined
  const resolvedRoots = () => {
    realRoots ??= Promise.all(roots.map((root) => realpath(root)))
    return realRoots
  }
  const inside = async (real: string) => (await resolvedRoots()).some((root) => isWithin(real, root))
  const outside = (input: string) =>
    new AppError('forbidden', `${input} resolves outside the sandbox (allowed: ${roots.join(', ')})`)
  const missing = (input: string) => new AppError('not_found', `${input} does not exist in the sandbox`)

  /** Real path of an existing entry (following symlinks), confined. */
  const existing = async (input: string) => {
    const path = confinePath(input, workdir, roots)
    const real = await realpath(path).catch((error) => {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') throw missing(input)
      throw error
    })
    if (!(await inside(real))) throw outside(input)
    return { path, real }
  }

  /** Real path where `input` would be written: the deepest existing ancestor resolved, the rest appended. */
  const target = async (input: string) => {
    const path = confinePath(input, workdir, roots)
    let head = path
    const tail: string[] = []
    for (;;) {
      const real = await realpath(head).catch((error) => {
        if (code(error) === 'ENOENT') return undefined
        throw error
      })
      if (real !== undefined) {
        const full = join(real, ...tail)
        if (!(await inside(full))) throw outside(input)
        return full
      }
      const info = await lstat(head).catch(() => undefined)
      if (info?.isSymbolicLink()) throw outside(input) // dangling link: where it points is unknown
      tail.unshift(basename(head))
      head = dirname(head)
    }
  }

  const readBytes = async (input: string) => {
    const { real } = await existing(input)
    if ((await stat(real)).isDirectory()) throw new AppError('bad_request', `${input} is a folder`)
    const data = await readFile(real)
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  }

  return {
    readBytes,
    read: async (input) => Buffer.from(await readBytes(input)).toString('utf8'),
    write: async (input, data) => {
      const real = await target(input)
      if ((await stat(real).catch(() => undefined))?.isDirectory())
        throw new AppError('bad_request', `${input} is a folder`)
      await mkdir(dirname(real), { recursive: true }).catch(() => {
        throw new AppError('bad_request', `cannot create the parent folders of ${input}`)
      })
      await writeFile(real, data)
    },
    list: async (input) => {
      const { path, real } = await existing(input)
      if (!(await stat(real)).isDirectory()) throw new AppError('bad_request', `${input} is not a folder`)
      const entries: EntryInfo[] = []
      for (const entry of await readdir(real, { withFileTypes: true })) {
        const info = await lstat(join(real, entry.name)).catch(() => undefined)
        if (!info) continue
        const type = info.isSymbolicLink() ? 'symlink' : info.isDirectory() ? 'dir' : 'file'
        entries.push({ name: entry.name, path: join(path, entry.name), type, size: info.size })
      }
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    },
    exists: async (input) => {
      try {
        await existing(input)
        return true
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') return false
        throw error
      }
    },
    remove: async (input) => {
      const path = confinePath(input, workdir, roots)
      const full = join(await target(dirname(path)), basename(path)) // the entry itself, not where it points
      if (roots.includes(path) || !(await inside(full)) || (await resolvedRoots()).includes(full))
        throw outside(input)
      await rm(full, { recursive: true, force: true })
    },
  }
}
