import { cloneElement, isValidElement, type ReactElement, type ReactNode, useId } from 'react'

type ControlProps = { id?: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }

export type FieldProps = {
  label: string
  error?: string | undefined
  hint?: ReactNode
  children: ReactElement<ControlProps>
}

/** A label, its control, a hint and the validation message, wired together for screen readers. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId()
  const note = `${id}-note`
  const control = isValidElement(children)
    ? cloneElement(children, {
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': error || hint ? note : undefined,
      })
    : children
  return (
    <div className={`field${error ? ' field-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {control}
      {error ? (
        <p id={note} className="field-message" role="alert">
          {error}
        </p>
      ) : hint ? (
        <p id={note} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  )
}

/** The first message per field of a zod error, keyed by the field's name. */
export function fieldErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
  const errors: Record<string, string> = {}
  for (const issue of issues) {
    const key = String(issue.path[0] ?? '')
    errors[key] ??= issue.message
  }
  return errors
}
