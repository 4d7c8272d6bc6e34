import { and, eq } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { secrets } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import type { SecretBox } from './secret-box.ts'
import { secretContext } from './secret-dto.ts'

/**
 * One of a squad's stored secrets, decrypted (a forge's git credential); undefined when the squad
 * has no secret of that name. One that does not decrypt fails with a message that names it.
 */
export async function readSquadSecret(options: {
  db: Executor
  box: SecretBox
  squadId: string
  name: string
}): Promise<string | undefined> {
  const { db, box, squadId, name } = options
  const [row] = await db
    .select({ ciphertext: secrets.ciphertext })
    .from(secrets)
    .where(and(eq(secrets.squadId, squadId), eq(secrets.name, name)))
  if (!row) return undefined
  try {
    return box.decrypt(row.ciphertext, secretContext(squadId, name))
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new AppError('internal', `The squad's secret ${name} cannot be used: ${why}. Store it again.`, {
      cause: error,
    })
  }
}
