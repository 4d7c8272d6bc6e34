/** `--name value` and `--flag` arguments of a bench script, with defaults. */
export function parseArgs(argv: string[] = process.argv.slice(2)) {
  const flags = new Set<string>()
  const values = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (!arg.startsWith('--')) continue
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined]
    const next = argv[i + 1]
    if (inline !== undefined) values.set(name, inline)
    else if (next !== undefined && !next.startsWith('--')) {
      values.set(name, next)
      i++
    } else flags.add(name)
  }
  return {
    has: (name: string) => flags.has(name) || values.has(name),
    number: (name: string, fallback: number) => {
      const v = values.get(name)
      const n = v === undefined ? fallback : Number(v)
      if (!Number.isFinite(n)) throw new Error(`--${name} expects a number, got ${v}`)
      return n
    },
    string: (name: string, fallback: string) => values.get(name) ?? fallback,
  }
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Prints rows as an aligned text table. */
export function printTable(header: string[], rows: Array<Array<string | number>>) {
  const cells = [header, ...rows.map((r) => r.map(String))]
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  for (const [n, row] of cells.entries()) {
    console.log(
      row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '),
    )
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  }
}
