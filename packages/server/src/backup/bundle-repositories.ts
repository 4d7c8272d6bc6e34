import { mkdir, readdir, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { ensureBareRepository } from '../forge/local/ensure-bare-repository.ts'
import { runGit } from '../git/run-git.ts'
import { type BackupManifest, bundlePath } from './backup-manifest.ts'

type RepositoryEntry = BackupManifest['repositories'][number]

const isBareRepository = (path: string) =>
  stat(join(path, 'HEAD')).then(
    (s) => s.isFile(),
    () => false,
  )

/** The local forge's bare repositories: `<forgeRoot>/<squad id>/<name>.git`, as paths below the root. */
async function listRepositories(forgeRoot: string): Promise<string[]> {
  const found: string[] = []
  const squads = await readdir(forgeRoot, { withFileTypes: true }).catch(() => [])
  for (const squad of squads) {
    if (!squad.isDirectory()) continue
    const repos = await readdir(join(forgeRoot, squad.name), { withFileTypes: true })
    for (const repo of repos) {
      // `.init-*` folders are repositories being created (ensure-bare-repository.ts): not yet real.
      if (!repo.isDirectory() || !repo.name.endsWith('.git') || repo.name.startsWith('.')) continue
      const path = `${squad.name}/${repo.name}`
      if (await isBareRepository(join(forgeRoot, path))) found.push(path)
    }
  }
  return found.sort()
}

/**
 * Writes one `git bundle` per repository into `<outDir>/forge/`. A bundle is git's own consistent
 * snapshot (refs read first, then exactly the objects they reach), so a push landing meanwhile is
 * either wholly in it or not at all, which a copy of the folder would not guarantee.
 */
export async function bundleRepositories(forgeRoot: string, outDir: string): Promise<RepositoryEntry[]> {
  const entries: RepositoryEntry[] = []
  for (const path of await listRepositories(forgeRoot)) {
    const cwd = join(forgeRoot, path)
    const head = (await runGit(['symbolic-ref', '--short', 'HEAD'], { cwd })).stdout.trim()
    const refs = (await runGit(['for-each-ref', '--format=%(refname)'], { cwd })).stdout
      .split('\n')
      .filter(Boolean).length
    // git refuses to bundle nothing: an empty repository is recreated from its manifest entry alone.
    if (refs > 0) {
      const file = join(outDir, bundlePath(path))
      await mkdir(dirname(file), { recursive: true })
      await runGit(['bundle', 'create', '--quiet', file, '--all'], { cwd })
    }
    entries.push({ path, head, refs })
  }
  return entries
}

/** Recreates each repository as the local forge makes them, then fetches every ref from its bundle. */
export async function restoreRepositories(
  entries: RepositoryEntry[],
  fromDir: string,
  forgeRoot: string,
): Promise<void> {
  for (const entry of entries) {
    const cwd = join(forgeRoot, entry.path)
    await ensureBareRepository(cwd, entry.head)
    if (entry.refs === 0) continue
    const bundle = join(fromDir, bundlePath(entry.path))
    await runGit(['bundle', 'verify', '--quiet', bundle], { cwd })
    await runGit(['fetch', '--quiet', bundle, '+refs/*:refs/*'], { cwd })
    await runGit(['symbolic-ref', 'HEAD', `refs/heads/${entry.head}`], { cwd })
  }
}
