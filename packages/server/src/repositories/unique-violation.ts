/**
 * True when `error` is Postgres' unique_violation (23505), optionally on one named constraint.
 * Drizzle wraps driver errors (DrizzleQueryError), so the code may sit on the error or its causes;
 * node-postgres and PGlite both report `code` and `constraint` the same way.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, constraint: name } = e as { code?: unknown; constraint?: unknown }
    if (code === '23505') return constraint === undefined || name === undefined || name === constraint
    e = (e as { cause?: unknown }).cause
  }
  return false
}
