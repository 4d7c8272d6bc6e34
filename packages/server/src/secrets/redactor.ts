export const REDACTED = '***'

/** Redacts every string inside a JSON value (`redact` is a redactor's `redact`). */
export const redactDeep = <T>(value: T, redact: (text: string) => string): T => {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T
  return value
}
const MIN_SECRET_LENGTH = 6

/**
 * The slice of base64(pad + secret) that depends only on the secret's bytes, for each of the three
 * byte alignments: this finds the secret inside any larger base64 blob (e.g. a Basic auth header).
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const forms: string[] = []
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '')
    const start = Math.ceil((8 * offset) / 6)
    const end = Math.floor((8 * (offset + bytes.length)) / 6)
    const stable = encoded.slice(start, end)
    if (stable.length >= MIN_SECRET_LENGTH) forms.push(stable, stable.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  return forms
}

/** Every form of a secret that may show up in output: as is, URL-encoded, base64 and base64url. */
export function formsOf(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return []
  const forms = new Set([secret, encodeURIComponent(secret), ...base64Forms(secret)])
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH)
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Replaces every known secret, in every form, with `***`. Every byte the server stores or streams
 * from a sandbox, and every error message, goes through one of these.
 */
export class Redactor {
  readonly #forms = new Set<string>()
  #pattern: RegExp | null = null
  #longest = 0
  /** Every proper prefix of every form, and their first characters, built when a stream first needs them. */
  #prefixes: Set<string> | null = null
  #firsts: Set<string> | null = null

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret)
  }

  add(secret: string | null | undefined): this {
    if (!secret) return this
    let changed = false
    for (const form of formsOf(secret)) {
      if (this.#forms.has(form)) continue
      this.#forms.add(form)
      this.#longest = Math.max(this.#longest, form.length)
      changed = true
    }
    if (changed) this.#prefixes = null
    // Longest first, so a secret that contains another is replaced whole.
    if (changed)
      this.#pattern = new RegExp(
        [...this.#forms]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegExp)
          .join('|'),
        'g',
      )
    return this
  }

  /** A new redactor that knows this one's secrets and `secrets` (e.g. one execution's tokens). */
  child(secrets: Iterable<string> = []): Redactor {
    const child = new Redactor()
    for (const form of this.#forms) child.#forms.add(form)
    child.#pattern = this.#pattern
    child.#longest = this.#longest
    for (const secret of secrets) child.add(secret)
    return child
  }

  /** Length of the longest form: a stream must hold back this many characters minus one. */
  get longest(): number {
    return this.#longest
  }

  /**
   * Where the end of `text` could be the beginning of a secret that more text would complete: the
   * start of its longest tail that is a proper prefix of some form, or `text.length` when none is.
   */
  partialMatchStart(text: string): number {
    if (this.#longest < 2) return text.length
    if (!this.#prefixes || !this.#firsts) {
      this.#prefixes = new Set()
      this.#firsts = new Set()
      for (const form of this.#forms) {
        this.#firsts.add(form.charAt(0))
        for (let n = 1; n < form.length; n++) this.#prefixes.add(form.slice(0, n))
      }
    }
    for (let start = Math.max(0, text.length - (this.#longest - 1)); start < text.length; start++)
      if (this.#firsts.has(text.charAt(start)) && this.#prefixes.has(text.slice(start))) return start
    return text.length
  }

  redact(text: string): string {
    return this.#pattern ? text.replace(this.#pattern, REDACTED) : text
  }

  /** Each match of a known secret form in `text`, as [start, end). */
  *matches(text: string): Generator<[number, number]> {
    if (!this.#pattern) return
    for (const m of text.matchAll(this.#pattern)) yield [m.index, m.index + m[0].length]
  }

  /** Redacts an error's message (and its cause chain) for storage or display. */
  redactError(error: unknown): string {
    const parts: string[] = []
    let current: unknown = error
    for (let depth = 0; current && depth < 5; depth++) {
      parts.push(current instanceof Error ? current.message : String(current))
      current = current instanceof Error ? current.cause : null
    }
    return this.redact(parts.join(': '))
  }
}

/**
 * Redacts a stream that arrives in chunks. A secret split across chunks is still caught: a tail that
 * could be the beginning of a secret (a proper prefix of one of its forms) is held back until the
 * next chunk or `end()`, because a match starting before that tail fits entirely in what has arrived.
 * Only such a tail is held, never a fixed number of characters: a command that prints a line at a
 * time gets each line out whole when it prints it (holding back `longest - 1` characters of every
 * chunk cut each line's event in two, and lost the held tail when the server died).
 */
export class StreamRedactor {
  #held = ''
  readonly #redactor: Redactor

  constructor(redactor: Redactor) {
    this.#redactor = redactor
  }

  push(chunk: string): string {
    const text = this.#held + chunk
    let cut = this.#redactor.partialMatchStart(text)
    let out = ''
    let last = 0
    for (const [start, end] of this.#redactor.matches(text)) {
      if (start >= cut) break
      out += text.slice(last, start) + REDACTED
      last = end
      if (end > cut) cut = end
    }
    out += text.slice(last, cut)
    this.#held = text.slice(cut)
    return out
  }

  end(): string {
    const out = this.#redactor.redact(this.#held)
    this.#held = ''
    return out
  }
}
