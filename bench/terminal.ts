// 10 MB of terminal output streamed to an open Agent Work page in headless Chromium: the longest
// main-thread task (PerformanceObserver `longtask`) and the time until the last byte is shown,
// beside writing the same bytes straight into a bare xterm.js in the same browser (the baseline).
// The output enters the way the pipeline writes it: `log` events of up to 32 KiB appended to the
// event log, delivered over the execution's SSE stream. Then the page is reloaded: the whole log
// replays from the start.
//
//   node bench/terminal.ts [--mb 10]
//
// Benchmarks print, they never assert. Target: no main-thread task over 100 ms.
import { createRequire } from 'node:module'
import type { Agent, Execution, Repository, Squad, Task } from '@agent-squad/contract'
import { appendEvents, type NewEvent } from '../packages/server/src/events/append-event.ts'
import { hasChromium, launchBrowser } from '../packages/web/e2e/browser.ts'
import { parseArgs, printTable } from './lib/args.ts'
import { longTasks, recordLongTasks, startBenchServer } from './web-server.ts'

const mb = parseArgs().number('mb', 10)
const EVENT_CHARS = 32 * 1024
if (!hasChromium()) {
  console.log('bench/terminal: no Chromium at /usr/bin/chromium (apt-get install chromium); nothing measured')
  process.exit(0)
}

// The same text on both sides: numbered lines of about 100 characters, every 10th one coloured.
const generator = `(bytes) => {
  const parts = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const body = 'compiling module ' + i + ': the quick brown fox jumps over the lazy dog '.repeat(2)
    const line = (i % 10 === 0 ? '\\x1b[32m' + body + '\\x1b[0m' : body) + '\\n'
    parts.push(line)
    size += line.length
  }
  return parts.join('')
}`
const makeText = new Function(`return ${generator}`)() as (bytes: number) => string
const text = makeText(mb * 1024 * 1024)
const chunks: string[] = []
for (let i = 0; i < text.length; i += EVENT_CHARS) chunks.push(text.slice(i, i + EVENT_CHARS))

const bench = await startBenchServer()
const browser = await launchBrowser()
try {
  const { api } = bench
  const squad = await api<Squad>('POST', '/squads', { name: 'Terminal bench' })
  const agent = await api<Agent>('POST', `/squads/${squad.id}/agents`, { name: 'Bench', role: 'backend' })
  const repo = await api<Repository>('POST', `/squads/${squad.id}/repositories`, { name: 'bench' })
  const task = await api<Task>('POST', `/squads/${squad.id}/tasks`, {
    title: 'Print a lot',
    assignee_id: agent.id,
    repository_id: repo.id,
    script: 'true',
  })
  // No worker runs in this server: the execution stays queued and the bench writes its log.
  const execution = await api<Execution>('POST', `/tasks/${task.id}/executions`)
  const db = bench.server.deps.database.db
  const scope = { squadId: squad.id, taskId: task.id, executionId: execution.id }

  const page = await browser.newPage()
  page.on('console', (m) => m.type() === 'error' && console.error('page console error:', m.text()))
  await recordLongTasks(page)
  await page.goto(`${bench.server.url}/executions/${execution.id}`)
  await page.waitForSelector('[data-testid="terminal"]')
  await page.waitForFunction(`document.querySelector('[data-status="live"]')`)
  await page.waitForTimeout(300)
  const since = await page.evaluate<number>('performance.now()')
  const shown = (chars: number) =>
    page.waitForFunction(
      `(window.__squad?.terminal?.writtenChars() ?? 0) >= ${chars} && new Promise((r) => requestAnimationFrame(() => r(true)))`,
      null,
      { polling: 100, timeout: 300_000 },
    )

  const start = Date.now()
  for (let i = 0; i < chunks.length; i += 8) {
    const batch: NewEvent[] = chunks.slice(i, i + 8).map((t) => ({
      type: 'log',
      ...scope,
      payload: { stream: 'stdout', step: 'agent', text: t },
    }))
    await db.transaction((tx) => appendEvents(tx, batch))
  }
  const appended = Date.now() - start
  await shown(text.length)
  const liveMs = Date.now() - start
  const live = await longTasks(page, since)

  const reloadStart = Date.now()
  await page.reload()
  await page.waitForSelector('[data-testid="terminal"]')
  await shown(text.length)
  const replayMs = Date.now() - reloadStart
  const replay = await longTasks(page)

  // Baseline: the same bytes written straight into a bare xterm.js in the same browser.
  const require = createRequire(import.meta.url)
  const bare = await browser.newPage()
  await recordLongTasks(bare)
  await bare.setContent('<div id="t" style="width:1100px;height:600px"></div>')
  await bare.addStyleTag({ path: require.resolve('@xterm/xterm/css/xterm.css') })
  await bare.addScriptTag({ path: require.resolve('@xterm/xterm/lib/xterm.js') })
  const baseline = await bare.evaluate<{ ms: number; since: number }>(`(async () => {
    const text = (${generator})(${mb * 1024 * 1024})
    const term = new Terminal({ convertEol: true, scrollback: 20000 })
    term.open(document.getElementById('t'))
    await new Promise((r) => requestAnimationFrame(r))
    const since = performance.now()
    const start = performance.now()
    for (let i = 0; i < text.length; i += ${EVENT_CHARS}) term.write(text.slice(i, i + ${EVENT_CHARS}))
    await new Promise((r) => term.write('', r))
    await new Promise((r) => requestAnimationFrame(r))
    return { ms: performance.now() - start, since }
  })()`)
  const bareTasks = await longTasks(bare, baseline.since)

  const size = `${(text.length / 1024 / 1024).toFixed(1)} MiB`
  console.log(
    `Terminal bench: ${size} in ${chunks.length} log events of ≤ 32 KiB (appended in ${appended} ms)`,
  )
  console.log(`Chromium headless, terminal scrollback 20 000 lines\n`)
  printTable(
    ['scenario', 'last byte shown ms', 'longest task ms', 'tasks > 100 ms', 'long tasks'],
    [
      [
        'bare xterm.js, direct writes (baseline)',
        baseline.ms.toFixed(0),
        bareTasks.longest,
        bareTasks.over100,
        bareTasks.count,
      ],
      ['Agent Work page, live over SSE', liveMs, live.longest, live.over100, live.count],
      ['Agent Work page, reload (full replay)', replayMs, replay.longest, replay.over100, replay.count],
    ],
  )
  console.log(
    `\nratio: live ${(liveMs / baseline.ms).toFixed(2)}x the bare-xterm time; target: no main-thread task over 100 ms — ` +
      (live.over100 === 0 && replay.over100 === 0 ? 'met' : 'NOT met'),
  )
} finally {
  await browser.close()
  await bench.stop()
}
