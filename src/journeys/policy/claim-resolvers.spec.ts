import { b2cDateTime, resolveClaimValue, unknownResolvers, type ResolverContext } from './claim-resolvers';

const ctx: ResolverContext = {
  clientId: 'app-1',
  policyId: 'B2C_1A_signup_invitation',
  correlationId: '6c1d5f0e-0000-4000-8000-000000000001',
  now: new Date(Date.UTC(2026, 0, 2, 15, 4, 5)),
  locale: 'ko',
  loginHint: 'ada@example.com',
  nonce: 'n-0S6_WzA2Mj',
  scope: ['openid', 'offline_access'],
  redirectUri: 'https://app.example.com/cb',
  parameters: { campaign: 'spring', empty: '' },
  tenantId: 'd1f2c3b4-0000-4000-8000-00000000000a',
};

describe('claim resolvers', () => {
  it.each<[string, unknown, unknown]>([
    ['{OIDC:ClientId}', '{OIDC:ClientId}', 'app-1'],
    ['{OIDC:LoginHint}', '{OIDC:LoginHint}', 'ada@example.com'],
    ['{OIDC:DomainHint} when absent leaves the claim unset', '{OIDC:DomainHint}', undefined],
    ['{OIDC:Nonce}', '{OIDC:Nonce}', 'n-0S6_WzA2Mj'],
    ['{OIDC:Scope}', '{OIDC:Scope}', 'openid offline_access'],
    ['{OAUTH-KV:param}', '{OAUTH-KV:campaign}', 'spring'],
    ['{OAUTH-KV:param} absent', '{OAUTH-KV:missing}', undefined],
    ['{OAUTH-KV:param} empty counts as absent', '{OAUTH-KV:empty}', undefined],
    ['{Policy:PolicyId}', '{Policy:PolicyId}', 'B2C_1A_signup_invitation'],
    ['{Policy:TenantObjectId}', '{Policy:TenantObjectId}', 'd1f2c3b4-0000-4000-8000-00000000000a'],
    ['{Context:CorrelationId}', '{Context:CorrelationId}', '6c1d5f0e-0000-4000-8000-000000000001'],
    ['{Context:DateTimeInUtc} in B2C’s format', '{Context:DateTimeInUtc}', '1/2/2026 3:04:05 PM'],
    ['{Culture:LanguageName}', '{Culture:LanguageName}', 'ko'],
    ['resolvers inside text are replaced, unresolved ones by nothing', 'client={OIDC:ClientId};domain={OIDC:DomainHint}', 'client=app-1;domain='],
    ['format placeholders are not resolvers', 'Hello {0}', 'Hello {0}'],
    ['an unknown namespace is left as written', '{Foo:Bar}', '{Foo:Bar}'],
    ['non-strings pass through', true, true],
  ])('%s', (_name, value, expected) => {
    expect(resolveClaimValue(value, ctx)).toBe(expected);
  });

  it('{OAUTH-KV} reads own parameters only', () => {
    expect(resolveClaimValue('{OAUTH-KV:constructor}', ctx)).toBeUndefined();
  });

  it('finds unknown resolvers of known namespaces', () => {
    expect(unknownResolvers('{OIDC:ClientId} {OIDC:Nonsense} {Context:Whatever} {OAUTH-KV:anything} {Foo:Bar}')).toEqual(['{OIDC:Nonsense}', '{Context:Whatever}']);
  });

  it('writes midnight and noon as B2C does', () => {
    expect(b2cDateTime(new Date(Date.UTC(2026, 11, 31, 0, 0, 9)))).toBe('12/31/2026 12:00:09 AM');
    expect(b2cDateTime(new Date(Date.UTC(2026, 5, 1, 12, 30, 0)))).toBe('6/1/2026 12:30:00 PM');
  });
});
