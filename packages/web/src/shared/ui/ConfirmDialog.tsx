import type { ReactNode } from 'react'
import { Button } from './Button.tsx'
import { Dialog } from './Dialog.tsx'
import { InlineError } from './States.tsx'

export type ConfirmDialogProps = {
  /** The question, which names the dialog ("Remove Ada?"). */
  title: string
  /** What happens if the person goes ahead. */
  children: ReactNode
  /** The button that goes ahead, named for what it does ("Remove Ada", "Merge"). */
  confirmLabel: string
  danger?: boolean
  busy?: boolean
  /** Why going ahead failed; the dialog stays open to try again or cancel. */
  error?: unknown
  onConfirm: () => void
  onCancel: () => void
}

/**
 * The app's own "are you sure?": a modal with the question, its consequence, Cancel (focused
 * first, so Enter does nothing rash) and the action. Used instead of the browser's `confirm()`,
 * which looks like another site's and cannot say what a button does.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger,
  busy,
  error,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  return (
    <Dialog
      title={title}
      onClose={onCancel}
      footer={
        <>
          <Button onClick={onCancel}>Cancel</Button>
          <Button variant={danger ? 'danger' : 'primary'} onClick={onConfirm} busy={busy}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div className="confirm-body">{children}</div>
      <InlineError error={error} />
    </Dialog>
  )
}
