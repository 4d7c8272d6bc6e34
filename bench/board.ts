// The Kanban board with 500 tasks in headless Chromium: time to first render (navigation start to
// every card on screen) and time to apply a live move (another client's PATCH until the card shows
// in its new column, through the squad's SSE stream), beside the API's own times for the same work.
//
//   node bench/board.ts [--tasks 500] [--loads 5] [--moves 20]
//
// Benchmarks print, they never assert. Target: no main-thread task over 100 ms.
import type { Board, Squad, Task, TaskStatus } from '@agent-squad/contract'
import { hasChromium, launchBrowser } from '../packages/web/e2e/browser.ts'
import { median, parseArgs, printTable } from './lib/args.ts'
import { longTasks, percentile, recordLongTasks, startBenchServer } from './web-server.ts'

const args = parseArgs()
const taskCount = args.number('tasks', 500)
const loads = args.number('loads', 5)
const moves = args.number('moves', 20)
if (!hasChromium()) {
  console.log('bench/board: no Chromium at /usr/bin/chromium (apt-get install chromium); nothing measured')
  process.exit(0)
}

const bench = await startBenchServer()
const browser = await launchBrowser()
try {
  const { api } = bench
  const squad = await api<Squad>('POST', '/squads', { name: 'Board bench' })
  const columns: TaskStatus[] = ['backlog', 'todo', 'in_progress', 'in_review', 'done', 'failed']
  const seedStart = performance.now()
  for (let i = 0; i < taskCount; i++)
    await api<Task>('POST', `/squads/${squad.id}/tasks`, {
      title: `Task ${i + 1}: ${i % 5 === 0 ? 'refactor the payment retry logic' : 'fix the flaky checkout test'}`,
      description: 'A description of a realistic length. '.repeat(3),
      status: columns[i % columns.length],
      priority: (['low', 'medium', 'high', 'urgent'] as const)[i % 4],
      labels: i % 3 === 0 ? ['backend', 'bug'] : ['frontend'],
    })
  console.log(
    `Board bench: ${taskCount} tasks seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
  )

  const boardUrl = `${bench.server.url}/squads/${squad.id}`
  const apiTimes: number[] = []
  for (let i = 0; i < loads; i++) {
    const t = performance.now()
    await api<Board>('GET', `/squads/${squad.id}/board`)
    apiTimes.push(performance.now() - t)
  }

  const page = await browser.newPage()
  page.on('console', (m) => m.type() === 'error' && console.error('page console error:', m.text()))
  await recordLongTasks(page)
  const firstCards: number[] = []
  const renders: number[] = []
  const renderLongest: number[] = []
  for (let i = 0; i < loads; i++) {
    await page.goto(boardUrl)
    await page.waitForFunction(`document.querySelector('li.task-card')`, null, {
      polling: 'raf',
      timeout: 60_000,
    })
    firstCards.push(await page.evaluate<number>('performance.now()'))
    await page.waitForFunction(`document.querySelectorAll('li.task-card').length >= ${taskCount}`, null, {
      polling: 'raf',
      timeout: 60_000,
    })
    renders.push(await page.evaluate<number>('performance.now()'))
    renderLongest.push((await longTasks(page)).longest)
  }

  await page.waitForSelector('[data-status="live"]')
  await page.waitForTimeout(500)
  const since = await page.evaluate<number>('performance.now()')
  const board = await api<Board>('GET', `/squads/${squad.id}/board`)
  const backlog = board.columns.find((c) => c.status === 'backlog')?.tasks ?? []
  const moveTimes: number[] = []
  const patchTimes: number[] = []
  for (let i = 0; i < Math.min(moves, backlog.length); i++) {
    const task = backlog[i] as Task
    const to: TaskStatus = i % 2 ? 'in_review' : 'todo'
    // Watch for the card in its new column first, then move it as another client would.
    await page.evaluate(`void (window.__moved = new Promise((resolve) => {
      const sel = 'section[data-status="${to}"] li[data-task-number="${task.number}"]'
      const board = document.querySelector('[data-testid=board]')
      const obs = new MutationObserver(() => {
        if (document.querySelector(sel)) { obs.disconnect(); resolve(Date.now()) }
      })
      obs.observe(board, { childList: true, subtree: true })
    }))`)
    const start = Date.now()
    await api<Task>('PATCH', `/tasks/${task.id}`, { status: to, position: i % 7 })
    patchTimes.push(Date.now() - start)
    moveTimes.push((await page.evaluate<number>('window.__moved')) - start)
  }
  const moveTasks = await longTasks(page, since)

  const f = (ms: number) => ms.toFixed(0)
  console.log(
    `Chromium headless, 1440×900, ${taskCount} tasks in ${columns.length} columns, ${loads} loads, ${moveTimes.length} moves\n`,
  )
  printTable(
    ['measure', 'median ms', 'p95 ms', 'max ms'],
    [
      [
        'GET /board (API only, baseline)',
        f(median(apiTimes)),
        f(percentile(apiTimes, 95)),
        f(Math.max(...apiTimes)),
      ],
      [
        'first cards on screen: navigation → first card',
        f(median(firstCards)),
        f(percentile(firstCards, 95)),
        f(Math.max(...firstCards)),
      ],
      [
        'first render: navigation → all cards',
        f(median(renders)),
        f(percentile(renders, 95)),
        f(Math.max(...renders)),
      ],
      [
        'PATCH move (API round trip, baseline)',
        f(median(patchTimes)),
        f(percentile(patchTimes, 95)),
        f(Math.max(...patchTimes)),
      ],
      [
        'live move: PATCH sent → card shown',
        f(median(moveTimes)),
        f(percentile(moveTimes, 95)),
        f(Math.max(...moveTimes)),
      ],
    ],
  )
  console.log(
    `\nlongest main-thread task: ${Math.max(...renderLongest)} ms while loading, ${moveTasks.longest} ms while applying moves` +
      ` (${moveTasks.over100} over 100 ms; target: none over 100 ms)`,
  )
  console.log(
    `ratios: first render ${(median(renders) / median(apiTimes)).toFixed(1)}x the API read; live move ${(median(moveTimes) / median(patchTimes)).toFixed(1)}x the PATCH round trip`,
  )
} finally {
  await browser.close()
  await bench.stop()
}
