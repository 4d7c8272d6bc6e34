import { z } from 'zod'

/** Every id the API hands out is a UUID (v7, so ids sort by creation time). */
export const Id = z.uuid({ error: 'must be a UUID' })
export type Id = z.infer<typeof Id>

export const Timestamp = z.iso.datetime({ offset: true })

/** Free-form JSON object used for `config`-like columns; bounded so one row cannot grow without limit. */
export const JsonObject = z.record(z.string().max(200), z.unknown())
export type JsonObject = z.infer<typeof JsonObject>

/** True when `text` holds ASCII control characters (newlines included) or DEL. */
export const hasControlCharacters = (text: string) =>
  [...text].some((ch) => {
    const code = ch.charCodeAt(0)
    return code < 0x20 || code === 0x7f
  })

/**
 * Text with its surrounding blanks removed, `min`..`max` characters long. `what` names it in the
 * messages a person reads under the form field ("Name is required"), the API's 422 included.
 */
export const trimmed = (min: number, max: number, what = 'This field') =>
  z
    .string()
    .trim()
    .min(min, { error: min === 1 ? `${what} is required` : `${what} needs at least ${min} characters` })
    .max(max, { error: `${what} must be at most ${max} characters` })

/** A whole number from `min` to `max`, whose every complaint states the range. */
export const wholeNumber = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error })
}

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
})
export type ListQuery = z.infer<typeof ListQuery>

/** Every list endpoint answers `{ items, next_cursor }`; `next_cursor` is null on the last page. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() })
export type Page<T> = { items: T[]; next_cursor: string | null }

export const errorCodes = [
  'bad_request',
  'invalid_json',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'sandbox_gone',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal',
  'unavailable',
] as const
export const ErrorCode = z.enum(errorCodes)
export type ErrorCode = z.infer<typeof ErrorCode>

/** The one shape every error response has. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
})
export type ErrorBody = z.infer<typeof ErrorBody>
