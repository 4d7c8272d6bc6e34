/** A file a change adds or rewrites, with the size of its new content in bytes. */
export type ChangedFile = { path: string; bytes: number }

export type ChangeSizeLimits = { maxFileBytes: number; maxChangeBytes: number }

const MB = 1024 * 1024
const megabytes = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`
const limit = (bytes: number) => `${Number((bytes / MB).toFixed(2))} MB`
const listed = (files: ChangedFile[]) => {
  const shown = files.slice(0, 10).map((f) => `${f.path} (${megabytes(f.bytes)})`)
  return files.length > 10 ? `${shown.join(', ')} and ${files.length - 10} more` : shown.join(', ')
}

/**
 * THE size guard of a run's commit: null when the change is within the squad's limits, else the
 * message that fails the commit step, naming the files (largest first) and the way out.
 */
export function changeSizeProblem(files: ChangedFile[], limits: ChangeSizeLimits): string | null {
  const bySize = [...files].sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path))
  const tooLarge = bySize.filter((f) => f.bytes > limits.maxFileBytes)
  const total = files.reduce((sum, f) => sum + f.bytes, 0)
  const problems: string[] = []
  if (tooLarge.length > 0)
    problems.push(
      `${listed(tooLarge)} ${tooLarge.length === 1 ? 'is' : 'are'} larger than the squad's limit of ${limit(limits.maxFileBytes)} per file (max_file_size_mb)`,
    )
  if (total > limits.maxChangeBytes)
    problems.push(
      `together the change adds ${megabytes(total)}, more than the squad's limit of ${limit(limits.maxChangeBytes)} (max_change_size_mb)${tooLarge.length > 0 ? '' : `; the largest files: ${listed(bySize)}`}`,
    )
  if (problems.length === 0) return null
  return (
    `The change is too large to commit: ${problems.join('; ')}. Nothing was committed or pushed. ` +
    'Keep large binaries out of the repository or track them with Git LFS (https://git-lfs.com), ' +
    "or raise the squad's max_file_size_mb / max_change_size_mb."
  )
}
