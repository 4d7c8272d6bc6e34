// A deterministic git repository for benchmarks: `files` source-like text files (~`bytes` in all) over
// `commits` commits, written with one `git fast-import` stream. The same options give the same commit
// ids on every machine (fixed seed, identity and dates), so a figure can be traced to its repository.
//
// Content is compressible but not trivial: lines of code-like text drawn by a seeded PRNG from a
// vocabulary of a few thousand made-up identifiers (zlib shrinks it about 3-4x, as with real source).
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'

export type GenerateRepoOpts = {
  /** An empty or missing folder; a non-bare repository with `main` checked out is made there. */
  dir: string
  files?: number
  /** Approximate size of the working tree in bytes. */
  bytes?: number
  commits?: number
  seed?: number
}

export type GeneratedRepo = { dir: string; head: string; files: number; bytes: number; commits: number }

/** mulberry32: a small, fast, seedable PRNG (deterministic across platforms). */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SYLLABLES = ['ba', 'ce', 'di', 'fo', 'gu', 'ka', 'le', 'mi', 'no', 'pu', 'ra', 'se', 'ti', 'vo', 'zu']
const SYLLABLES2 = ['x', 'n', 'r', 'st', 'l', 'm', 'th', 'qu', '', '', '', '']
const KEYWORDS = ['const', 'let', 'return', 'if', 'for', 'await', 'export function', 'import', 'else']

function vocabulary(random: () => number, size: number): string[] {
  const words: string[] = []
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T
  for (let i = 0; i < size; i++) {
    let word = ''
    const parts = 2 + Math.floor(random() * 3)
    for (let p = 0; p < parts; p++) word += pick(SYLLABLES) + pick(SYLLABLES2)
    words.push(i % 3 === 0 ? word[0]?.toUpperCase() + word.slice(1) : word)
  }
  return words
}

function line(random: () => number, words: string[]): string {
  const pick = () => words[Math.floor(random() * words.length)] as string
  const indent = '  '.repeat(Math.floor(random() * 4))
  switch (Math.floor(random() * 6)) {
    case 0:
      return `${indent}${KEYWORDS[Math.floor(random() * KEYWORDS.length)]} ${pick()} = ${pick()}(${pick()}, ${Math.floor(random() * 1000)})`
    case 1:
      return `${indent}// ${pick()} ${pick()} ${pick()} ${pick()} ${pick()}`
    case 2:
      return `${indent}if (${pick()}.${pick()} > ${Math.floor(random() * 100)}) return ${pick()}`
    case 3:
      return `${indent}${pick()}.${pick()}(${pick()}, '${pick()}-${Math.floor(random() * 10_000)}')`
    case 4:
      return `${indent}export const ${pick()}${pick()} = { ${pick()}: ${pick()}, ${pick()}: ${Math.floor(random() * 1e6)} }`
    default:
      return `${indent}}`
  }
}

/** The content of one file at one version: most lines depend on the file only, a few on the version. */
function fileContent(words: string[], seed: number, index: number, version: number, size: number): string {
  const base = prng(seed * 1_000_003 + index)
  const edit = prng(seed * 7_919 + index * 104_729 + version)
  const out: string[] = [`// file ${index}`]
  let length = 0
  while (length < size) {
    const text = version > 0 && edit() < 0.05 ? line(edit, words) : line(base, words)
    out.push(text)
    length += text.length + 1
  }
  return `${out.join('\n')}\n`
}

/** Where file `i` lives: 50 top-level modules of 10 folders each, so a few hundred directories. */
export const pathOf = (i: number) => `src/m${String(i % 50).padStart(2, '0')}/p${(i >> 4) % 10}/f${i}.ts`

export async function generateRepo(opts: GenerateRepoOpts): Promise<GeneratedRepo> {
  const files = opts.files ?? 5000
  const bytes = opts.bytes ?? 50 * 1024 * 1024
  const commits = opts.commits ?? 200
  const seed = opts.seed ?? 42
  const random = prng(seed)
  const words = vocabulary(random, 4000)
  const average = bytes / files
  const sizes = Array.from({ length: files }, () => Math.round(average * (0.2 + 1.6 * random())))
  const versions = new Array<number>(files).fill(0)

  await mkdir(opts.dir, { recursive: true })
  await git(opts.dir, ['init', '-q', '-b', 'main'])
  // The first commit adds half the files; every later one adds its share of the rest and edits a few.
  const firstBatch = Math.floor(files / 2)
  const perCommit = Math.ceil((files - firstBatch) / Math.max(1, commits - 1))
  let added = 0
  let total = 0
  const child = spawn('git', ['fast-import', '--quiet', '--done'], {
    cwd: opts.dir,
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
  })
  const closed = new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? 1))
  })
  const write = (chunk: string) =>
    child.stdin.write(chunk) ? Promise.resolve() : new Promise<void>((r) => child.stdin.once('drain', r))
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`

  for (let c = 0; c < commits; c++) {
    const date = 1_700_000_000 + c * 3600
    const adding = c === 0 ? firstBatch : Math.min(perCommit, files - added)
    const message = c === 0 ? 'feat: initial import' : `feat(m${c % 50}): change ${c}`
    let chunk = `commit refs/heads/main\ncommitter Bench <bench@example.com> ${date} +0000\n${data(message)}`
    for (let i = added; i < added + adding; i++) {
      const text = fileContent(words, seed, i, 0, sizes[i] as number)
      chunk += `M 100644 inline ${pathOf(i)}\n${data(text)}`
    }
    added += adding
    if (c > 0)
      for (let e = 0; e < 8 && added > 0; e++) {
        const i = Math.floor(random() * added)
        versions[i] = (versions[i] ?? 0) + 1
        chunk += `M 100644 inline ${pathOf(i)}\n${data(fileContent(words, seed, i, versions[i] as number, sizes[i] as number))}`
      }
    await write(chunk)
  }
  await write('done\n')
  child.stdin.end()
  if ((await closed) !== 0) throw new Error(`git fast-import failed: ${stderr}`)
  await git(opts.dir, ['checkout', '-q', '-f', 'main'])
  for (const row of (await git(opts.dir, ['ls-tree', '-r', '-l', 'HEAD'])).split('\n'))
    total += Number(row.split(/\s+/)[3] ?? 0) || 0
  const head = (await git(opts.dir, ['rev-parse', 'HEAD'])).trim()
  return { dir: opts.dir, head, files, bytes: total, commits }
}

/** git with a fixed identity and no prompts (asynchronous: a server may run in this process). */
export function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: '/nonexistent',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
        GIT_AUTHOR_NAME: 'Bench',
        GIT_AUTHOR_EMAIL: 'bench@example.com',
        GIT_COMMITTER_NAME: 'Bench',
        GIT_COMMITTER_EMAIL: 'bench@example.com',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`git ${args.join(' ')} exited ${code}: ${stderr.trim()}`)),
    )
  })
}
