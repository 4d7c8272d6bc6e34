import type { ReviewVerdict } from '@agent-squad/contract'
import { useRef, useState } from 'react'
import { Link } from 'react-router'
import { useCreateReview } from '../../shared/api/reviews.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { Field } from '../../shared/ui/Field.tsx'
import { InlineError } from '../../shared/ui/States.tsx'
import { type CommentRow, checkRows, isBlankRow, type RowErrors } from './comment-rows.ts'
import { FileComments } from './FileComments.tsx'

type Outcome = { verdict: ReviewVerdict; followUpId: string | null }

type ReviewFormProps = {
  taskId: string
  /** The files the pull request changed, when the page has them: offered for file comments. */
  files?: readonly string[] | undefined
}

const noErrors: ReadonlyMap<number, RowErrors> = new Map()

/**
 * A person's review of the task's pull request: a text and remarks on single files (and lines).
 * "Request changes" sends them to the implementing agent as a revision run on the same branch and
 * pull request; the form then points at that run. Faulty file comments are marked on their row and
 * nothing is sent; refusals (no pull request yet, a run already active) show the server's message.
 */
export function ReviewForm({ taskId, files }: ReviewFormProps) {
  const [body, setBody] = useState('')
  const [rows, setRows] = useState<CommentRow[]>([])
  const [errors, setErrors] = useState(noErrors)
  const nextKey = useRef(1)
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  const create = useCreateReview(taskId)
  const pending = create.isPending ? create.variables?.verdict : undefined
  // The server refuses these without a word or a file comment; say so before the click.
  const needsText = !body.trim() && rows.every(isBlankRow)

  const forget = (key: number) => {
    if (!errors.has(key)) return
    const rest = new Map(errors)
    rest.delete(key)
    setErrors(rest)
  }
  const addRow = () => {
    const key = nextKey.current++
    setRows((rs) => [...rs, { key, path: '', line: '', body: '' }])
  }
  const changeRow = (row: CommentRow) => {
    setRows((rs) => rs.map((r) => (r.key === row.key ? row : r)))
    forget(row.key)
  }
  const removeRow = (key: number) => {
    setRows((rs) => rs.filter((r) => r.key !== key))
    forget(key)
  }

  const submit = (verdict: ReviewVerdict) => {
    setOutcome(null)
    const checked = checkRows(rows)
    setErrors(checked.ok ? noErrors : checked.errors)
    if (!checked.ok) return
    create.mutate(
      { verdict, body: body.trim(), comments: checked.comments },
      {
        onSuccess: (result) => {
          setBody('')
          setRows([])
          setOutcome({ verdict, followUpId: result.follow_up_execution_id })
        },
      },
    )
  }

  return (
    <form className="review-form" onSubmit={(e) => e.preventDefault()} aria-label="Review the pull request">
      <Field
        label="Your review"
        hint="Request changes or comment needs a few words or a file comment; requesting changes queues a revision run of the agent."
      >
        <textarea rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
      </Field>
      <FileComments
        rows={rows}
        errors={errors}
        files={files}
        onAdd={addRow}
        onChange={changeRow}
        onRemove={removeRow}
      />
      {errors.size ? (
        <p className="inline-error">Correct the marked file comments, or empty them, to send the review.</p>
      ) : null}
      <InlineError error={create.error} />
      {outcome ? (
        <p className="notice" role="status">
          {outcome.followUpId ? (
            <>
              Changes requested: the agent's revision run is queued.{' '}
              <Link to={`/executions/${outcome.followUpId}`} data-testid="queued-run-link">
                Watch the follow-up run
              </Link>
            </>
          ) : outcome.verdict === 'approved' ? (
            'Approved.'
          ) : (
            'Review submitted.'
          )}
        </p>
      ) : null}
      <div className="form-actions">
        <Button
          onClick={() => submit('commented')}
          disabled={needsText || create.isPending}
          busy={pending === 'commented'}
        >
          Comment
        </Button>
        <Button onClick={() => submit('approved')} disabled={create.isPending} busy={pending === 'approved'}>
          Approve
        </Button>
        <Button
          variant="primary"
          onClick={() => submit('changes_requested')}
          disabled={needsText || create.isPending}
          busy={pending === 'changes_requested'}
        >
          Request changes
        </Button>
      </div>
    </form>
  )
}
