import { checkPlan, PlanAnswer } from '../../conclusion.ts'
import { describe, Tool } from '../tool.ts'

export const splitTaskTool = Tool.define('split_task', {
  description: describe(new URL('./split-task.txt', import.meta.url)),
  parameters: PlanAnswer,
  async execute(args, ctx) {
    const assignment = ctx.assignment
    if (assignment.mode !== 'plan')
      return { output: 'Error: split_task is only available in a planning run.', failed: true }
    const checked = checkPlan(args, assignment)
    if ('error' in checked) return { output: `Error: ${checked.error}. Call split_task again.`, failed: true }
    ctx.finish({ summary: args.summary, plan: checked.plan })
    return `Planned ${args.subtasks.length} subtask${args.subtasks.length === 1 ? '' : 's'}: they go on the board and start now (those with \`after\` once their predecessors are merged).`
  },
})
