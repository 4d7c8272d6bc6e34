import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { runGit } from '../../git/run-git.ts'

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

/**
 * Creates an empty bare repository at `path` unless one is there. Safe under concurrency: the
 * repository is initialised in a temporary folder beside it and renamed into place, and rename
 * refuses to replace a non-empty folder, so a racing caller either wins or finds the finished one.
 * Returns true when this call created it.
 */
export async function ensureBareRepository(path: string, defaultBranch: string): Promise<boolean> {
  if (await exists(join(path, 'HEAD'))) return false
  const parent = dirname(path)
  await mkdir(parent, { recursive: true })
  const temporary = join(parent, `.init-${basename(path)}-${randomBytes(6).toString('hex')}`)
  try {
    await runGit(['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, temporary], {
      cwd: parent,
    })
    const config = (key: string, value: string) => runGit(['config', key, value], { cwd: temporary })
    // Pushes over smart HTTP are allowed (the HTTP layer authenticates them).
    await config('http.receivepack', 'true')
    // refs/pull/* record what each merged pull request compared; clients must not rewrite them.
    await config('receive.hideRefs', 'refs/pull/')
    await rename(temporary, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(join(path, 'HEAD')))) return false
    throw error
  } finally {
    await rm(temporary, { recursive: true, force: true })
  }
}
