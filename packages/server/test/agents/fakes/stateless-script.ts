import { posix } from 'node:path'
import type { FakeScript, FakeToolCall, FakeTurn, RecordedRequest } from './scripted-model.ts'

/**
 * The file the fake model asks the agent CLI to write: `dir` is the workspace as the CLI sees it.
 * `call` replaces the write with another tool call (one the CLI should refuse); `breakStream`
 * answers every request with tools with a stream that breaks off mid-event.
 */
export type WriteSpec = {
  dir: string
  file: string
  content: string
  summary?: string
  call?: FakeToolCall
  breakStream?: boolean
}

/** An event stream cut off inside its first event's JSON. */
export const BROKEN_STREAM = 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_\n\n'

/** What a request says, whichever of the four wire formats it came in. */
type Reading = { tools: string[]; hasToolResult: boolean; params: Map<string, string[]> }

/** The property names of a tool's JSON schema (`parameters`, `input_schema` or `parametersJsonSchema`). */
const propertiesOf = (tool: Record<string, unknown>): string[] => {
  const schema = (tool.parameters ?? tool.input_schema ?? tool.parametersJsonSchema) as
    | { properties?: Record<string, unknown> }
    | undefined
  return Object.keys(schema?.properties ?? {})
}

const records = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
    : []

/**
 * The offered tool names and whether a tool result came back, read from the request body of the
 * Anthropic Messages API (`tools[].name`, `tool_result` blocks), the OpenAI Responses API
 * (`tools[].name`, `function_call_output` / `custom_tool_call_output` items), Chat Completions
 * (`tools[].function.name`, `role: "tool"` messages) or Gemini (`tools[].functionDeclarations[].name`,
 * `functionResponse` parts).
 */
export function readRequest(body: Record<string, unknown>): Reading {
  const params = new Map<string, string[]>()
  const named = (tool: Record<string, unknown>) => {
    params.set(String(tool.name), propertiesOf(tool))
    return String(tool.name)
  }
  const tools = records(body.tools).flatMap((tool) => {
    if (Array.isArray(tool.functionDeclarations)) return records(tool.functionDeclarations).map(named)
    const fn = tool.function as Record<string, unknown> | undefined
    if (fn && typeof fn.name === 'string') return [named(fn)]
    return typeof tool.name === 'string' ? [named(tool)] : []
  })
  const anthropic = records(body.messages).some((m) =>
    records(m.content).some((b) => b.type === 'tool_result'),
  )
  const chat = records(body.messages).some((m) => m.role === 'tool')
  const responses = records(body.input).some(
    (item) => item.type === 'function_call_output' || item.type === 'custom_tool_call_output',
  )
  const gemini = records(body.contents).some((c) => records(c.parts).some((p) => 'functionResponse' in p))
  return { tools, hasToolResult: anthropic || chat || responses || gemini, params }
}

/**
 * The call of `tool` that writes `spec`'s file, in the arguments that tool takes: each CLI's own
 * write tool (Claude Code `Write`, opencode `write`, Gemini CLI `write_file`) or, for Codex, a patch
 * (`apply_patch`) or a shell command. Null when the tool is none of those.
 */
export function writeCall(tool: string, spec: WriteSpec, params: string[] = []): FakeToolCall | null {
  const absolute = posix.join(spec.dir, spec.file)
  const patch = `*** Begin Patch\n*** Add File: ${spec.file}\n${spec.content
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `+${line}`)
    .join('\n')}\n*** End Patch\n`
  switch (tool) {
    case 'Write':
    case 'write_file':
      return { name: tool, args: { file_path: absolute, content: spec.content } }
    case 'write':
      // OpenCode's takes an absolute `filePath`; the built-in agent's a workspace-relative `path`.
      return params.includes('path')
        ? { name: tool, args: { path: spec.file, content: spec.content } }
        : { name: tool, args: { filePath: absolute, content: spec.content } }
    case 'apply_patch':
      // Codex's takes the patch as `input`, OpenCode's (offered to GPT models) as `patchText`.
      return { name: tool, args: params.includes('patchText') ? { patchText: patch } : { input: patch } }
    case 'shell':
    case 'exec_command': {
      const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`
      const script = `printf '%s' ${quote(spec.content)} > ${quote(spec.file)}`
      return tool === 'shell'
        ? { name: tool, args: { command: ['bash', '-lc', script], workdir: spec.dir } }
        : { name: tool, args: { cmd: script, workdir: spec.dir } }
    }
    default:
      return null
  }
}

/** Tools tried in this order: the dedicated write tools first, a shell last. */
const preference = ['Write', 'write', 'write_file', 'apply_patch', 'exec_command', 'shell']

/**
 * The script of issue 17, with no memory between requests (a CLI's side requests, retries and
 * parallel calls all get a sensible answer): a request without tools gets text; with tools and no
 * tool result, one call of the write tool the CLI offered; with a tool result, the final message.
 * `onTurn` sees each decision (the tests count them).
 */
export function statelessScript(
  spec: WriteSpec,
  onTurn?: (kind: 'text' | 'tool' | 'final', request: RecordedRequest) => void,
): FakeScript {
  return (request): FakeTurn => {
    const { tools, hasToolResult, params } = readRequest(request.body)
    if (tools.length === 0) {
      onTurn?.('text', request)
      return { text: 'Fake model here: nothing to do without tools.', usage: { input: 20, output: 8 } }
    }
    if (hasToolResult) {
      onTurn?.('final', request)
      return { text: spec.summary ?? `Wrote ${spec.file}.`, usage: { input: 140, output: 12 } }
    }
    if (spec.breakStream) {
      onTurn?.('tool', request)
      return { malformed: BROKEN_STREAM }
    }
    const name = preference.find((tool) => tools.includes(tool))
    const call = spec.call ?? (name ? writeCall(name, spec, params.get(name)) : null)
    if (!call) return { text: `The fake model knows none of the tools offered: ${tools.join(', ')}` }
    onTurn?.('tool', request)
    return { toolCalls: [{ ...call, id: `call_write_${Date.now()}` }], usage: { input: 120, output: 30 } }
  }
}
