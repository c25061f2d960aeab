import type { ClaimsBag, ClaimValue, Precondition } from './policy.model';

/**
 * B2C preconditions (Microsoft Learn, "UserJourneys › Preconditions"):
 * - they are evaluated in order, and the first one that is satisfied performs its action (the
 *   only action is `SkipThisOrchestrationStep`), so later ones are not looked at;
 * - `ClaimsExist` is true when the named claims have a value;
 * - `ClaimEquals` compares a claim with a value; when the claim is not in the bag at all, the
 *   precondition is ignored — neither true nor false — whatever `executeActionsIf` says;
 * - `executeActionsIf: true` acts when the check holds, `false` when it does not.
 */

/** A claim "exists" when it has a value: absent, null, empty text and empty lists do not. */
export function claimExists(bag: Readonly<ClaimsBag>, claimType: string): boolean {
  if (!Object.hasOwn(bag, claimType)) return false;
  const value = bag[claimType] as ClaimValue | null | undefined;
  if (value === undefined || value === null) return false;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  return true;
}

function claimEquals(value: ClaimValue, expected: string): boolean {
  if (typeof value === 'boolean') return String(value) === expected.toLowerCase();
  if (Array.isArray(value)) return value.includes(expected);
  return String(value) === expected;
}

/** The index of the precondition that decides to skip, or -1 when the step runs. */
export function decidingPrecondition(preconditions: readonly Precondition[], bag: Readonly<ClaimsBag>): number {
  for (let i = 0; i < preconditions.length; i++) {
    const p = preconditions[i];
    let holds: boolean;
    if (p.type === 'ClaimsExist') {
      holds = p.values.every((claimType) => claimExists(bag, claimType));
    } else {
      const [claimType, expected] = p.values;
      if (!claimExists(bag, claimType)) continue;
      holds = claimEquals(bag[claimType], expected ?? '');
    }
    if (holds === p.executeActionsIf) return i;
  }
  return -1;
}

export function shouldSkip(preconditions: readonly Precondition[], bag: Readonly<ClaimsBag>): boolean {
  return decidingPrecondition(preconditions, bag) !== -1;
}
