import type { ExecutionStep, StreamEvent } from '@agent-squad/contract'
import { describe, expect, it } from 'vitest'
import { emptyWork, mergeSteps, reduceWork } from '../src/features/work/work-model.ts'
import { parseUnifiedDiff } from '../src/shared/ui/diff/parse-diff.ts'

const id = '00000000-0000-7000-8000-0000000000e1'
const step = (
  name: string,
  status: ExecutionStep['status'],
  duration_ms: number | null = null,
): ExecutionStep => ({
  id: `${id.slice(0, -2)}${name.length}${status.length}`,
  execution_id: id,
  name,
  status,
  attempt: 1,
  started_at: null,
  finished_at: null,
  duration_ms,
  result: null,
  error: null,
})
let n = 1
const event = <T extends StreamEvent['type']>(
  type: T,
  payload: Extract<StreamEvent, { type: T }>['payload'],
) =>
  ({
    id: n++,
    type,
    scope: 'execution',
    squad_id: id,
    task_id: id,
    execution_id: id,
    created_at: '2026-01-01T00:00:00Z',
    payload,
  }) as StreamEvent

const other = '00000000-0000-7000-8000-0000000000e2'
const overlap = (files: string[]) => ({
  repository_id: id,
  execution_id: id,
  task_id: id,
  other_execution_id: other,
  other_task_id: other,
  other_task_number: 7,
  files,
})

describe('Agent Work state', () => {
  it('keeps the latest word on each step, git operation and the sandbox', () => {
    const state = reduceWork(emptyWork, [
      event('step.updated', step('clone', 'running')),
      event('git.progress', {
        operation: 'clone',
        phase: 'progress',
        percent: 40,
        message: 'Receiving objects',
      }),
      event('sandbox.updated', { id, provider: 'local', status: 'RUNNING', message: null }),
      event('step.updated', step('clone', 'succeeded', 85)),
      event('git.progress', { operation: 'clone', phase: 'finished', percent: 100, message: 'done' }),
      event('execution.overlap', overlap(['a.ts'])),
      event('execution.overlap', overlap(['a.ts', 'b.ts'])),
    ])
    expect(state.steps.clone?.status).toBe('succeeded')
    expect(state.git.clone?.phase).toBe('finished')
    expect(state.sandbox?.status).toBe('RUNNING')
    // One entry per other execution, holding its latest files.
    expect(state.overlaps).toEqual([overlap(['a.ts', 'b.ts'])])
  })

  it('returns the same state for events it does not show (log output goes to the terminal)', () => {
    const log = event('log', { stream: 'stdout', step: null, text: 'x' })
    expect(reduceWork(emptyWork, [log])).toBe(emptyWork)
  })

  it('orders steps as loaded and prefers the live ones', () => {
    const loaded = [step('provision', 'succeeded', 5), step('clone', 'pending'), step('agent', 'pending')]
    const merged = mergeSteps(loaded, { clone: step('clone', 'running') })
    expect(merged.map((s) => `${s.name}:${s.status}`)).toEqual([
      'provision:succeeded',
      'clone:running',
      'agent:pending',
    ])
  })
})

describe('parseUnifiedDiff', () => {
  it('splits files and numbers old and new lines', () => {
    const patch = [
      'diff --git a/src/a.ts b/src/a.ts',
      'index 1..2 100644',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1,3 +1,3 @@',
      ' keep',
      '-old',
      '+new',
      ' tail',
      'diff --git a/b.txt b/b.txt',
      'new file mode 100644',
      '@@ -0,0 +1 @@',
      '+hi',
      '',
    ].join('\n')
    const [a, b] = parseUnifiedDiff(patch)
    expect(a?.path).toBe('src/a.ts')
    expect(a?.lines.map((l) => [l.kind, l.old, l.new])).toEqual([
      ['hunk', null, null],
      ['ctx', 1, 1],
      ['del', 2, null],
      ['add', null, 2],
      ['ctx', 3, 3],
    ])
    expect(b?.lines.map((l) => l.kind)).toEqual(['meta', 'hunk', 'add'])
  })
})
