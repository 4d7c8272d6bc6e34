import { describe, expect, it } from 'vitest'
import { changeSizeProblem } from '../../src/git/change-size.ts'

const MB = 1024 * 1024
const limits = { maxFileBytes: 10 * MB, maxChangeBytes: 50 * MB }

describe('the size guard of a run commit', () => {
  it('lets a change within both limits through', () => {
    expect(changeSizeProblem([{ path: 'a', bytes: 10 * MB }], limits)).toBeNull()
    expect(changeSizeProblem([], limits)).toBeNull()
  })

  it('names every file over the per-file limit, largest first, and points at Git LFS', () => {
    const problem = changeSizeProblem(
      [
        { path: 'small.txt', bytes: 10 },
        { path: 'video.mp4', bytes: 12 * MB },
        { path: 'data/random.bin', bytes: 60 * MB },
      ],
      limits,
    )
    expect(problem).toContain(
      "data/random.bin (60.0 MB), video.mp4 (12.0 MB) are larger than the squad's limit of 10 MB per file (max_file_size_mb)",
    )
    expect(problem).toContain('together the change adds 72.0 MB')
    expect(problem).toContain('Git LFS')
    expect(problem).not.toContain('small.txt')
  })

  it('names the largest files when only the total is over', () => {
    const files = Array.from({ length: 12 }, (_, i) => ({ path: `part-${i}.bin`, bytes: 5 * MB }))
    const problem = changeSizeProblem(files, limits)
    expect(problem).toContain("together the change adds 60.0 MB, more than the squad's limit of 50 MB")
    expect(problem).toContain('part-0.bin (5.0 MB)')
    expect(problem).toContain('and 2 more')
  })
})
