import type { Random } from '../common/random';

export interface BackoffPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

/**
 * Delay before the attempt after `attempt` (1 = the first attempt failed): exponential, capped,
 * with "equal jitter" — half the delay is fixed, half random — so that messages that failed
 * together during one outage do not all come back in the same second, while none comes back
 * sooner than half its step.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: Random): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity long before it matters; min() keeps it in range.
  const step = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(exponent, 52)) * 1000;
  return Math.round(step / 2 + (step / 2) * unitInterval(random));
}

/** A uniform number in [0, 1) from the injected randomness, so tests can pin it. */
function unitInterval(random: Random): number {
  return random.bytes(4).readUInt32BE(0) / 2 ** 32;
}
