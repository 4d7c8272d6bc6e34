import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { AppError } from '../domain/errors.ts'

const run = promisify(execFile)

/**
 * The archive is a gzipped tar made by the system's `tar`, so an operator can list or unpack one by
 * hand (`tar -tzf backup.tar.gz`) without Agent Squad.
 */
export async function writeArchive(sourceDir: string, file: string): Promise<void> {
  await run('tar', ['-czf', file, '-C', sourceDir, '.'], { maxBuffer: 1024 * 1024 })
}

/** Unpacks `file` into `targetDir`; anything tar cannot read is a bad archive, said in words. */
export async function readArchive(file: string, targetDir: string): Promise<void> {
  try {
    // --no-same-owner/-permissions: files belong to whoever restores, with their umask, whatever the archive says.
    await run('tar', ['-xzf', file, '-C', targetDir, '--no-same-owner', '--no-same-permissions'], {
      maxBuffer: 1024 * 1024,
    })
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim()
    throw new AppError(
      'bad_request',
      `${file} is not a readable backup archive (a .tar.gz made by \`squad backup\`): ${stderr.split('\n')[0] ?? 'tar failed'}`,
      { cause: error },
    )
  }
}
