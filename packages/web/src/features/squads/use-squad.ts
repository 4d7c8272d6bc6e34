import type { Squad } from '@agent-squad/contract'
import { useOutletContext } from 'react-router'

/** The squad of the page, as SquadLayout loaded it. */
export const useCurrentSquad = () => useOutletContext<Squad>()
