import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { AppError } from '../../../domain/errors.ts'
import type { CommitType } from '../../../git/conventional-commit.ts'
import type { Sandbox } from '../../../sandbox/sandbox-provider.ts'
import { redactDeep } from '../../../secrets/redactor.ts'
import type { AgentAssignment, AgentLog, AgentPlan, AgentReview } from '../agent-runtime.ts'
import { checkRealPaths, confineToWorkspace, PathEscapeError } from './workspace-path.ts'

/** What the concluding tool (`finish`, `split_task` or `submit_review`) hands back to the pipeline. */
export type FinishResult = {
  summary: string
  commitType?: CommitType
  commitScope?: string | null
  commitSubject?: string | null
  plan?: AgentPlan
  review?: AgentReview
}

/** What every tool's `execute` gets besides its arguments. */
export type ToolContext = {
  sandbox: Sandbox
  /** The workspace as commands in the sandbox see it (e.g. /workspace). */
  workdir: string
  signal: AbortSignal
  /** The execution's terminal log (commands the agent runs show there, with their output). */
  log: AgentLog
  /** Longest a command may run: the tool's own cap, shortened to what is left of the agent's time. */
  commandTimeoutMs(requestedMs?: number): number
  /** Bytes kept of a command's stdout and of its stderr. */
  maxCommandOutputBytes: number
  /** What the run is for (implement, plan, review): the concluding tools check against it. */
  assignment: AgentAssignment
  /** Called by the concluding tool: the loop stops after this step. */
  finish(result: FinishResult): void
}

/** A tool's answer: text for the model, and whether it counts as failed (shown as such in the UI). */
export type ToolResult = { output: string; failed?: boolean }

export type ToolDefinition<P extends z.ZodObject = z.ZodObject> = {
  id: string
  description: string
  parameters: P
  /** Top-level arguments that hold workspace paths: confined by the wrapper before `execute` runs. */
  paths?: readonly (keyof z.infer<P> & string)[]
  execute(args: z.infer<P>, ctx: ToolContext): Promise<ToolResult | string>
}

/** Reads a tool's long description from the `.txt` beside its module (like opencode's tools). */
export const describe = (url: URL) => readFileSync(url, 'utf8').trim()

export const Tool = {
  define<P extends z.ZodObject>(id: string, definition: Omit<ToolDefinition<P>, 'id'>): ToolDefinition<P> {
    return { id, ...definition }
  },
}

/** The outcome of one call as the loop sees it: model-facing text plus what the event log shows. */
export type ToolOutcome = {
  /** Redacted, truncated: what goes back to the model. */
  output: string
  failed: boolean
  /** The call's arguments, redacted (the model's JSON, or the raw text when it was not JSON). */
  input: unknown
  durationMs: number
}

export type WrapperOptions = {
  redact(text: string): string
  /** Characters of a tool's output the model sees; the middle of longer output is cut. */
  maxOutputChars: number
}

/** Keeps the head and the tail (errors are usually at the end) of text longer than `max`. */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text
  const head = Math.floor(max * 0.6)
  const tail = max - head
  const omitted = text.length - head - tail
  return `${text.slice(0, head)}\n\n[… ${omitted} characters omitted: narrow the command, or use read with offset/limit or grep …]\n\n${text.slice(text.length - tail)}`
}

const errorText = (error: unknown): string => {
  if (error instanceof PathEscapeError) return error.message
  if (error instanceof AppError && error.code === 'forbidden')
    return `Refused: ${error.message}. Paths must stay inside the workspace.`
  if (error instanceof Error) return error.message
  return String(error)
}

/**
 * Runs one tool call: validates the arguments against the tool's zod schema, confines its path
 * arguments to the workspace (lexically, then with symlinks resolved in the sandbox), executes it,
 * and truncates and redacts what it returns. Nothing here throws: a bad call becomes an error
 * result the model reads on its next turn. Only an abort of the whole run propagates.
 */
export async function callTool(
  tool: ToolDefinition | undefined,
  call: { toolName: string; input: unknown; invalidReason?: string },
  ctx: ToolContext,
  options: WrapperOptions,
): Promise<ToolOutcome> {
  const started = performance.now()
  const finish = (output: string, failed: boolean): ToolOutcome => ({
    output: options.redact(truncateMiddle(output, options.maxOutputChars)),
    failed,
    input: redactDeep(call.input, options.redact),
    durationMs: performance.now() - started,
  })
  if (!tool) return finish(`Error: there is no tool named "${call.toolName}".`, true)
  if (call.invalidReason !== undefined)
    return finish(
      `Error: the arguments for ${tool.id} were not valid JSON (${call.invalidReason}). Call it again with a JSON object matching its parameters.`,
      true,
    )
  const parsed = tool.parameters.safeParse(call.input)
  if (!parsed.success)
    return finish(
      `Error: invalid arguments for ${tool.id}:\n${z.prettifyError(parsed.error)}\nCall it again with arguments matching its parameters.`,
      true,
    )
  try {
    const args = parsed.data as Record<string, unknown>
    const paths: string[] = []
    for (const key of tool.paths ?? []) {
      const value = args[key]
      if (typeof value !== 'string') continue
      const confined = confineToWorkspace(value, ctx.workdir)
      args[key] = confined
      paths.push(confined)
    }
    await checkRealPaths(ctx.sandbox, ctx.workdir, paths)
    const result = await tool.execute(args, ctx)
    const { output, failed = false } = typeof result === 'string' ? { output: result } : result
    return finish(output, failed)
  } catch (error) {
    if (ctx.signal.aborted) throw error
    return finish(`Error: ${errorText(error)}`, true)
  }
}
