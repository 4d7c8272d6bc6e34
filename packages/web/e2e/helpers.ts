import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { ExecutionWithSteps } from '@agent-squad/contract'
import type { Locator, Page } from 'playwright-core'
import { apiCall, type SquadServer } from './squad-server.ts'

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const artifacts = join(repoRoot, 'artifacts/screenshots')
const docs = join(repoRoot, 'docs/screenshots')

/**
 * Saves a screenshot under artifacts/screenshots (a CI artifact, git-ignored); with
 * SQUAD_UPDATE_SCREENSHOTS=1 also under docs/screenshots, where the README's pictures live. `of`
 * takes only that part of the page.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean; of?: Locator } = {},
) {
  mkdirSync(artifacts, { recursive: true })
  const file = join(artifacts, `${name}.png`)
  if (options.of) await options.of.screenshot({ path: file })
  else await page.screenshot({ path: file, ...(options.fullPage ? { fullPage: true } : {}) })
  if (process.env.SQUAD_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(docs, { recursive: true })
    copyFileSync(file, join(docs, `${name}.png`))
  }
}

/**
 * What a user does before the first task: push the project's code to the new repository (by
 * default a README; `files` maps paths to contents). A push needs a token even with auth off, so
 * git asks `squad git-credential` for the one `squad serve` keeps in its data folder, as the
 * README's walk sets it up.
 *
 * Asynchronous on purpose: the push waits for the credential helper (a second Node process that
 * loads the server's code, seconds on a busy machine), and a blocked event loop kept fetch's
 * pooled connection past the server's keep-alive timeout, so the next API call failed with
 * "other side closed".
 */
export async function pushInitialCommit(
  server: SquadServer,
  cloneUrl: string,
  files: Record<string, string> = { 'README.md': '# Webshop\n' },
) {
  const squadBin = join(repoRoot, 'packages/server/bin/squad.js')
  const helper = `!'${process.execPath}' '${squadBin}' git-credential --data-dir '${server.dataDir}'`
  const dir = mkdtempSync(join(tmpdir(), 'squad-e2e-src-'))
  const git = (...args: string[]) =>
    promisify(execFile)('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.test', ...args], {
      cwd: dir,
    })
  try {
    await git('init', '-q', '-b', 'main')
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), content)
    }
    await git('add', '.')
    await git('commit', '-q', '-m', 'Initial commit')
    await git('-c', `credential.helper=${helper}`, 'push', '-q', cloneUrl, 'main')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Drags with the mouse the way a person does: press, nudge past the 5 px threshold, move, release. */
export async function dragTo(page: Page, from: Locator, to: Locator) {
  const a = await from.boundingBox()
  const b = await to.boundingBox()
  if (!a || !b) throw new Error('cannot drag: an element is not visible')
  const start = { x: a.x + a.width / 2, y: a.y + 12 }
  await page.mouse.move(start.x, start.y)
  await page.mouse.down()
  await page.mouse.move(start.x + 12, start.y + 4, { steps: 4 })
  await page.mouse.move(b.x + b.width / 2, b.y + Math.min(80, b.height / 2), { steps: 20 })
  await page.waitForTimeout(100)
  await page.mouse.up()
}

/** The lines of the open terminal (its whole scrollback), via the page's read-only test handle. */
export const terminalLines = async (page: Page) =>
  (await page.evaluate(() => window.__squad?.terminal?.text() ?? '')).split('\n')

/** Lines `line N` from the script's output, in the order the terminal shows them. */
export const numberedLines = (lines: string[]) =>
  lines.filter((l) => /^line \d+$/.test(l.trim())).map((l) => Number(l.trim().slice(5)))

/**
 * Waits (up to 90 s) for the execution the page shows to finish, and fails with its error and
 * steps when it did not succeed, so a pipeline failure reads as one and not as a missing button.
 */
export async function expectExecutionSucceeded(server: SquadServer, page: Page) {
  const id = /\/executions\/([^/?#]+)/.exec(page.url())?.[1]
  if (!id) throw new Error(`not on an Agent Work page: ${page.url()}`)
  const deadline = Date.now() + 90_000
  let execution: ExecutionWithSteps
  do {
    execution = await apiCall<ExecutionWithSteps>(server, 'GET', `/executions/${id}`)
    if (!['queued', 'running'].includes(execution.status)) break
    await new Promise((r) => setTimeout(r, 500))
  } while (Date.now() < deadline)
  if (execution.status !== 'succeeded') {
    const steps = execution.steps
      .map((s) => `${s.name}: ${s.status}${s.error ? ` (${s.error})` : ''}`)
      .join('; ')
    throw new Error(`execution ${execution.status}: ${execution.error ?? 'no error'} — ${steps}`)
  }
}

const axeScript = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/**
 * The accessibility problems axe-core finds on the page as it is now (WCAG 2 A and AA rules, the
 * colour contrast of text included), one line each: rule, impact, and the elements it flags.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axeScript })
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import('axe-core') }).axe
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      targets: v.nodes.map(
        (n) => `${n.target.join(' ')}${n.any[0]?.message ? ` (${n.any[0].message})` : ''}`,
      ),
    }))
  })
  return violations.map((v) => `${v.id} [${v.impact}]: ${v.targets.join('; ')}`)
}
