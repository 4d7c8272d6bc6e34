import type { AgentMode } from '../../agent-runtime.ts'
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
import { splitTaskTool } from './split-task.ts'
import { submitReviewTool } from './submit-review.ts'
import { writeTool } from './write.ts'

const byId = (tools: ToolDefinition[]): ReadonlyMap<string, ToolDefinition> =>
  new Map(tools.map((t) => [t.id, t]))

// Looking around: every mode has these. `run` too, so a reviewer can run the tests.
const explore = [listTool, readTool, globTool, grepTool, runCommandTool, gitStatusTool, gitDiffTool].map(
  (t) => t as unknown as ToolDefinition,
)

/** Every tool of the built-in agent when it implements a task, by id. */
export const builtinTools = byId(
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
  ].map((t) => t as unknown as ToolDefinition),
)

/**
 * The tools of each mode: only an implementing run may edit files and finish with a commit; a
 * planning run ends with `split_task`, a review with `submit_review` (their edits are never committed).
 */
export const toolsForMode: Record<AgentMode, ReadonlyMap<string, ToolDefinition>> = {
  implement: builtinTools,
  plan: byId([...explore, splitTaskTool as unknown as ToolDefinition]),
  review: byId([...explore, submitReviewTool as unknown as ToolDefinition]),
}

/** The tool that ends a run of each mode (named in nudges and limit messages). */
export const concludingTool: Record<AgentMode, string> = {
  implement: 'finish',
  plan: 'split_task',
  review: 'submit_review',
}
