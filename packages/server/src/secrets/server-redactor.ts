import type { Config } from '../config.ts'
import { Redactor } from './redactor.ts'

/** Environment variables that hold credentials the server may hand to git or a model. */
const secretVariables = ['GITHUB_TOKEN', 'GH_TOKEN', 'E2B_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY']

/**
 * The redactor that knows every secret the server itself holds: the database password and the
 * provider keys in its environment. Executions extend it with their own tokens.
 */
export function serverRedactor(
  config: Pick<Config, 'DATABASE_URL'>,
  env: NodeJS.ProcessEnv = process.env,
): Redactor {
  const redactor = new Redactor()
  if (config.DATABASE_URL) {
    try {
      redactor.add(decodeURIComponent(new URL(config.DATABASE_URL).password))
    } catch {}
  }
  for (const name of secretVariables) redactor.add(env[name])
  return redactor
}
