import { describe, expect, it } from 'vitest'
import { resolveModel, withSecrets } from '../../src/agents/runtime/builtin/provider.ts'
import { aider } from '../../src/agents/runtime/cli/aider/aider.ts'
import { findModelKey } from '../../src/agents/runtime/cli/cli-config.ts'
import { codex } from '../../src/agents/runtime/cli/codex/codex.ts'
import { AppError } from '../../src/domain/errors.ts'

const serverEnv: Record<string, string> = {
  OPENAI_API_KEY: 'sk-server',
  TEAM_KEY: 'sk-server-team',
  DATABASE_URL: 'postgres://squad:db-password@db/squad',
  SQUAD_SECRET_KEY: 'the-master-key',
  GITHUB_TOKEN: 'ghp_server',
}
const env = (name: string) => serverEnv[name]
const stored = (values: Record<string, string>) => (name: string) => values[name]

describe("a squad's secrets in front of the server's environment (built-in agent)", () => {
  it('a stored secret wins; other names fall through to the environment', () => {
    const lookup = withSecrets(env, stored({ OPENAI_API_KEY: 'sk-squad' }))
    expect(lookup('OPENAI_API_KEY')).toBe('sk-squad')
    expect(lookup('TEAM_KEY')).toBe('sk-server-team')
    expect(withSecrets(env)('OPENAI_API_KEY')).toBe('sk-server')
  })

  it("the server's own credentials never come from its environment, only from a squad secret", () => {
    const lookup = withSecrets(env, stored({ GITHUB_TOKEN: 'ghp_squad' }))
    expect(lookup('DATABASE_URL')).toBeUndefined()
    expect(lookup('SQUAD_SECRET_KEY')).toBeUndefined()
    expect(lookup('GITHUB_TOKEN')).toBe('ghp_squad')
  })

  it('resolveModel picks the stored key and says where to put a missing one', () => {
    const agent = { llmProvider: 'openai', llmModel: 'gpt-test', config: {} }
    expect(resolveModel(agent, { env, secrets: stored({ OPENAI_API_KEY: 'sk-squad' }) }).apiKey).toBe(
      'sk-squad',
    )
    expect(resolveModel(agent, { env }).apiKey).toBe('sk-server')
    const named = { ...agent, config: { api_key_env: 'OTHER_KEY' } }
    expect(resolveModel(named, { env, secrets: stored({ OTHER_KEY: 'sk-other' }) }).apiKey).toBe('sk-other')
    expect(() => resolveModel(named, { env })).toThrow(
      /names OTHER_KEY, but neither the squad's secrets nor the server's environment has it/,
    )
    expect(() => resolveModel({ ...agent, config: { api_key_env: 'DATABASE_URL' } }, { env })).toThrow(
      /a credential of the server itself/,
    )
    expect(() => resolveModel({ ...agent, llmProvider: 'anthropic' }, { env: () => undefined })).toThrow(
      /set ANTHROPIC_API_KEY on the server or store it as a squad secret/,
    )
  })

  it('a stored secret that cannot be decrypted fails the lookup with its own error', () => {
    const broken = () => {
      throw new AppError('internal', "The squad's secret OPENAI_API_KEY cannot be used")
    }
    expect(() =>
      resolveModel({ llmProvider: 'openai', llmModel: 'm', config: {} }, { env, secrets: broken }),
    ).toThrow(/OPENAI_API_KEY cannot be used/)
  })
})

describe("a squad's secrets for agent CLIs", () => {
  it('a key stored under any of the CLI names wins over the environment, handed over under its names', () => {
    expect(
      findModelKey(codex.keyVariables(null), undefined, serverEnv, stored({ CODEX_API_KEY: 'sk-c' })),
    ).toEqual({
      source: 'squad secret CODEX_API_KEY',
      value: 'sk-c',
      envs: { CODEX_API_KEY: 'sk-c' },
    })
    expect(findModelKey(codex.keyVariables(null), undefined, serverEnv, stored({}))?.source).toBe(
      'OPENAI_API_KEY',
    )
  })

  it('config.api_key_env: the squad secret first, then the environment', () => {
    const team = findModelKey(
      aider.keyVariables('gpt-4o'),
      'TEAM_KEY',
      serverEnv,
      stored({ TEAM_KEY: 'sk-t' }),
    )
    expect(team).toEqual({ source: 'squad secret TEAM_KEY', value: 'sk-t', envs: { OPENAI_API_KEY: 'sk-t' } })
    expect(findModelKey(aider.keyVariables('gpt-4o'), 'TEAM_KEY', serverEnv)?.value).toBe('sk-server-team')
    expect(findModelKey(aider.keyVariables('gpt-4o'), 'NONE_KEY', serverEnv, stored({}))).toBeNull()
  })
})
