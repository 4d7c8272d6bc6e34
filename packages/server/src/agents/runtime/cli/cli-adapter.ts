import type { Sandbox } from '../../../sandbox/sandbox-provider.ts'
import type { ModelProtocol } from '../../model-proxy/model-protocols.ts'
import type { AgentEvent } from '../agent-runtime.ts'

/** Where the task prompt goes in a CLI's argument vector (the runner passes it without quoting it twice). */
export const PROMPT = Symbol('prompt')
/**
 * An argument: a literal (quoted for the shell), the prompt, or a fixed shell word the adapter
 * writes itself, for a path under the sandbox's own `$HOME` (e.g. `{ shell: '"$HOME/.aider.history"' }`).
 */
export type CliArg = string | typeof PROMPT | { shell: string }

/**
 * A model key an agent CLI reads from its environment: looked up under `env` in the server's
 * environment and handed to the CLI under `env` and each of `also` (aliases the CLI also reads).
 */
export type KeyVariable = { env: string; also?: string[] }

/** What a CLI's run is configured from: the agent's settings and the run's fresh HOME. */
export type CliSetupOpts = {
  /** The model API's base URL as this CLI expects it (`config.base_url`, or a model proxy's), or null for the vendor's. */
  baseUrl: string | null
  model: string | null
  /** The environment variable the model key is handed over in (the CLI's first key name). */
  keyEnv: string
}

/**
 * Everything a CLI needs beyond its arguments, so it runs non-interactively, quietly and alone:
 * environment variables, and config files written into the run's fresh HOME before it starts.
 */
export type CliSetup = {
  env: Record<string, string>
  /** Path relative to HOME → content. */
  files: Record<string, string>
}

/** What one line of a CLI's output meant. */
export type ParsedLine = {
  events: AgentEvent[]
  /** A remark for the log that is not part of the conversation (a warning, a session id). */
  note?: string
}

/** How a CLI's run ended, as its own output tells it. */
export type CliOutcome = {
  /** The final result message (the summary), or null when the CLI printed none. */
  result: string | null
  /** The failure the CLI reported (an error result, a failed turn), if any. */
  error: string | null
  /**
   * What went wrong on the way, for people (a tool call the CLI refused, a model stream it had to
   * retry): each becomes a warning on the Work page. Absent when nothing did.
   */
  warnings?: string[]
  /** Tool calls the CLI refused to run: a run with any ends failed, since its work is not all done. */
  denied?: string[]
}

/**
 * Reads one run's output, line by line. Parsers never throw: a line they cannot read (not JSON,
 * cut short, an unknown shape) gives null and is shown in the log as printed.
 */
export type CliOutputParser = {
  line(text: string): ParsedLine | null
  finish(): CliOutcome
}

/**
 * One external agent CLI: how to call it non-interactively and how to read what it prints. The
 * shared runner (run-cli-agent.ts) does the rest: prompt, key, sandbox command, log, failures.
 */
export type CliAdapter = {
  /** The agent `llm_provider` this adapter serves, e.g. `claude-code`. */
  readonly provider: string
  /** Name for people: "Claude Code". */
  readonly displayName: string
  /** The executable's default name (`config.command` overrides it). */
  readonly binary: string
  /** How to install it, for the "command not found" message. */
  readonly installHint: string
  /**
   * What it speaks to its model with this model (the model proxy and the fake model servers answer
   * in kind); null when it cannot be pointed at the proxy, and then it gets the key itself.
   */
  protocol(model: string | null): ModelProtocol | null
  /** Environment and HOME config files for a non-interactive, quiet run (no telemetry, no update checks). */
  setup(options: CliSetupOpts): CliSetup
  /** The model keys it can use, in order of preference (the first one present is passed). */
  keyVariables(model: string | null): KeyVariable[]
  /** Arguments after the executable: non-interactive mode, machine-readable output, the prompt. */
  args(options: { model: string | null; baseUrl: string | null }): CliArg[]
  /**
   * True when the CLI prints plain text (Aider): every line goes to the log as printed and the
   * parser only picks out events. Otherwise its structured lines are shown rendered, not raw.
   */
  readonly plainText?: boolean
  /** What the result should have looked like, for the "printed no result" message. */
  readonly expectedResult: string
  parser(): CliOutputParser
  /** Removes what the CLI leaves in the workspace that is not the task's work (caches, histories). */
  cleanup?(sandbox: Sandbox, workdir: string): Promise<void>
}
