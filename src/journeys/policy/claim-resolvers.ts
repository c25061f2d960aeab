import type { Locale } from './policy.model';

/**
 * B2C claim resolvers (Microsoft Learn, "Claim resolvers in Azure AD B2C custom policies"): a
 * `{Namespace:Name}` in a default value (or a REST `ServiceUrl`) is replaced by a value of the
 * request or the journey. A value that is exactly one resolver and resolves to nothing leaves
 * the claim unset; inside longer text, an unresolved resolver becomes the empty string.
 */

export interface ResolverContext {
  clientId: string;
  policyId: string;
  correlationId: string;
  now: Date;
  locale: Locale;
  loginHint?: string;
  domainHint?: string;
  nonce?: string;
  prompt?: string;
  scope?: string[];
  redirectUri?: string;
  /** every query parameter of the authorization request, for `{OAUTH-KV:<param>}` */
  parameters: Record<string, string>;
  tenantId?: string;
}

const RESOLVERS: Record<string, (ctx: ResolverContext) => string | undefined> = {
  'OIDC:ClientId': (c) => c.clientId,
  'OIDC:LoginHint': (c) => c.loginHint,
  'OIDC:DomainHint': (c) => c.domainHint,
  'OIDC:Nonce': (c) => c.nonce,
  'OIDC:Prompt': (c) => c.prompt,
  'OIDC:Scope': (c) => c.scope?.join(' '),
  'OIDC:RedirectUri': (c) => c.redirectUri,
  'Policy:PolicyId': (c) => c.policyId,
  'Policy:TenantObjectId': (c) => c.tenantId,
  'Policy:RelyingPartyTenantId': (c) => c.tenantId,
  'Context:CorrelationId': (c) => c.correlationId,
  'Context:DateTimeInUtc': (c) => b2cDateTime(c.now),
  'Culture:LanguageName': (c) => c.locale,
  'Culture:RFC5646': (c) => c.locale,
};

export const RESOLVER_NAMESPACES = ['OIDC', 'OAUTH-KV', 'Policy', 'Context', 'Culture'] as const;
const RESOLVER = /\{(OIDC|OAUTH-KV|Policy|Context|Culture):([^{}\s]+)\}/g;

export function supportedResolvers(): string[] {
  return [...Object.keys(RESOLVERS).map((k) => `{${k}}`), '{OAUTH-KV:<parameter>}'];
}

/** The resolvers a value uses that this server does not know, e.g. `{OIDC:Nonsense}`. */
export function unknownResolvers(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  const unknown: string[] = [];
  for (const [match, namespace, name] of value.matchAll(RESOLVER)) {
    if (namespace === 'OAUTH-KV') continue;
    if (!RESOLVERS[`${namespace}:${name}`]) unknown.push(match);
  }
  return unknown;
}

export function usesResolvers(value: unknown): boolean {
  return typeof value === 'string' && new RegExp(RESOLVER.source).test(value);
}

/** Resolves every resolver in `value`. Non-strings pass through unchanged. */
export function resolveClaimValue<T>(value: T, ctx: ResolverContext): T | string | undefined {
  if (typeof value !== 'string') return value;
  const whole = new RegExp(`^${RESOLVER.source}$`).exec(value);
  if (whole) return resolveOne(whole[1], whole[2], ctx);
  return value.replace(RESOLVER, (_m, namespace: string, name: string) => resolveOne(namespace, name, ctx) ?? '');
}

function resolveOne(namespace: string, name: string, ctx: ResolverContext): string | undefined {
  const value = namespace === 'OAUTH-KV' ? (Object.hasOwn(ctx.parameters, name) ? ctx.parameters[name] : undefined) : RESOLVERS[`${namespace}:${name}`]?.(ctx);
  return value === '' ? undefined : value;
}

/** B2C writes `{Context:DateTimeInUtc}` the .NET en-US way: `10/10/2021 12:00:00 PM`. */
export function b2cDateTime(date: Date): string {
  const h = date.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${h % 12 || 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}
