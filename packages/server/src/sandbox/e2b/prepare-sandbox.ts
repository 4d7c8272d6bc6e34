import type { Sandbox as E2bSandbox } from 'e2b'
import { CommandExitError as E2bExitError } from 'e2b'
import { AppError } from '../../domain/errors.ts'
import { shellQuote } from './e2b-commands.ts'

/** Exit code of the check below when a tool the pipeline needs is missing from the template. */
const MISSING = 97

/** What every command and the files API count on finding in the template. */
export const REQUIRED_TOOLS = ['git', 'setsid', 'realpath', 'find'] as const

/**
 * One command on a new sandbox, before it is handed out: the template must have git (the
 * repository comes and goes as git bundles) and the tools the adapter itself runs, and the
 * workspace folder is made. A template without them fails here, with how to fix it, instead of in
 * the middle of a task.
 */
export async function prepareSandbox(input: {
  sdk: E2bSandbox
  template: string
  workdir: string
  fail(action: string, error: unknown): Promise<never>
}): Promise<void> {
  const check = REQUIRED_TOOLS.map(
    (tool) => `command -v ${tool} >/dev/null 2>&1 || { echo ${tool}; exit ${MISSING}; }`,
  ).join('\n')
  try {
    await input.sdk.commands.run(`${check}\nmkdir -p -- ${shellQuote(input.workdir)}`, { timeoutMs: 60_000 })
  } catch (error) {
    if (error instanceof E2bExitError && error.exitCode === MISSING)
      throw new AppError(
        'unavailable',
        `the E2B template "${input.template}" has no ${error.stdout.trim()}: build the template defined in ` +
          "deploy/e2b (see docs/e2b.md) and choose it in the squad's settings or SQUAD_E2B_TEMPLATE",
        { details: { provider: 'e2b', template: input.template, missing: error.stdout.trim() } },
      )
    if (error instanceof E2bExitError)
      throw new AppError(
        'unavailable',
        `could not make the workspace ${input.workdir} in the E2B template "${input.template}": ${error.stderr.trim()}`,
      )
    await input.fail('prepare', error)
  }
}
