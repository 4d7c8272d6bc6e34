import type { ReviewVerdict } from '@agent-squad/contract'
import { useState } from 'react'
import { Link } from 'react-router'
import { useCreateReview } from '../../shared/api/reviews.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { Field } from '../../shared/ui/Field.tsx'
import { InlineError } from '../../shared/ui/States.tsx'

type Outcome = { verdict: ReviewVerdict; followUpId: string | null }

/**
 * A person's review of the task's pull request. "Request changes" sends the text to the implementing
 * agent as a revision run on the same branch and pull request; the form then points at that run.
 * Refusals (no pull request yet, a run already active) show the server's own message.
 */
export function ReviewForm({ taskId }: { taskId: string }) {
  const [body, setBody] = useState('')
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  const create = useCreateReview(taskId)
  const pending = create.isPending ? create.variables?.verdict : undefined
  // The server refuses these without a word of explanation; say so before the click.
  const needsText = !body.trim()

  const submit = (verdict: ReviewVerdict) => {
    setOutcome(null)
    create.mutate(
      { verdict, body: body.trim(), comments: [] },
      {
        onSuccess: (result) => {
          setBody('')
          setOutcome({ verdict, followUpId: result.follow_up_execution_id })
        },
      },
    )
  }

  return (
    <form className="review-form" onSubmit={(e) => e.preventDefault()} aria-label="Review the pull request">
      <Field
        label="Your review"
        hint="Request changes or comment needs a few words; requesting changes queues a revision run of the agent."
      >
        <textarea rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
      </Field>
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
