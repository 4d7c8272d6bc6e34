import type { ToolDefinition } from '../tool.ts'
import { editTool } from './edit.ts'
import { finishTool } from './finish.ts'
import { gitDiffTool } from './git-diff.ts'
import { gitStatusTool } from './git-status.ts'
import { globTool } from './glob.ts'
import { grepTool } from './grep.ts'
import { listTool } from './list.ts'
import { readTool } from './read.ts'
import { runCommandTool } from './run.ts'
import { writeTool } from './write.ts'

/** Every tool of the built-in agent, by id. */
export const builtinTools: ReadonlyMap<string, ToolDefinition> = new Map(
  [
    listTool,
    readTool,
    writeTool,
    editTool,
    globTool,
    grepTool,
    runCommandTool,
    gitStatusTool,
    gitDiffTool,
    finishTool,
  ].map((t) => [t.id, t as unknown as ToolDefinition]),
)
