/**
 * Milliseconds on the monotonic clock (CLOCK_MONOTONIC), which every process on one machine shares:
 * a time taken in the bench's parent and one taken in a load-client child can be subtracted.
 */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6
