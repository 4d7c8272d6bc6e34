import { existsSync } from 'node:fs'
import type { Agent, Execution, Repository, Review, Squad, Task } from '@agent-squad/contract'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOpenAI } from '../../server/test/agents/fakes/openai-chat-server.ts'
import type {
  FakeModelServer,
  FakeTurn,
  RecordedRequest,
} from '../../server/test/agents/fakes/scripted-model.ts'
import { ensureBuilt } from '../scripts/ensure-built.ts'
import { type Browser, chromiumPath, hasChromium, launchBrowser, watchConsole } from './browser.ts'
import { pushInitialCommit, screenshot } from './helpers.ts'
import { apiCall, type SquadServer, startSquadServe } from './squad-server.ts'

/** Polls wait as long as a busy machine needs (vitest's own default is one second). */
const POLL = { timeout: 15_000 }

// The team workflow (docs/workflow.md) driven from the board, the way a person does it: the lead's
// task is started from its card, the lead plans and splits it, two specialists implement the
// subtasks in parallel, the reviewer asks for changes once and approves both. Every agent talks to
// one fake OpenAI-compatible server in this process, which answers each request from the
// conversation it belongs to (the same approach as packages/server/test/agents/team-workflow.test.ts).

const files = {
  'README.md': '# Shop\n',
  'api.txt': 'api v1\n',
  'ui.txt': 'ui v1\n',
  VERSION: 'version 1\n',
}
const PARENT = 'Ship version 2'
const API = 'Bump the API'
const UI = 'Bump the UI'
const HUMAN_REVIEW = 'Mention UI v2 in the README, please.'

type Message = { role: string; content: unknown }
const textOf = (content: unknown): string => (typeof content === 'string' ? content : JSON.stringify(content))

/** Who is talking and how far along: the system prompt's mode, the task line, the turns so far. */
function conversationOf(request: RecordedRequest) {
  const messages = (request.body.messages ?? []) as Message[]
  const system = textOf(messages[0]?.content)
  const task = textOf(messages[1]?.content)
  const mode = system.includes('This run is a planning run')
    ? 'plan'
    : system.includes('This run is a review')
      ? 'review'
      : 'implement'
  const turn = messages.filter((m) => m.role === 'assistant').length
  return { mode, task, turn }
}

const call = (name: string, args: Record<string, unknown>): FakeTurn => ({
  toolCalls: [{ id: `${name}-${Math.random().toString(36).slice(2, 8)}`, name, args }],
})
const finish = (summary: string): FakeTurn =>
  call('finish', { summary, commit_type: 'feat', commit_scope: null, commit_subject: null })

/** The squad's model: the lead splits, the specialists both touch VERSION, the reviewer asks once. */
function squadScript(request: RecordedRequest): FakeTurn {
  const { mode, task, turn } = conversationOf(request)
  if (mode === 'plan') {
    if (turn === 0) return call('list', { path: '.' })
    return call('split_task', {
      summary: 'Backend bumps the API, frontend the UI; both stamp the version.',
      subtasks: [
        { title: API, description: 'api.txt to v2, and VERSION to 2.', role: 'backend' },
        { title: UI, description: 'ui.txt to v2, and VERSION to 2.', role: 'frontend' },
      ],
    })
  }
  const revision = task.includes('# Review feedback to address')
  if (mode === 'review') {
    const round = Number(/review round (\d+)/.exec(task)?.[1] ?? 0)
    if (turn === 0) return call('git_diff', { path: '.' })
    if (task.includes(API) && round === 1)
      return call('submit_review', {
        verdict: 'changes_requested',
        body: 'The API bump has no changelog entry.',
        comments: [{ path: 'api.txt', line: 1, body: 'Add CHANGELOG.md saying "API v2".' }],
      })
    return call('submit_review', { verdict: 'approved', body: 'Looks right.' })
  }
  // Slow first turns (streamed text), so the two specialists surely work at the same time.
  const slow: FakeTurn = {
    text: 'Looking at the files this task names before changing anything in them.',
    chunkDelayMs: 120,
    toolCalls: [{ id: 'look', name: 'list', args: { path: '.' } }],
  }
  if (task.includes(API)) {
    if (revision) {
      if (turn === 0) return call('write', { path: 'CHANGELOG.md', content: 'API v2\n' })
      return finish('Added the changelog entry the review asked for.')
    }
    return [
      slow,
      call('edit', { path: 'api.txt', old_string: 'v1', new_string: 'v2' }),
      call('write', { path: 'VERSION', content: 'version 2 (api)\n' }),
      finish('The API is v2.'),
    ][turn] as FakeTurn
  }
  if (task.includes(UI)) {
    if (revision) {
      if (turn === 0) return call('write', { path: 'README.md', content: '# Shop\n\nUI v2.\n' })
      return finish('The README mentions UI v2, as asked.')
    }
    return [
      slow,
      call('edit', { path: 'ui.txt', old_string: 'v1', new_string: 'v2' }),
      call('write', { path: 'VERSION', content: 'version 2 (ui)\n' }),
      finish('The UI is v2.'),
    ][turn] as FakeTurn
  }
  return { error: { status: 400, body: { error: { message: `unscripted conversation: ${task}` } } } }
}

// The agents work in local (bubblewrap) sandboxes, as in the server's team-workflow test.
const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'].some((p) => existsSync(p))
const reason = !hasChromium()
  ? ` (skipped: no Chromium at ${chromiumPath}; apt-get install chromium, or set CHROMIUM_PATH)`
  : !hasBwrap
    ? ' (skipped: bubblewrap is not installed; apt-get install bubblewrap)'
    : ''

describe.skipIf(reason !== '')(`the team workflow runs from the board, in Chromium${reason}`, () => {
  let model: FakeModelServer
  let server: SquadServer
  let browser: Browser
  let page: Page
  let problems: string[] = []
  const state: { squad?: Squad; parent?: Task; repo?: Repository; agents: Record<string, Agent> } = {
    agents: {},
  }

  const tasks = async () =>
    (await apiCall<{ items: Task[] }>(server, 'GET', `/squads/${state.squad?.id}/tasks?limit=100`)).items
  const runsOf = async (taskId: string) =>
    (await apiCall<{ items: Execution[] }>(server, 'GET', `/tasks/${taskId}/executions`)).items.reverse()
  const reviewsOf = async (taskId: string) =>
    (await apiCall<{ items: Review[] }>(server, 'GET', `/tasks/${taskId}/reviews`)).items
  const subtask = async (title: string) => {
    const found = (await tasks()).find((t) => t.title === title && t.parent_task_id === state.parent?.id)
    if (!found) throw new Error(`no subtask "${title}"`)
    return found
  }
  const card = (title: string) => page.locator('li.task-card', { hasText: title })

  /** Polls the API until no run of the squad is queued or running and `until` holds. */
  async function settle(until: () => Promise<boolean>, timeoutMs = 160_000) {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const runs = (await Promise.all((await tasks()).map((t) => runsOf(t.id)))).flat()
      if (!runs.some((e) => e.status === 'queued' || e.status === 'running') && (await until())) return
      await new Promise((r) => setTimeout(r, 500))
    }
    const board = await Promise.all(
      (await tasks()).map(async (t) => ({
        task: `#${t.number} ${t.title} ${t.status}`,
        runs: (await runsOf(t.id)).map((e) => `${e.run_reason}:${e.status}:${e.error ?? ''}`),
      })),
    )
    throw new Error(`the squad did not settle: ${JSON.stringify(board, null, 2)}\n${server.output()}`)
  }

  beforeAll(async () => {
    if (!ensureBuilt({ quiet: true })) throw new Error('the web app could not be built (see above)')
    model = await startFakeOpenAI(squadScript)
    server = await startSquadServe()
    browser = await launchBrowser()
    page = await browser.newPage()
    problems = watchConsole(page)

    // Set-up a person does once, here through the API: a team squad, its repository, its members.
    const squad = await apiCall<Squad>(server, 'POST', '/squads', {
      name: 'Shop squad',
      description: 'A lead, two specialists and a reviewer',
      config: { workflow: { mode: 'team' }, max_concurrency: 4 },
    })
    state.squad = squad
    const repo = await apiCall<Repository>(server, 'POST', `/squads/${squad.id}/repositories`, {
      name: 'shop',
    })
    state.repo = repo
    await pushInitialCommit(server, repo.clone_url ?? '', files)
    for (const [name, role] of [
      ['Lena', 'lead'],
      ['Bo', 'backend'],
      ['Fay', 'frontend'],
      ['Rex', 'reviewer'],
    ] as const)
      state.agents[role] = await apiCall<Agent>(server, 'POST', `/squads/${squad.id}/agents`, {
        name,
        role,
        llm_provider: 'openai-compatible',
        llm_model: 'squad-model',
        config: { base_url: model.url },
      })
    state.parent = await apiCall<Task>(server, 'POST', `/squads/${squad.id}/tasks`, {
      title: PARENT,
      description: 'API and UI both go to v2.',
      status: 'todo',
      repository_id: repo.id,
      assignee_id: state.agents.lead?.id,
    })
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    await model?.close()
  })

  it("starts the lead's task from its card; the plan's subtasks appear on the board under their parent", async () => {
    const parent = state.parent as Task
    await page.goto(`${server.url}/squads/${state.squad?.id}`)
    await card(PARENT).getByRole('button', { name: PARENT }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('button', { name: 'Start', exact: true }).click()
    // Starting opens the run: the lead's planning run, on the Agent Work page.
    await page.waitForURL(/\/executions\//)
    await page.getByRole('heading', { name: `#${parent.number} ${PARENT}` }).waitFor()
    await page.locator('.work-facts').getByText('planning').waitFor()

    await page.getByRole('link', { name: 'Board /' }).click()
    await page.waitForURL(/\/squads\/[^/]+$/)
    // The subtasks arrive live on the squad's stream, each with its parent's number.
    for (const title of [API, UI]) {
      await card(title).waitFor({ timeout: 120_000 })
      await expect
        .poll(() => card(title).getByTestId('subtask-of').textContent(), { timeout: 30_000 })
        .toBe(`↳ #${parent.number}`)
    }
    await card(PARENT)
      .getByTestId('subtasks')
      .getByText(/^2 subtasks/)
      .waitFor()
    const api = await subtask(API)
    const ui = await subtask(UI)
    expect(api.assignee_id).toBe(state.agents.backend?.id)
    expect(ui.assignee_id).toBe(state.agents.frontend?.id)
    await card(API).getByText('@Bo').waitFor()
    await card(UI).getByText('@Fay').waitFor()
  })

  it('works the plan: both subtasks reach review, the parent follows and counts them', async () => {
    const api = await subtask(API)
    const ui = await subtask(UI)
    await settle(async () => {
      const reviews = await Promise.all([api, ui].map((t) => reviewsOf(t.id)))
      return reviews.every((r) => r.at(-1)?.verdict === 'approved')
    })
    expect((await runsOf(api.id)).map((e) => `${e.run_reason}:${e.status}`)).toEqual([
      'start:succeeded',
      'review:succeeded',
      'revision:succeeded',
      'review:succeeded',
    ])
    expect((await runsOf(ui.id)).map((e) => `${e.run_reason}:${e.status}`)).toEqual([
      'start:succeeded',
      'review:succeeded',
    ])

    // The board followed live: all three in review, the parent with its subtasks' progress.
    const inReview = page.getByRole('region', { name: 'In review' })
    for (const title of [PARENT, API, UI]) await inReview.getByText(title).waitFor({ timeout: 30_000 })
    await inReview
      .locator('li.task-card', { hasText: PARENT })
      .getByTestId('subtasks')
      .getByText('2 subtasks · 2 in review')
      .waitFor({ timeout: 30_000 })
    await inReview
      .locator('li.task-card', { hasText: API })
      .getByRole('link', { name: 'succeeded' })
      .waitFor({ timeout: 30_000 })
    // A subtask's card holds its parent badge, run status and priority within the column's width.
    const column = await inReview.boundingBox()
    for (const title of [PARENT, API, UI]) {
      const box = await inReview.locator('li.task-card', { hasText: title }).boundingBox()
      const priority = await inReview
        .locator('li.task-card', { hasText: title })
        .locator('.priority')
        .boundingBox()
      expect(box && column && box.x + box.width <= column.x + column.width, `${title} fits its column`).toBe(
        true,
      )
      expect(box && priority && priority.x + priority.width <= box.x + box.width, `${title}'s top row`).toBe(
        true,
      )
    }
    await screenshot(page, 'team-board')
  })

  it("shows the reviewer's reviews and the overlap on a subtask's Work page", async () => {
    const ui = await subtask(UI)
    // The API subtask's first run, from the runs in its task dialog.
    await card(API).getByRole('button', { name: API }).click()
    const runs = page.getByRole('dialog').getByRole('region', { name: 'Runs' })
    await runs.locator('.run-list li').nth(3).waitFor()
    await runs
      .locator('.run-list li', { hasText: 'first run' })
      .getByRole('link', { name: /^Attempt/ })
      .click()
    await page.waitForURL(/\/executions\//)
    await page.locator('.work-facts').getByText('first run').waitFor()

    // Both subtasks wrote VERSION: a warning names the other task and the file, before any merge.
    const overlap = page.getByTestId('overlap').first()
    await overlap.waitFor({ timeout: 30_000 })
    await overlap.getByRole('link', { name: `#${ui.number}` }).waitFor()
    await overlap.getByText('VERSION', { exact: true }).waitFor()

    // The reviewer asked for changes once (with a remark on a line), then approved the revision.
    const reviews = page.getByRole('region', { name: 'Reviews' })
    await reviews.getByRole('heading', { name: 'Reviews (2)' }).waitFor({ timeout: 30_000 })
    const items = reviews.locator('.review-list > li')
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBe(2)
    const [first, second] = [items.nth(0), items.nth(1)]
    await first.getByText('Changes requested').waitFor()
    await first.getByText('Rex').waitFor()
    await first.getByText('The API bump has no changelog entry.').waitFor()
    await first.getByText('Add CHANGELOG.md saying "API v2".').waitFor()
    await first.getByTestId('follow-up-link').waitFor()
    await second.getByText('Approved').waitFor()
    await second.getByText('Rex').waitFor()
    await expect.poll(() => second.getByTestId('follow-up-link').count(), POLL).toBe(0)
    await screenshot(page, 'team-work-reviews', { fullPage: true })
  })

  it("a person's review from the Work page queues the implementer's revision, which the reviewer looks at again", async () => {
    const ui = await subtask(UI)
    const parent = state.parent as Task
    await page.getByRole('link', { name: 'Board /' }).click()
    await card(UI).getByRole('button', { name: UI }).click()
    await page
      .getByRole('dialog')
      .getByRole('region', { name: 'Runs' })
      .locator('.run-list li')
      .nth(1)
      .waitFor()
    await page
      .getByRole('dialog')
      .locator('.run-list li', { hasText: 'first run' })
      .getByRole('link', { name: /^Attempt/ })
      .click()
    await page.waitForURL(/\/executions\//)
    await page.getByRole('heading', { name: `#${ui.number} ${UI}` }).waitFor()
    // A subtask's Work page leads back to its parent.
    await page
      .locator('.work-title')
      .getByRole('link', { name: `#${parent.number}`, exact: true })
      .waitFor()

    const form = page.getByRole('form', { name: 'Review the pull request' })
    await form.getByLabel('Your review').fill(HUMAN_REVIEW)
    await form.getByRole('button', { name: 'Request changes' }).click()
    const followUp = form.getByTestId('queued-run-link')
    await followUp.waitFor({ timeout: 30_000 })
    await page.getByRole('region', { name: 'Reviews' }).getByText(HUMAN_REVIEW).waitFor({ timeout: 30_000 })
    await followUp.click()
    await page.waitForURL(/\/executions\//)
    await page.locator('.work-facts').getByText('revision').waitFor()

    await settle(async () => (await reviewsOf(ui.id)).length === 3)
    expect((await reviewsOf(ui.id)).map((r) => `${r.author_kind}:${r.verdict}`)).toEqual([
      'agent:approved',
      'user:changes_requested',
      'agent:approved',
    ])
    expect(model.requests.some((r) => conversationOf(r).task.includes(HUMAN_REVIEW))).toBe(true)
    // The revision's page follows: it succeeds, and the reviewer's new approval shows up live.
    await page.locator('.work-title').getByText('succeeded', { exact: true }).waitFor({ timeout: 30_000 })
    await page
      .getByRole('region', { name: 'Reviews' })
      .getByRole('heading', { name: 'Reviews (3)' })
      .waitFor({ timeout: 30_000 })
  })

  it('logged no console errors', () => {
    expect(problems).toEqual([])
  })
})
