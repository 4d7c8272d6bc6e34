export type DiffLine = {
  kind: 'add' | 'del' | 'ctx' | 'hunk' | 'meta'
  text: string
  old: number | null
  new: number | null
}
export type FilePatch = { path: string; lines: DiffLine[] }

const pathOf = (header: string) => {
  // "diff --git a/x b/x": the b/ side names the file as it is now.
  const match = / b\/(.+)$/.exec(header)
  return match?.[1] ?? header.replace(/^diff --git /, '')
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
