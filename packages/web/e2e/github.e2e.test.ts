import type { Agent, Execution, Repository, Squad, Task } from '@agent-squad/contract'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeGitHub, startFakeGitHub } from '../../server/test/helpers/fake-github/index.ts'
import { ensureBuilt } from '../scripts/ensure-built.ts'
import { type Browser, chromiumPath, hasChromium, launchBrowser, watchConsole } from './browser.ts'
import { expectExecutionSucceeded, screenshot } from './helpers.ts'
import { apiCall, type SquadServer, startSquadServe } from './squad-server.ts'

/** Polls wait as long as a busy machine needs (vitest's own default is one second). */
const POLL = { timeout: 15_000 }

const REPO = 'octo/webshop'

const reason = hasChromium()
  ? ''
  : ` (skipped: no Chromium at ${chromiumPath}; apt-get install chromium, or set CHROMIUM_PATH)`

/**
 * A GitHub repository from the web app, against the fake GitHub (laid out like GitHub Enterprise
 * Server on 127.0.0.1, so its URL goes in the form's Enterprise field) and a real `squad serve`:
 * the repository added from the form as a GitHub App, its private key stored from the form's
 * "Store a new secret" box, the check shown in the list; then one task run by a script agent to its
 * pull request on GitHub, which the Work page links to in a new tab.
 */
describe.skipIf(!hasChromium())(`a GitHub repository in the web app, on the fake GitHub${reason}`, () => {
  let fake: FakeGitHub
  let server: SquadServer
  let browser: Browser
  let page: Page
  let problems: string[] = []
  const state: { squad?: Squad; agent?: Agent; repo?: Repository } = {}

  beforeAll(async () => {
    if (!ensureBuilt({ quiet: true })) throw new Error('the web app could not be built (see above)')
    fake = await startFakeGitHub()
    fake.createUser({ login: 'octo' })
    await fake.createRepo({
      fullName: REPO,
      files: { 'README.md': '# Webshop\n', '.github/pull_request_template.md': '## Why\n' },
    })
    fake.installApp({ account: 'octo', repos: 'all' })
    // No poller: nothing but the run talks to the fake. The server reaches it on loopback directly.
    server = await startSquadServe({ SQUAD_GITHUB_POLL_SECONDS: '0', NO_PROXY: '127.0.0.1,localhost' })
    browser = await launchBrowser()
    page = await browser.newPage()
    problems = watchConsole(page)
    state.squad = await apiCall<Squad>(server, 'POST', '/squads', { name: 'Webshop on GitHub' })
    state.agent = await apiCall<Agent>(server, 'POST', `/squads/${state.squad.id}/agents`, {
      name: 'Ada',
      role: 'backend',
      llm_provider: 'script',
    })
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    await fake?.close()
  })

  it('adds the repository from the form as a GitHub App, and the list shows what the check found', async () => {
    await page.goto(`${server.url}/squads/${state.squad?.id}/settings`)
    await page.getByRole('button', { name: 'Add repository' }).click()
    const dialog = page.getByRole('dialog')
    // GitHub is the form's first choice.
    await expect.poll(() => dialog.getByLabel('GitHub', { exact: true }).isChecked(), POLL).toBe(true)
    await dialog.getByLabel('GitHub repository', { exact: true }).fill(REPO)
    await dialog.getByLabel('GitHub App', { exact: true }).check()
    await dialog.getByLabel('App id', { exact: true }).fill(String(fake.app.id))
    await dialog.getByRole('button', { name: 'Store a new secret…' }).click()
    await dialog.getByLabel('Secret value', { exact: true }).fill(fake.app.privateKeyPem)
    await dialog.getByRole('button', { name: 'Store secret' }).click()
    await expect
      .poll(() => dialog.getByLabel('Private key secret', { exact: true }).inputValue())
      .toBe('GITHUB_APP_PRIVATE_KEY')
    await dialog.getByLabel('GitHub Enterprise URL (optional)', { exact: true }).fill(fake.url)
    await dialog.getByRole('button', { name: 'Check and add' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 30_000 })

    const item = page.locator('li.repo[data-repository="webshop"]')
    const badge = item.getByRole('link', { name: REPO })
    await badge.waitFor()
    expect(await badge.getAttribute('href')).toBe(`${fake.url}/${REPO}`)
    const head = (await fake.branchSha(REPO, 'main')) ?? ''
    const check = item.getByTestId('repo-check')
    await check.getByText('reachable', { exact: true }).waitFor()
    await check.getByText(head.slice(0, 8), { exact: true }).waitFor()
    await check.getByText('contents:write', { exact: true }).waitFor()
    await screenshot(page, 'repositories-github', {
      of: page.locator('section.panel', { has: page.getByRole('heading', { name: 'Repositories' }) }),
    })

    const repos = await apiCall<{ items: Repository[] }>(
      server,
      'GET',
      `/squads/${state.squad?.id}/repositories`,
    )
    state.repo = repos.items[0]
    expect(state.repo).toMatchObject({ kind: 'github', default_branch: 'main' })
    expect(state.repo?.github?.auth).toMatchObject({
      kind: 'app',
      private_key_secret: 'GITHUB_APP_PRIVATE_KEY',
    })
  })

  it('runs a task to its pull request on GitHub, and the Work page links to it in a new tab', async () => {
    const task = await apiCall<Task>(server, 'POST', `/squads/${state.squad?.id}/tasks`, {
      title: 'Add a greeting file',
      repository_id: state.repo?.id,
      assignee_id: state.agent?.id,
      script: 'echo "Hello from the agent" > HELLO.md',
    })
    const execution = await apiCall<Execution>(server, 'POST', `/tasks/${task.id}/executions`, {})
    await page.goto(`${server.url}/executions/${execution.id}`)
    await expectExecutionSucceeded(server, page)

    const [pull, ...others] = await fake.pulls(REPO)
    expect(others).toEqual([])
    expect(pull?.pull.head).toBe(`task-${task.number}`)
    expect(await fake.readFile(REPO, `task-${task.number}`, 'HELLO.md')).toBe('Hello from the agent\n')
    const link = page.getByTestId('pr-link')
    await link.waitFor({ timeout: 30_000 })
    expect(await link.getAttribute('href')).toBe(`${fake.url}/${REPO}/pull/${pull?.number}`)
    expect(await link.getAttribute('target')).toBe('_blank')
    expect(await link.textContent()).toContain(`Pull request #${pull?.number}`)
    // GitHub's page, as a person following the link would see it.
    const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()])
    await tab?.waitForLoadState()
    expect(tab?.url()).toBe(`${fake.url}/${REPO}/pull/${pull?.number}`)
    await tab?.close()
    fake.expectNoViolations()
  })

  it('logged no console errors', () => {
    expect(problems).toEqual([])
  })
})
