/** Tolerant readers for the JSON lines agent CLIs print: a wrong shape gives null, never a throw. */

export type JsonRecord = Record<string, unknown>

/** The line as a JSON object, or null when it is not one (plain text, cut short, an array). */
export function parseJsonObject(line: string): JsonRecord | null {
  const trimmed = line.trim()
  if (!trimmed.startsWith('{')) return null
  try {
    const value: unknown = JSON.parse(trimmed)
    return isRecord(value) ? value : null
  } catch {
    return null
  }
}

export const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export const str = (value: unknown): string | null => (typeof value === 'string' ? value : null)

export const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null

export const obj = (value: unknown): JsonRecord => (isRecord(value) ? value : {})

export const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])

/** A tool result's content as text: a string, or the text blocks of a content array joined. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value))
    return value
      .map((block) => (typeof block === 'string' ? block : (str(obj(block).text) ?? '')))
      .filter(Boolean)
      .join('\n')
  if (value === null || value === undefined) return ''
  return JSON.stringify(value)
}
