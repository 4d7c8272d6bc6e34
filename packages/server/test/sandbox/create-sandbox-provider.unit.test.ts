import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { createSandboxProvider } from '../../src/sandbox/create-sandbox-provider.ts'
import { E2bSandboxProvider } from '../../src/sandbox/e2b/e2b-sandbox-provider.ts'
import { serverRedactor } from '../../src/secrets/server-redactor.ts'

describe('SQUAD_SANDBOX=e2b', () => {
  const key = 'e2b_0123456789abcdef0123456789abcdef'

  it('stops start-up without E2B_API_KEY, naming it and never showing a key', () => {
    const error = (() => {
      try {
        loadConfig({ env: { SQUAD_SANDBOX: 'e2b' }, cwd: '/nonexistent' })
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems.join('\n')).toMatch(/^E2B_API_KEY=\(unset\): expected/)
    expect(() =>
      loadConfig({
        env: { SQUAD_SANDBOX: 'e2b', E2B_API_KEY: key, SQUAD_E2B_MAX_CONCURRENT: '0' },
        cwd: '/x',
      }),
    ).toThrowError(/SQUAD_E2B_MAX_CONCURRENT="0"/)
  })

  it('picks the E2B provider with its template and limits, and the key joins the redactor', () => {
    const config = loadConfig({
      env: { SQUAD_SANDBOX: 'e2b', E2B_API_KEY: key, SQUAD_E2B_TEMPLATE: 'my-template' },
      cwd: '/nonexistent',
    })
    expect(config.SQUAD_E2B_CREATES_PER_SECOND).toBe(1)
    expect(config.SQUAD_E2B_MAX_CONCURRENT).toBe(20)
    const provider = createSandboxProvider({ config })
    if (!(provider instanceof E2bSandboxProvider)) throw new Error('expected the E2B provider')
    expect(provider.name).toBe('e2b')
    expect(provider.capabilities).toEqual({ networkPerCommand: false, pause: true })
    expect(provider.cap.limit).toBe(20)
    // From .env or the environment alike, the key never reaches a log or an event.
    expect(serverRedactor(config, {}).redact(`key=${key}`)).not.toContain(key)
  })
})
