import type { Config } from '../config.ts'
import { Redactor } from './redactor.ts'

/** Environment variables that hold credentials the server may hand to git or a model. */
const secretVariables = ['GITHUB_TOKEN', 'GH_TOKEN', 'E2B_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY']

/**
 * The redactor that knows every secret the server itself holds: the database password, the key of
 * stored secrets and the provider keys in its environment and configuration (which may come from
 * `.env`). Executions extend it with their own tokens (and their squad's stored secrets).
 */
export function serverRedactor(
  config: Pick<Config, 'DATABASE_URL'> &
    Partial<Pick<Config, 'SQUAD_SECRET_KEY' | 'OPENAI_API_KEY' | 'ANTHROPIC_API_KEY' | 'E2B_API_KEY'>>,
  env: NodeJS.ProcessEnv = process.env,
): Redactor {
  const redactor = new Redactor()
  for (const key of [
    config.SQUAD_SECRET_KEY,
    config.OPENAI_API_KEY,
    config.ANTHROPIC_API_KEY,
    config.E2B_API_KEY,
  ])
    redactor.add(key)
  if (config.DATABASE_URL) {
    try {
      redactor.add(decodeURIComponent(new URL(config.DATABASE_URL).password))
    } catch {}
  }
  for (const name of secretVariables) redactor.add(env[name])
  return redactor
}
