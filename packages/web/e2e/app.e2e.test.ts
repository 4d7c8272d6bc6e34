import type { Board, Repository, Task } from '@agent-squad/contract'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt } from '../scripts/ensure-built.ts'
import { type Browser, chromiumPath, hasChromium, launchBrowser, watchConsole } from './browser.ts'
import {
  dragTo,
  expectExecutionSucceeded,
  numberedLines,
  pushInitialCommit,
  screenshot,
  terminalLines,
} from './helpers.ts'
import { apiCall, type SquadServer, startSquadServe } from './squad-server.ts'

const LINES = 150
// Prints LINES numbered lines over ~7 s (so a reload lands mid-run), then changes one file.
const script = `for i in $(seq 1 ${LINES}); do echo "line $i"; sleep 0.045; done\necho "Hello from the agent" > HELLO.md`

const reason = hasChromium()
  ? ''
  : ` (skipped: no Chromium at ${chromiumPath}; apt-get install chromium, or set CHROMIUM_PATH)`

describe.skipIf(!hasChromium())(`web app end to end in Chromium against squad serve${reason}`, () => {
  let server: SquadServer
  let browser: Browser
  let page: Page
  let watcher: Page
  let problems: string[][] = []
  const state: { squadId?: string; taskId?: string; repo?: Repository } = {}

  beforeAll(async () => {
    if (!ensureBuilt({ quiet: true })) throw new Error('the web app could not be built (see above)')
    server = await startSquadServe()
    browser = await launchBrowser()
    page = await browser.newPage()
    watcher = await browser.newPage()
    problems = [watchConsole(page), watchConsole(watcher)]
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('creates a squad, adds an agent and a local-forge repository', async () => {
    await page.goto(server.url)
    await page.getByRole('button', { name: 'Create your first squad' }).click()
    await page.getByLabel('Name', { exact: true }).fill('Webshop squad')
    await page.getByLabel('Description', { exact: true }).fill('Checkout, billing and the storefront')
    await page.getByRole('button', { name: 'Create squad' }).click()
    await page.waitForURL(/\/squads\/[^/]+\/settings$/)
    state.squadId = page.url().split('/').at(-2)

    await page.getByRole('button', { name: 'Add agent' }).click()
    await page.getByLabel('Name', { exact: true }).fill('Ada')
    await page.getByLabel('Specialization', { exact: true }).fill('Shell scripts and codemods')
    await page.getByRole('dialog').getByRole('button', { name: 'Add agent' }).click()
    await page.getByText('Ada', { exact: true }).waitFor()

    await page.getByRole('button', { name: 'Add repository' }).click()
    // GitHub is offered first; this run stays on the built-in forge.
    await page.getByLabel('Local forge', { exact: true }).check()
    await page.getByLabel('Name', { exact: true }).fill('webshop')
    await page.getByRole('dialog').getByRole('button', { name: 'Add repository' }).click()
    await page.locator('.repo').getByText('local forge').waitFor()
    await screenshot(page, 'squad-settings')

    const repos = await apiCall<{ items: Repository[] }>(
      server,
      'GET',
      `/squads/${state.squadId}/repositories`,
    )
    state.repo = repos.items[0]
    expect(state.repo?.kind).toBe('local')
    await pushInitialCommit(server, state.repo?.clone_url ?? '')
  })

  it('creates a task and drags it to "To do"; another open board follows live', async () => {
    await page.getByRole('link', { name: 'Board' }).click()
    await page.getByRole('button', { name: 'New task' }).click()
    await page.getByLabel('Title', { exact: true }).fill('Add a greeting file')
    await page
      .getByLabel('Description', { exact: true })
      .fill('Write HELLO.md at the root of the repository.')
    await page.getByLabel('Labels', { exact: true }).fill('docs, demo')
    await page.getByLabel('Script', { exact: true }).fill(script)
    await page.getByRole('button', { name: 'Create task' }).click()
    const card = page.locator('li.task-card', { hasText: 'Add a greeting file' })
    await card.waitFor()

    await watcher.goto(`${server.url}/squads/${state.squadId}`)
    await watcher.getByText('Add a greeting file').waitFor()
    await watcher.getByText('Live').waitFor()

    // The watcher stays open in a background tab: it must follow without being looked at.
    await page.bringToFront()
    await dragTo(page, card, page.getByRole('region', { name: 'To do' }))
    await page.getByRole('region', { name: 'To do' }).getByText('Add a greeting file').waitFor()
    await watcher
      .getByRole('region', { name: 'To do' })
      .getByText('Add a greeting file')
      .waitFor({ timeout: 10_000 })
    const board = await apiCall<Board>(server, 'GET', `/squads/${state.squadId}/board`)
    const todo = board.columns.find((c) => c.status === 'todo')?.tasks ?? []
    expect(todo.map((t) => t.title)).toEqual(['Add a greeting file'])
    state.taskId = todo[0]?.id
    await screenshot(page, 'board')
  })

  it('starts the task and shows the log live; a reload mid-run continues it without a gap or a duplicate', async () => {
    await page.getByRole('button', { name: 'Add a greeting file' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Start' }).click()
    await page.waitForURL(/\/executions\//)
    await page.getByText('Live').first().waitFor()

    // Live: lines arrive while the script still runs.
    await expect
      .poll(async () => numberedLines(await terminalLines(page)).length, { timeout: 60_000 })
      .toBeGreaterThan(20)
    const before = numberedLines(await terminalLines(page))
    expect(before.at(-1)).toBeLessThan(LINES)
    await screenshot(page, 'agent-work')

    await page.reload()
    await page.getByTestId('terminal').waitFor()
    await expect
      .poll(async () => numberedLines(await terminalLines(page)).length, { timeout: 60_000, interval: 250 })
      .toBe(LINES)
    const after = numberedLines(await terminalLines(page))
    expect(after).toEqual(Array.from({ length: LINES }, (_, i) => i + 1))
  })

  it('shows the pull request link and the diff, and merging moves the task to Done live', async () => {
    await expectExecutionSucceeded(server, page)
    const prLink = page.getByTestId('pr-link')
    await prLink.waitFor({ timeout: 30_000 })
    await page.locator('[data-step="cleanup"].step-succeeded').waitFor({ timeout: 30_000 })
    await screenshot(page, 'agent-work-done')
    await page.getByRole('tab', { name: 'Diff' }).click()
    await page.getByRole('button', { name: /HELLO\.md/ }).waitFor()
    await screenshot(page, 'agent-work-diff')

    await prLink.click()
    await page.getByTestId('merge').waitFor()
    await page.getByText('Hello from the agent').waitFor()
    await screenshot(page, 'pull-request')
    await page.getByTestId('merge').click()
    await page
      .getByRole('dialog', { name: 'Merge pull request #1?' })
      .getByRole('button', { name: 'Merge' })
      .click()
    await page.getByText(/^Merged #1/).waitFor()

    await watcher
      .getByRole('region', { name: 'Done' })
      .getByText('Add a greeting file')
      .waitFor({ timeout: 15_000 })
    // The card links to its latest run, with that run's status.
    await watcher.getByRole('region', { name: 'Done' }).getByRole('link', { name: 'succeeded' }).waitFor()
    const task = await apiCall<Task>(server, 'GET', `/tasks/${state.taskId}`)
    expect(task.status).toBe('done')
    await watcher.bringToFront()
    await watcher.evaluate(() => {
      document.documentElement.dataset.theme = 'dark'
    })
    await screenshot(watcher, 'board-dark')
    await watcher.goto(server.url)
    await watcher.getByText('Webshop squad').waitFor()
    await screenshot(watcher, 'squads')
  })

  it('logged no console errors on any page', () => {
    expect(problems.flat()).toEqual([])
  })
})
