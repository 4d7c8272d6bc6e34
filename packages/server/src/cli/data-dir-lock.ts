import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { AppError } from '../domain/errors.ts'

/** The data folder is held by a running process (`pid`): a backup then asks that process instead. */
export class DataDirInUseError extends AppError {
  readonly pid: number
  constructor(message: string, pid: number) {
    super('conflict', message, { details: { pid } })
    this.name = 'DataDirInUseError'
    this.pid = pid
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  // A killed process whose parent has not reaped it yet (a zombie) still answers signal 0 on Linux.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt it.
 * Takes `<dataDir>/squad.lock` (holding this pid) or explains who holds it; a lock left by a
 * process that is gone is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, 'squad.lock')
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      let released = false
      const release = () => {
        if (released) return
        released = true
        process.off('exit', release)
        rmSync(file, { force: true })
      }
      process.on('exit', release)
      return release
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = Number.parseInt(readFileSync(file, 'utf8').trim(), 10)
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder))
      throw new DataDirInUseError(
        `The data folder ${dataDir} is in use by another squad process (pid ${holder}).\n` +
          '  PGlite serves one process at a time: stop that process first (admin commands such as\n' +
          '  `squad token create` need the server stopped), or use PostgreSQL (DATABASE_URL) to share a\n' +
          `  database. If no such process is running, delete ${file}.`,
        holder,
      )
    rmSync(file, { force: true })
  }
  throw new Error(`could not take the lock ${file}`)
}
