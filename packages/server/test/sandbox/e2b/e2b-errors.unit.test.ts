import {
  AuthenticationError,
  FileNotFoundError,
  InvalidArgumentError,
  NotFoundError,
  RateLimitError,
  SandboxError,
  SandboxNotFoundError,
  ServiceBusyError,
  TemplateError,
  TimeoutError,
} from 'e2b'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/domain/errors.ts'
import { e2bCall, translateE2bError } from '../../../src/sandbox/e2b/e2b-errors.ts'

const withStatus = (error: SandboxError, statusCode: number) => Object.assign(error, { statusCode })

describe('translateE2bError', () => {
  const onSandbox = { action: 'commands.run', sandboxId: 'sbx1' }
  const cases: Array<
    [string, unknown, { action: string; sandboxId?: string; template?: string }, string, boolean]
  > = [
    [
      'a sandbox E2B does not know is gone',
      new SandboxNotFoundError('Sandbox sbx1 not found'),
      onSandbox,
      'sandbox_gone',
      false,
    ],
    ['a missing file', new FileNotFoundError('no such file'), onSandbox, 'not_found', false],
    [
      'an unknown template on create',
      new NotFoundError('template not found'),
      { action: 'create', template: 'nope' },
      'unavailable',
      false,
    ],
    ['a refused key', new AuthenticationError('Invalid API key'), { action: 'create' }, 'unavailable', false],
    ['a 429', new RateLimitError('Too many requests'), { action: 'create' }, 'rate_limited', true],
    ['a busy E2B (503)', new ServiceBusyError('no capacity'), { action: 'create' }, 'unavailable', true],
    [
      'a template too old for the SDK',
      new TemplateError('envd too old'),
      { action: 'create' },
      'unavailable',
      false,
    ],
    [
      'a bad argument',
      new InvalidArgumentError('timeout too long'),
      { action: 'create' },
      'bad_request',
      false,
    ],
    ['a request timeout', new TimeoutError('deadline exceeded'), onSandbox, 'unavailable', true],
    [
      'a 502 from the proxy',
      withStatus(new SandboxError('502: bad gateway'), 502),
      onSandbox,
      'unavailable',
      true,
    ],
    [
      'a 4xx E2B did not classify',
      withStatus(new SandboxError('409: conflict'), 409),
      onSandbox,
      'internal',
      false,
    ],
    [
      'nothing answered',
      new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }),
      { action: 'list' },
      'unavailable',
      true,
    ],
    ['anything else', new Error('boom'), { action: 'list' }, 'internal', false],
  ]
  it.each(cases)('%s', (_name, error, context, code, retryable) => {
    const translated = translateE2bError(error, context)
    expect(translated).toBeInstanceOf(AppError)
    expect(translated.code).toBe(code)
    expect(translated.retryable).toBe(retryable)
    expect(translated.cause === error || code === 'sandbox_gone').toBe(true)
  })

  it('says how to fix what a person must fix, and never repeats the key', () => {
    const auth = translateE2bError(new AuthenticationError('Invalid API key e2b_secret123'), {
      action: 'create',
    })
    expect(auth.message).toContain('E2B_API_KEY')
    expect(auth.message).not.toContain('e2b_secret123')
    const template = translateE2bError(new NotFoundError('not found'), {
      action: 'create',
      template: 'agent-squad',
    })
    expect(template.message).toContain('deploy/e2b')
  })

  it('passes an AppError through and wraps a call', async () => {
    const own = new AppError('forbidden', 'no')
    expect(translateE2bError(own, { action: 'x' })).toBe(own)
    await expect(
      e2bCall({ action: 'list' }, () => Promise.reject(new RateLimitError('slow down'))),
    ).rejects.toMatchObject({
      code: 'rate_limited',
      retryable: true,
    })
    expect(await e2bCall({ action: 'list' }, async () => 42)).toBe(42)
  })
})
