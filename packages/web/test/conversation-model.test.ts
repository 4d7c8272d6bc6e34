import type { StreamEvent } from '@agent-squad/contract'
import { describe, expect, it } from 'vitest'
import { emptyConversation, reduceConversation } from '../src/features/work/conversation-model.ts'
import { emptyWork, reduceWork } from '../src/features/work/work-model.ts'

const id = '00000000-0000-7000-8000-0000000000e1'
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
const runtime = 'claude-code'
const message = (text: string) => event('agent.message', { runtime, text })
const reasoning = (text: string) => event('agent.reasoning', { runtime, text })
const tool = (
  call_id: string | null,
  status: 'started' | 'succeeded' | 'failed',
  output: string | null = null,
  input: unknown = { command: 'ls' },
) => event('agent.tool_call', { runtime, call_id, tool: 'Bash', input, status, output })
const usage = (input: number, output: number, cost: number | null, model: string | null = 'sonnet') =>
  event('agent.usage', {
    runtime,
    model,
    input_tokens: input,
    output_tokens: output,
    cached_input_tokens: 10,
    cost_usd: cost,
  })

const restart = (step: string | null = 'agent') =>
  event('log', {
    stream: 'system',
    step,
    attempt: 2,
    boundary: 'restart',
    text: '— the server restarted; the agent step runs again from the start (attempt 2) —\n',
  })

describe('conversation state', () => {
  it('divides the attempts of an agent step that a restarted server ran again', () => {
    const state = reduceConversation(emptyConversation, [
      message('Let me look.'),
      reasoning('hmm'),
      event('log', { stream: 'stdout', step: 'agent', attempt: 1, text: 'ls\n' }),
      restart('push'),
      restart(),
      message('Let me look.'),
      message(' Again.'),
    ])
    const divider = '— the server restarted; the agent step runs again from the start (attempt 2) —'
    expect(state.messages.map((m) => (m.kind === 'tool' ? m.tool : `${m.kind}:${m.text}`))).toEqual([
      'text:Let me look.',
      `boundary:${divider}`,
      'text:Let me look. Again.',
    ])
    expect(state.thoughts.map((t) => `${t.kind}:${t.text}`)).toEqual(['text:hmm', `boundary:${divider}`])
    // Nothing said before it (a script agent): no divider in an otherwise empty conversation.
    expect(reduceConversation(emptyConversation, [restart()]).messages).toEqual([])
  })

  it('joins consecutive message deltas into one item until another agent event interrupts', () => {
    const state = reduceConversation(emptyConversation, [
      message('Let me '),
      message('look.'),
      tool('c1', 'started'),
      message('Done'),
      message('!'),
      reasoning('hmm'),
      message('Bye'),
    ])
    expect(state.messages.map((m) => (m.kind === 'tool' ? `tool:${m.tool}` : m.text))).toEqual([
      'Let me look.',
      'tool:Bash',
      'Done!',
      'Bye',
    ])
    expect(state.thoughts.map((t) => t.text)).toEqual(['hmm'])
  })

  it('joins deltas across batches, and reasoning deltas the same way', () => {
    let state = reduceConversation(emptyConversation, [reasoning('First, '), reasoning('read ')])
    state = reduceConversation(state, [reasoning('the file.')])
    state = reduceConversation(state, [message('ok'), reasoning('Then test.')])
    expect(state.thoughts.map((t) => t.text)).toEqual(['First, read the file.', 'Then test.'])
  })

  it('updates a tool call in place by call_id, and keeps calls without an id apart', () => {
    const state = reduceConversation(emptyConversation, [
      tool('a', 'started'),
      tool('b', 'started', null, { path: 'x.ts' }),
      tool('a', 'succeeded', 'file1\nfile2', null),
      tool('b', 'failed', 'no such file'),
      tool(null, 'succeeded', 'one'),
      tool(null, 'succeeded', 'two'),
    ])
    expect(state.messages).toHaveLength(4)
    expect(state.messages[0]).toMatchObject({
      kind: 'tool',
      callId: 'a',
      status: 'succeeded',
      output: 'file1\nfile2',
      input: { command: 'ls' },
    })
    expect(state.messages[1]).toMatchObject({ callId: 'b', status: 'failed', output: 'no such file' })
    expect(state.messages.slice(2).map((m) => m.kind === 'tool' && m.output)).toEqual(['one', 'two'])
  })

  it('sums tokens and cost across usage reports and keeps the latest model', () => {
    const state = reduceConversation(emptyConversation, [
      usage(100, 20, 0.01, 'sonnet'),
      usage(50, 5, null, null),
      usage(1, 1, 0.02, 'opus'),
    ])
    expect(state.usage).toEqual({
      reports: 3,
      model: 'opus',
      inputTokens: 151,
      outputTokens: 26,
      cachedInputTokens: 30,
      costUsd: expect.closeTo(0.03, 10),
    })
    expect(reduceConversation(emptyConversation, [usage(1, 1, null)]).usage.costUsd).toBeNull()
  })

  it('is idempotent by event id: replaying the same events changes nothing', () => {
    const events = [
      message('a'),
      message('b'),
      tool('c', 'started'),
      tool('c', 'succeeded', 'ok'),
      usage(5, 5, 1),
    ]
    const once = reduceConversation(emptyConversation, events)
    const twice = reduceConversation(once, events)
    expect(twice).toBe(once)
    expect(reduceConversation(emptyConversation, [...events, ...events])).toEqual(once)
    expect(once.messages.map((m) => (m.kind === 'tool' ? m.status : m.text))).toEqual(['ab', 'succeeded'])
    expect(once.usage.inputTokens).toBe(5)
  })

  it('ignores other events, and WorkState carries the conversation', () => {
    const step = event('execution.overlap', {
      repository_id: id,
      execution_id: id,
      task_id: id,
      other_execution_id: id,
      other_task_id: id,
      other_task_number: 2,
      files: [],
    })
    expect(reduceConversation(emptyConversation, [step])).toBe(emptyConversation)
    const work = reduceWork(emptyWork, [message('hi'), step])
    expect(work.conversation.messages).toHaveLength(1)
    expect(
      reduceWork(
        work,
        [message('hi')].map((e) => ({ ...e, id: 1 })),
      ),
    ).toBe(work)
  })
})
