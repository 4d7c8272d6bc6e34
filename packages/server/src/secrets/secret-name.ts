import { SecretName } from '@agent-squad/contract'
import { AppError } from '../domain/errors.ts'

/** A secret name from a URL path, or a validation error (422) that says what a name looks like. */
export function checkSecretName(name: string): string {
  const parsed = SecretName.safeParse(name)
  if (parsed.success) return parsed.data
  const message = parsed.error.issues[0]?.message ?? 'is invalid'
  throw new AppError('validation_failed', `Invalid secret name ${JSON.stringify(name)}: ${message}`, {
    details: { issues: [{ path: 'name', message, code: 'invalid_format' }] },
  })
}
