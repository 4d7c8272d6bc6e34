import type { EventPayload, StreamEvent } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../../src/domain/ids.ts'
import { readEvents } from '../../src/events/read-events.ts'
import { createLogWriter, restartBoundary } from '../../src/executions/pipeline/log-writer.ts'
import { Redactor } from '../../src/secrets/redactor.ts'
import { createTestDatabase, skipReason, type TestDatabase } from '../helpers/test-db.ts'
import { sleep } from './pipeline-probes.ts'

const token = 'sqd_Zx81KfPq0LmN3vB7cX9yR2wT5uE6iO4aS1dF'

describe.skipIf(skipReason)('the execution log writer', () => {
  let test: TestDatabase
  beforeAll(async () => {
    test = await createTestDatabase()
  })
  afterAll(async () => {
    await test?.drop()
  })

  const writer = (options: { partialLineMs?: number; dataDir?: string } = {}) => {
    const scope = { squadId: newId(), taskId: newId(), executionId: newId() }
    const log = createLogWriter({
      db: test.database.db,
      scope,
      redactor: new Redactor([token, 'hunter22']),
      flushIntervalMs: 20,
      ...options,
    })
    const stored = async () =>
      (
        (await readEvents(test.database.db, {
          key: { kind: 'execution', id: scope.executionId },
          afterId: 0,
          limit: 1000,
        })) as StreamEvent[]
      ).flatMap((event) => (event.type === 'log' ? [event.payload] : []))
    return { log, stored }
  }

  it('stores lines printed slowly whole, each when it is printed, though the redactor knows secrets', async () => {
    const { log, stored } = writer()
    log.setStep('agent', 1)
    for (let i = 1; i <= 5; i++) {
      log.write('stdout', `line ${i}\n`)
      // Stored by the timer alone, whole: nothing waits for the next line to come.
      const expected = Array.from({ length: i }, (_, n) => `line ${n + 1}\n`).join('')
      let text = ''
      for (let tries = 0; tries < 100 && text !== expected; tries++) {
        await sleep(20)
        text = (await stored()).map((e) => e.text).join('')
      }
      expect(text).toBe(expected)
    }
    await log.close()
    expect(await stored()).toEqual(
      Array.from({ length: 5 }, (_, n) => ({
        stream: 'stdout',
        step: 'agent',
        attempt: 1,
        text: `line ${n + 1}\n`,
      })),
    )
  })

  it('tags output with its attempt and writes a restart boundary as an entry of its own', async () => {
    const { log, stored } = writer()
    log.write('system', 'Resumed: re-attached to sandbox sbx-1\n')
    log.setStep('agent', 2)
    log.writeBoundary(restartBoundary('agent', 2))
    log.write('system', '$ echo hi\n')
    log.write('stdout', `hi ${token}\n`)
    await log.close()
    const entries: EventPayload<'log'>[] = await stored()
    expect(entries).toEqual([
      { stream: 'system', step: null, text: 'Resumed: re-attached to sandbox sbx-1\n' },
      {
        stream: 'system',
        step: 'agent',
        attempt: 2,
        boundary: 'restart',
        text: '— the server restarted; the agent step runs again from the start (attempt 2) —\n',
      },
      { stream: 'system', step: 'agent', attempt: 2, text: '$ echo hi\n' },
      { stream: 'stdout', step: 'agent', attempt: 2, text: 'hi ***\n' },
    ])
  })

  it('stores a progress line at its last state, not every percentage', async () => {
    const { log, stored } = writer()
    log.setStep('provision', 1)
    for (let p = 0; p <= 100; p += 5)
      log.write('stderr', `Receiving objects: ${String(p).padStart(3)}% (${p}/100)\r`)
    log.write('stderr', 'Receiving objects: 100% (100/100), done.\nResolving deltas:  50% (1/2)\r')
    log.write('stderr', 'Resolving deltas: 100% (2/2), done.\r\n')
    await log.close()
    expect((await stored()).map((e) => e.text).join('')).toBe(
      'Receiving objects: 100% (100/100), done.\nResolving deltas: 100% (2/2), done.\r\n',
    )
  })

  it('keeps stdout and stderr line-whole: a line of one waits while the other prints', async () => {
    const { log, stored } = writer()
    log.setStep('agent', 1)
    log.write('stdout', 'compiling ')
    log.write('stderr', 'warning: unused variable\n')
    log.write('stdout', 'done\n')
    await log.close()
    expect((await stored()).map((e) => [e.stream, e.text])).toEqual([
      ['stderr', 'warning: unused variable\n'],
      ['stdout', 'compiling done\n'],
    ])
  })

  it('shows a line still being written after a while, as it stands', async () => {
    const { log, stored } = writer({ partialLineMs: 50 })
    log.setStep('agent', 1)
    log.write('stdout', 'Continue? [y/N] ')
    let text = ''
    for (let tries = 0; tries < 100 && !text; tries++) {
      await sleep(20)
      text = (await stored()).map((e) => e.text).join('')
    }
    expect(text).toBe('Continue? [y/N] ')
    await log.close()
  })

  it('shows paths in the data folder relative to it', async () => {
    const { log, stored } = writer({ dataDir: '/home/me/.squad/data' })
    log.setStep('provision', 1)
    log.write(
      'stderr',
      "Cloning into bare repository '/home/me/.squad/data/cache/repos/r1/mirror.git.tmp-1'...\n",
    )
    log.write('system', 'Unpushed work saved in /home/me/.squad/data/patches/x.patch\n')
    await log.close()
    expect((await stored()).map((e) => e.text).join('')).toBe(
      "Cloning into bare repository 'cache/repos/r1/mirror.git.tmp-1'...\nUnpushed work saved in patches/x.patch\n",
    )
  })
})
