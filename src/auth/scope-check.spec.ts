import { missingScopes, normalizeScopes, scopeListProblems } from './scope-check';

describe('scope-check', () => {
  it('names the required scopes a key does not hold, and none for a * key', () => {
    expect(missingScopes(['keys:read'], ['keys:read', 'keys:admin'])).toEqual(['keys:admin']);
    expect(missingScopes(['*'], ['keys:admin'])).toEqual([]);
    expect(missingScopes(['keys:admin'], ['*'])).toEqual(['*']);
  });

  it('explains an empty list and names unknown scopes', () => {
    expect(scopeListProblems([])).toEqual([expect.stringMatching(/at least one scope/)]);
    expect(scopeListProblems(['keys:read', 'keys:write', 'root'])).toEqual([expect.stringMatching(/unknown scopes "keys:write", "root"; known: keys:read/)]);
    expect(scopeListProblems(['*', 'invitations:write'])).toEqual([]);
  });

  it('sorts, deduplicates, and reduces a list containing * to *', () => {
    expect(normalizeScopes(['keys:read', 'api-keys:admin', 'keys:read'])).toEqual(['api-keys:admin', 'keys:read']);
    expect(normalizeScopes(['keys:read', '*'])).toEqual(['*']);
  });
});
