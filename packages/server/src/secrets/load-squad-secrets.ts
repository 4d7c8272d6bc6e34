import { eq } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { secrets } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import type { Redactor } from './redactor.ts'
import type { SecretBox } from './secret-box.ts'
import { secretContext } from './secret-dto.ts'

/** A squad's stored secrets by name, like an environment scoped to the squad. */
export type SecretLookup = (name: string) => string | undefined

/**
 * Decrypts every secret of a squad for one execution and teaches each value to `redactor` first, so
 * none can reach a log, an event or an error. A secret that does not decrypt (changed, or stored under
 * another key) fails only when it is asked for, with a message that names it.
 */
export async function loadSquadSecrets(options: {
  db: Executor
  box: SecretBox | undefined
  squadId: string
  redactor: Pick<Redactor, 'add'>
}): Promise<SecretLookup> {
  const { db, box, squadId, redactor } = options
  if (!box) return () => undefined
  const rows = await db
    .select({ name: secrets.name, ciphertext: secrets.ciphertext })
    .from(secrets)
    .where(eq(secrets.squadId, squadId))
  const values = new Map<string, string>()
  const broken = new Map<string, AppError>()
  for (const row of rows) {
    try {
      const value = box.decrypt(row.ciphertext, secretContext(squadId, row.name))
      redactor.add(value)
      values.set(row.name, value)
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      broken.set(
        row.name,
        new AppError('internal', `The squad's secret ${row.name} cannot be used: ${why}. Store it again.`),
      )
    }
  }
  return (name) => {
    const failure = broken.get(name)
    if (failure) throw failure
    return values.get(name)
  }
}
