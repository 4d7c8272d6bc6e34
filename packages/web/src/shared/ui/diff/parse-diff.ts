export type DiffLine = {
  kind: 'add' | 'del' | 'ctx' | 'hunk' | 'meta'
  text: string
  old: number | null
  new: number | null
}
export type FilePatch = { path: string; lines: DiffLine[] }

const escapes: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 }

/**
 * A path as git prints it: as is, or C-quoted (`"a/caf\303\251 \"x\".txt"`) when it holds a
 * quote, a backslash, a control character or (with git's default core.quotePath) any byte past
 * ASCII, written as octal escapes of its UTF-8 bytes. Returns the path and where it ended.
 */
function readPath(text: string, from: number): { path: string; end: number } {
  if (text[from] !== '"') {
    const space = text.indexOf(' ', from)
    return { path: text.slice(from, space < 0 ? text.length : space), end: space < 0 ? text.length : space }
  }
  const bytes: number[] = []
  const encoder = new TextEncoder()
  let i = from + 1
  while (i < text.length && text[i] !== '"') {
    if (text[i] === '\\') {
      const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4))
      if (octal) {
        bytes.push(Number.parseInt(octal[0], 8))
        i += 4
        continue
      }
      const code = escapes[text[i + 1] ?? '']
      if (code !== undefined) {
        bytes.push(code)
        i += 2
        continue
      }
    }
    const char = String.fromCodePoint(text.codePointAt(i) ?? 0)
    bytes.push(...encoder.encode(char))
    i += char.length
  }
  return { path: new TextDecoder().decode(new Uint8Array(bytes)), end: i + 1 }
}

/** A side's path without its `a/` or `b/` prefix. */
const unprefixed = (path: string) => path.replace(/^[ab]\//, '')

/**
 * The file a `diff --git a/x b/x` header names, as it is now (the b/ side). Unquoted, a path may
 * itself contain " b/": the two sides of an unrenamed file are equal, which tells where they part.
 * A rename's exact names come from its `rename to` / `+++` lines (see parseUnifiedDiff).
 */
const pathOf = (header: string) => {
  const rest = header.replace(/^diff --git /, '')
  if (rest.startsWith('"') || / "b\//.test(rest)) {
    const a = readPath(rest, 0)
    const b = readPath(rest, a.end + 1)
    return unprefixed(b.path || a.path)
  }
  const half = (rest.length - 1) / 2
  if (Number.isInteger(half) && rest.slice(2, half) === rest.slice(half + 3)) return rest.slice(2, half)
  const match = / b\/(.+)$/.exec(rest)
  return match?.[1] ?? rest
}

/** The path of a `+++ b/x`, `--- a/x` or `rename to x` line, or null for /dev/null. */
function pathOfLine(text: string): string | null {
  const m = /^(\+\+\+ |--- |rename to |copy to )(.*)$/.exec(text)
  if (!m?.[2] || m[2] === '/dev/null') return null
  const path = m[2].startsWith('"') ? readPath(m[2], 0).path : m[2].replace(/\t$/, '')
  return m[1] === 'rename to ' || m[1] === 'copy to ' ? path : unprefixed(path)
}

/** Splits a unified diff (`git diff`) into files, numbering each line on its old and new side. */
export function parseUnifiedDiff(patch: string): FilePatch[] {
  const files: FilePatch[] = []
  let file: FilePatch | null = null
  let oldLine = 0
  let newLine = 0
  for (const text of patch.split('\n')) {
    if (text.startsWith('diff --git ')) {
      file = { path: pathOf(text), lines: [] }
      files.push(file)
      continue
    }
    if (!file) continue
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text)
    if (hunk) {
      oldLine = Number(hunk[1])
      newLine = Number(hunk[2])
      file.lines.push({ kind: 'hunk', text, old: null, new: null })
    } else if (!file.lines.some((l) => l.kind === 'hunk')) {
      // Headers before the first hunk (index, ---/+++ lines, mode changes, "Binary files differ").
      // The new side's name is exact in `+++ b/…` and `rename to …`; `--- a/…` names a deleted file.
      const named = pathOfLine(text)
      if (named && !text.startsWith('--- ')) file.path = named
      if (/^(Binary files|new file|deleted file|rename|similarity|old mode|new mode)/.test(text))
        file.lines.push({ kind: 'meta', text, old: null, new: null })
    } else if (text.startsWith('+'))
      file.lines.push({ kind: 'add', text: text.slice(1), old: null, new: newLine++ })
    else if (text.startsWith('-'))
      file.lines.push({ kind: 'del', text: text.slice(1), old: oldLine++, new: null })
    else if (text.startsWith(' '))
      file.lines.push({ kind: 'ctx', text: text.slice(1), old: oldLine++, new: newLine++ })
    else if (text.startsWith('\\')) file.lines.push({ kind: 'meta', text, old: null, new: null })
  }
  return files
}
