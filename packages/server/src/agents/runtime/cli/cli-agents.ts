import type { AgentRuntime } from '../agent-runtime.ts'
import { aider } from './aider/aider.ts'
import { claudeCode } from './claude-code/claude-code.ts'
import type { CliAdapter } from './cli-adapter.ts'
import { codex } from './codex/codex.ts'
import { geminiCli } from './gemini-cli/gemini-cli.ts'
import { opencode } from './opencode/opencode.ts'
import { type CliAgentDeps, createCliAgent } from './run-cli-agent.ts'

/** Every external agent CLI, by the agent `llm_provider` that selects it. */
export const cliAdapters: readonly CliAdapter[] = [claudeCode, codex, opencode, aider, geminiCli]

/**
 * The runtime for an agent whose `llm_provider` is an agent CLI, or null for any other provider.
 * Built once in the composition root with the server's environment (where model keys live).
 */
export function createCliAgents(
  deps: CliAgentDeps,
): (agent: { llmProvider: string } | null) => AgentRuntime | null {
  const runtimes = new Map(cliAdapters.map((adapter) => [adapter.provider, createCliAgent(adapter, deps)]))
  return (agent) => (agent ? (runtimes.get(agent.llmProvider) ?? null) : null)
}
