import type { Task } from '@agent-squad/contract'
import { useSortable } from '@dnd-kit/sortable'
import { CSS } from '@dnd-kit/utilities'
import { type ButtonHTMLAttributes, type KeyboardEventHandler, memo, type PointerEventHandler } from 'react'
import { Link } from 'react-router'
import { PullRequestLink } from '../../shared/ui/PullRequestLink.tsx'

export type CardContext = {
  agentName: string | undefined
  repositoryName: string | undefined
  /** The task's latest execution, when the squad's stream has reported one. */
  runId?: string | undefined
  runStatus?: string | undefined
  /** The task's newest pull request: where it is shown, its number and state. */
  pullRequest?: { url: string; number: number; state: string } | undefined
  /** A subtask's parent ("#12"); see subtasks.ts. */
  parent?: string | undefined
  /** A parent's subtasks and their progress ("2 subtasks · 1 in review"). */
  subtasks?: string | undefined
  /** Tasks this one waits for ("#2, #3"): it starts when they are merged. */
  waitsFor?: string | undefined
}

type CardProps = CardContext & { task: Task; onOpen: (task: Task) => void }
type HandleProps = {
  handle?: ButtonHTMLAttributes<HTMLButtonElement> & { ref?: (el: HTMLElement | null) => void }
}

function CardBody({
  task,
  agentName,
  repositoryName,
  runId,
  runStatus,
  pullRequest,
  parent,
  subtasks,
  waitsFor,
  onOpen,
  handle,
  preview,
}: CardProps & HandleProps & { preview?: boolean }) {
  return (
    <>
      <div className="task-card-top">
        {preview ? (
          <span className="drag-handle">⠿</span>
        ) : (
          <button type="button" className="drag-handle" aria-label={`Move task #${task.number}`} {...handle}>
            ⠿
          </button>
        )}
        <span className="task-number">#{task.number}</span>
        {parent ? (
          <span className="task-parent" title={`Subtask of ${parent}`} data-testid="subtask-of">
            ↳ {parent}
          </span>
        ) : null}
        {runId && runStatus && !preview ? (
          <Link
            to={`/executions/${runId}`}
            className={`run-status run-${runStatus}`}
            title="Open the Agent Work page"
            onPointerDown={(e) => e.stopPropagation()}
          >
            {runStatus.replace('_', ' ')}
          </Link>
        ) : null}
        {pullRequest && !preview ? (
          <PullRequestLink
            url={pullRequest.url}
            className={`run-status pr-${pullRequest.state}`}
            onPointerDown={(e) => e.stopPropagation()}
          >
            PR #{pullRequest.number} {pullRequest.state}
          </PullRequestLink>
        ) : null}
        <span className={`priority priority-${task.priority}`} title={`${task.priority} priority`}>
          {task.priority}
        </span>
      </div>
      {preview ? (
        <span className="task-title">{task.title}</span>
      ) : (
        <button type="button" className="task-title" onClick={() => onOpen(task)}>
          {task.title}
        </button>
      )}
      {subtasks ? (
        <span className="task-subtasks small" data-testid="subtasks">
          {subtasks}
        </span>
      ) : null}
      {waitsFor ? (
        <span
          className="task-subtasks small"
          data-testid="waits-for"
          title="Starts by itself when these are merged"
        >
          waits for {waitsFor}
        </span>
      ) : null}
      {task.labels.length ? (
        <ul className="labels" aria-label="Labels">
          {task.labels.map((l) => (
            <li key={l} className="label">
              {l}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="task-card-meta">
        <span title="Assignee">
          {agentName ? `@${agentName}` : <span className="muted">unassigned</span>}
        </span>
        {repositoryName ? (
          <span className="muted" title="Repository">
            {repositoryName}
          </span>
        ) : null}
      </div>
    </>
  )
}

/**
 * A task on the board. The pointer drags it from anywhere; the keyboard drags it from its handle
 * (space picks it up, arrows move it, space drops it, escape cancels); its title opens it.
 */
export const TaskCard = memo(function TaskCard(props: CardProps) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } =
    useSortable({
      id: props.task.id,
    })
  // dnd-kit types its listeners loosely (Function); these two are React event handlers.
  const onKeyDown = listeners?.onKeyDown as KeyboardEventHandler<HTMLButtonElement> | undefined
  const onPointerDown = listeners?.onPointerDown as PointerEventHandler<HTMLLIElement> | undefined
  const handle = {
    ...attributes,
    onKeyDown,
    ref: setActivatorNodeRef,
    'aria-roledescription': 'draggable task',
  }
  return (
    <li
      ref={setNodeRef}
      className={`task-card${isDragging ? ' task-card-dragging' : ''}`}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      data-task-number={props.task.number}
      onPointerDown={onPointerDown}
    >
      <CardBody {...props} handle={handle} />
    </li>
  )
})

/** The card as it follows the pointer while dragged. */
export function TaskCardPreview(props: CardProps) {
  return (
    <div className="task-card task-card-overlay" aria-hidden="true">
      <CardBody {...props} preview />
    </div>
  )
}
