import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AgentEvent } from '../../../src/agents/runtime/agent-runtime.ts'
import type { CliAdapter, CliOutcome } from '../../../src/agents/runtime/cli/cli-adapter.ts'
import { createLineSplitter } from '../../../src/agents/runtime/cli/line-splitter.ts'

/** Recorded runs of each CLI, in its documented output format (the stand-ins print the same). */
export const samplesDir = join(import.meta.dirname, 'samples')
/** The stand-in executables. */
export const binDir = join(import.meta.dirname, 'bin')

export const sample = (file: string) => readFileSync(join(samplesDir, file), 'utf8')

export type Parsed = { events: AgentEvent[]; notes: string[]; unread: string[]; outcome: CliOutcome }

/** Feeds `output` to a fresh parser of `adapter` in the given chunks (default: all at once). */
export function parseOutput(adapter: CliAdapter, output: string, chunks: string[] = [output]): Parsed {
  const parser = adapter.parser()
  const parsed: Omit<Parsed, 'outcome'> = { events: [], notes: [], unread: [] }
  const lines = createLineSplitter((line) => {
    const result = parser.line(line)
    if (!result) return void parsed.unread.push(line)
    parsed.events.push(...result.events)
    if (result.note) parsed.notes.push(result.note)
  })
  for (const chunk of chunks) lines.push(chunk)
  lines.end()
  if (chunks.join('') !== output) throw new Error('chunks do not add up to the output')
  return { ...parsed, outcome: parser.finish() }
}
