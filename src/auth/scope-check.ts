import { ALL_SCOPES, SCOPES } from './scopes';

const KNOWN: ReadonlySet<string> = new Set<string>([...SCOPES, ALL_SCOPES]);

export function isKnownScope(scope: string): boolean {
  return KNOWN.has(scope);
}

/** The scopes in `required` that `held` does not grant; `*` grants every scope. */
export function missingScopes(held: readonly string[], required: readonly string[]): string[] {
  if (held.includes(ALL_SCOPES)) return [];
  return required.filter((scope) => !held.includes(scope));
}

/** Problems with a requested scope list, phrased for the `scopes` field of an error. */
export function scopeListProblems(scopes: readonly string[]): string[] {
  const problems: string[] = [];
  if (scopes.length === 0) problems.push(`must name at least one scope (${[...SCOPES, ALL_SCOPES].join(', ')})`);
  const unknown = scopes.filter((s) => !isKnownScope(s));
  if (unknown.length) {
    problems.push(`unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `"${s}"`).join(', ')}; known: ${[...SCOPES, ALL_SCOPES].join(', ')}`);
  }
  return problems;
}

/** Sorted and without duplicates; `*` alone when it is present, since it already means all. */
export function normalizeScopes(scopes: readonly string[]): string[] {
  if (scopes.includes(ALL_SCOPES)) return [ALL_SCOPES];
  return [...new Set(scopes)].sort();
}
