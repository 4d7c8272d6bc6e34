import { describe, expect, it } from 'vitest'
import { parseUnifiedDiff } from '../src/shared/ui/diff/parse-diff.ts'

const hunk = '@@ -0,0 +1 @@\n+hi\n'

describe('the diff parser', () => {
  it('names a file with a Unicode name as written, whether git quoted it or not', () => {
    const quoted = [
      'diff --git "a/docs/CCTV\\347\\233\\221\\346\\216\\247.txt" "b/docs/CCTV\\347\\233\\221\\346\\216\\247.txt"',
      'new file mode 100644',
      'index 0000000..45b983b',
      '--- /dev/null',
      '+++ "b/docs/CCTV\\347\\233\\221\\346\\216\\247.txt"',
      hunk,
    ].join('\n')
    const plain = [
      'diff --git a/docs/CCTV监控.txt b/docs/CCTV监控.txt',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/docs/CCTV监控.txt',
      hunk,
    ].join('\n')
    expect(parseUnifiedDiff(quoted).map((f) => f.path)).toEqual(['docs/CCTV监控.txt'])
    expect(parseUnifiedDiff(plain).map((f) => f.path)).toEqual(['docs/CCTV监控.txt'])
    expect(parseUnifiedDiff(quoted)[0]?.lines.at(-1)).toMatchObject({ kind: 'add', text: 'hi', new: 1 })
  })

  it('reads quotes, backslashes and spaces in names, and " b/" inside a name', () => {
    const patch = [
      'diff --git "a/say \\"hi\\"\\\\now.txt" "b/say \\"hi\\"\\\\now.txt"',
      'deleted file mode 100644',
      '--- "a/say \\"hi\\"\\\\now.txt"',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-hi',
      'diff --git a/x b/y.txt b/x b/y.txt',
      'Binary files a/x b/y.txt and b/x b/y.txt differ',
      'diff --git a/old name.txt b/new name.txt',
      'similarity index 100%',
      'rename from old name.txt',
      'rename to new name.txt',
    ].join('\n')
    expect(parseUnifiedDiff(patch).map((f) => f.path)).toEqual([
      'say "hi"\\now.txt',
      'x b/y.txt',
      'new name.txt',
    ])
  })
})
