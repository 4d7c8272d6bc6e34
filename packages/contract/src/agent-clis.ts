/**
 * The agent CLIs this release is tested with, at exactly these npm versions: `squad agents install`
 * and `.ci/run` install them, the end-to-end tests run that very install, and the web form's hint
 * names them. A run whose CLI is another version still runs, with a warning naming both. Aider is
 * not here: it comes from PyPI, not npm.
 *
 * Raising a version: change it here, run `squad agents install <cli>` and the real-CLI tests
 * (packages/server/test/agents/cli/real-cli-pipeline.test.ts), and re-record the CLI's fixture
 * (packages/server/test/agents/cli/samples/real/).
 */
export const pinnedAgentClis = {
  'claude-code': {
    displayName: 'Claude Code',
    npm: '@anthropic-ai/claude-code',
    version: '2.1.328',
    binary: 'claude',
  },
  codex: { displayName: 'Codex CLI', npm: '@openai/codex', version: '0.169.0', binary: 'codex' },
  opencode: { displayName: 'OpenCode', npm: 'opencode-ai', version: '1.18.33', binary: 'opencode' },
  'gemini-cli': {
    displayName: 'Gemini CLI',
    npm: '@google/gemini-cli',
    version: '0.61.0',
    binary: 'gemini',
  },
} as const

export type PinnedAgentCliName = keyof typeof pinnedAgentClis

/** What the agent form says under an agent CLI provider: the tested version and how to install it. */
export function agentCliHint(provider: string): string | null {
  if (!Object.hasOwn(pinnedAgentClis, provider)) return null
  const cli = pinnedAgentClis[provider as PinnedAgentCliName]
  return `Runs ${cli.displayName} ${cli.version} (${cli.npm}) in the sandbox. Install it on the server once: squad agents install ${provider}`
}
