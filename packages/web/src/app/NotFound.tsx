import { Link } from 'react-router'
import { Empty } from '../shared/ui/States.tsx'

export function NotFound() {
  return (
    <Empty title="Page not found" action={<Link to="/">Go to your squads</Link>}>
      This address does not match a page of Agent Squad.
    </Empty>
  )
}
