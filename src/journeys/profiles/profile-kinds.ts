import type { ClaimRef, MetadataValue, Policy, ProfileKind, TechnicalProfileDef } from '../policy/policy.model';
import type { Problems } from '../policy/policy.problems';

/**
 * What each technical profile kind accepts, checked when policies load: its metadata items (B2C's
 * own item names where B2C has one), where it may be used, and kind-specific rules. A kind's
 * runtime lives in its handler (`*.handler.ts`); federation kinds add an entry here and a handler.
 */

export type MetadataSpec =
  | { type: 'boolean'; default: boolean }
  | { type: 'int'; default?: number; min: number; max: number }
  | { type: 'string'; required?: boolean; allowed?: readonly string[]; default?: string }
  /** a user-facing text, optionally per locale */
  | { type: 'text' };

/** Where a profile of a kind may appear. */
export type ProfileUse = 'GetClaims' | 'ClaimsExchange' | 'SendClaims' | 'Validation' | 'SignInForm';

export interface LoadContext {
  /** ids of the configured hint profiles (`hintProfiles`) */
  hintProfileIds: string[];
  env: NodeJS.ProcessEnv;
  tenantId?: string;
  /** `tokens.maxLifetimeSeconds` */
  maxTokenLifetimeSeconds: number;
}

export interface KindSpec {
  metadata: Record<string, MetadataSpec>;
  uses: readonly ProfileUse[];
  check?(tp: TechnicalProfileDef, policy: Policy, ctx: LoadContext, problems: Problems): void;
}

const text = { type: 'text' } as const;
const flag = (d: boolean) => ({ type: 'boolean', default: d }) as const;

/** Partner claim names of the user store (B2C's directory attribute names). */
export const USER_STORE_KEYS = ['signInNames.emailAddress', 'objectId'] as const;

function partner(c: ClaimRef): string {
  return c.partnerClaimType ?? c.claimType;
}

export const PROFILE_KIND_SPECS: Record<ProfileKind, KindSpec> = {
  IdTokenHint: {
    metadata: { hintProfile: { type: 'string', required: true } },
    uses: ['GetClaims', 'ClaimsExchange'],
    check(tp, _policy, ctx, problems) {
      const id = tp.metadata.hintProfile;
      if (typeof id === 'string' && !ctx.hintProfileIds.includes(id)) {
        problems.add(tp.source, ['metadata', 'hintProfile'], `"${id}" is not a configured hint profile (${ctx.hintProfileIds.length ? `configured: ${ctx.hintProfileIds.join(', ')}` : 'hintProfiles in the configuration is empty'})`);
      }
    },
  },
  SelfAsserted: {
    metadata: {
      'setting.showContinueButton': flag(true),
      'setting.showCancelButton': flag(true),
      'setting.showSignupLink': flag(true),
      'language.heading': text,
      'language.intro': text,
      'language.button_continue': text,
      'language.button_cancel': text,
      'language.button_signup': text,
      // B2C verifies email addresses with a one-time code by default; Tessera does not, so a
      // translated policy has to say it does not expect that.
      EnforceEmailVerification: { type: 'string', allowed: ['false', 'False'] },
      IpAddressClaimReferenceId: { type: 'string' },
      UserMessageIfClaimsTransformationBooleanValueIsNotEqual: text,
      UserMessageIfClaimsTransformationStringsAreNotEqual: text,
    },
    uses: ['ClaimsExchange', 'SignInForm'],
    check(tp, policy, _ctx, problems) {
      const ip = tp.metadata.IpAddressClaimReferenceId;
      if (typeof ip === 'string' && !policy.claimsSchema.has(ip)) {
        problems.add(tp.source, ['metadata', 'IpAddressClaimReferenceId'], `"${ip}" is not a claim type of the claims schema`);
      }
      for (const [i, claim] of tp.outputClaims.entries()) {
        const type = policy.claimsSchema.get(claim.claimType);
        if (type?.userInputType && type.dataType !== 'string' && !(type.dataType === 'int' && type.userInputType === 'TextBox')) {
          problems.add(tp.source, ['outputClaims', i], `claim type "${type.id}" is ${type.dataType}; ${type.userInputType} fields hold text (int only with TextBox)`);
        }
      }
      if (tp.persistedClaims.length) problems.add(tp.source, ['persistedClaims'], 'are only used by UserStore profiles');
    },
  },
  ClaimsTransformation: {
    metadata: {
      UserMessageIfClaimsTransformationBooleanValueIsNotEqual: text,
      UserMessageIfClaimsTransformationStringsAreNotEqual: text,
    },
    uses: ['ClaimsExchange', 'Validation'],
  },
  UserStore: {
    metadata: {
      Operation: { type: 'string', required: true, allowed: ['Read', 'Write', 'Authenticate'] },
      RaiseErrorIfClaimsPrincipalAlreadyExists: flag(false),
      RaiseErrorIfClaimsPrincipalDoesNotExist: flag(false),
      UserMessageIfClaimsPrincipalAlreadyExists: text,
      UserMessageIfClaimsPrincipalDoesNotExist: text,
      UserMessageIfInvalidPassword: text,
    },
    uses: ['ClaimsExchange', 'Validation'],
    check(tp, _policy, _ctx, problems) {
      const keys = tp.inputClaims.filter((c) => (USER_STORE_KEYS as readonly string[]).includes(partner(c)));
      if (keys.length !== 1) {
        problems.add(tp.source, ['inputClaims'], `need exactly one key claim, with partnerClaimType ${USER_STORE_KEYS.join(' or ')} (found ${keys.length})`);
      }
      const operation = tp.metadata.Operation;
      const key = keys.length === 1 ? partner(keys[0]) : undefined;
      if (operation === 'Authenticate') {
        if (key && key !== 'signInNames.emailAddress') problems.add(tp.source, ['inputClaims'], 'Authenticate looks an account up by signInNames.emailAddress');
        if (!tp.inputClaims.some((c) => partner(c) === 'password')) problems.add(tp.source, ['inputClaims'], 'Authenticate needs the password: an input claim with partnerClaimType password');
      }
      if (operation === 'Write') {
        if (!tp.persistedClaims.length) problems.add(tp.source, ['persistedClaims'], 'Write needs the claims to store');
        if (key === 'signInNames.emailAddress' && !tp.persistedClaims.some((c) => partner(c) === 'password')) {
          problems.add(tp.source, ['persistedClaims'], 'a new local account needs a password: persist a claim with partnerClaimType password');
        }
      } else if (tp.persistedClaims.length) {
        problems.add(tp.source, ['persistedClaims'], `are only written by Operation Write, not ${String(operation)}`);
      }
    },
  },
  InvitationRedemption: {
    metadata: { Operation: { type: 'string', allowed: ['Check', 'Redeem'], default: 'Redeem' } },
    uses: ['ClaimsExchange', 'Validation'],
    check(tp, _policy, _ctx, problems) {
      if (!tp.inputClaims.some((c) => partner(c) === 'jti')) {
        problems.add(tp.source, ['inputClaims'], "need the hint's jti: an input claim with partnerClaimType jti");
      }
    },
  },
  Rest: {
    metadata: {
      ServiceUrl: { type: 'string', required: true },
      AuthenticationType: { type: 'string', required: true, allowed: ['None', 'Basic', 'Bearer', 'ApiKeyHeader'] },
      SendClaimsIn: { type: 'string', allowed: ['Body'], default: 'Body' },
      AllowInsecureAuthInProduction: flag(false),
      // Tessera's outbound policy (see src/common/outbound-http.policy.ts); B2C has no equivalent.
      'tessera.allowHttp': flag(false),
      'tessera.allowPrivateNetworks': flag(false),
      'tessera.timeoutMs': { type: 'int', default: 10_000, min: 100, max: 30_000 },
    },
    uses: ['ClaimsExchange', 'Validation'],
    check(tp, _policy, ctx, problems) {
      const url = tp.metadata.ServiceUrl;
      if (typeof url === 'string') {
        try {
          const parsed = new URL(url.replace(/\{[^{}]+\}/g, 'x'));
          if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && tp.metadata['tessera.allowHttp'] === true)) {
            problems.add(tp.source, ['metadata', 'ServiceUrl'], 'must be an https URL (plain http only with tessera.allowHttp: true, and then only to a loopback address)');
          }
          if (parsed.username || parsed.password) problems.add(tp.source, ['metadata', 'ServiceUrl'], 'must not carry credentials: use cryptographicKeys');
        } catch {
          problems.add(tp.source, ['metadata', 'ServiceUrl'], `"${url}" is not an absolute URL`);
        }
      }
      const needed: Record<string, string[]> = {
        None: [],
        Basic: ['BasicAuthenticationUsername', 'BasicAuthenticationPassword'],
        Bearer: ['BearerAuthenticationToken'],
        ApiKeyHeader: [],
      };
      const auth = String(tp.metadata.AuthenticationType);
      for (const id of needed[auth] ?? []) {
        if (!tp.cryptographicKeys.some((k) => k.id === id)) problems.add(tp.source, ['cryptographicKeys'], `AuthenticationType ${auth} needs a key with id ${id}`);
      }
      if (auth === 'ApiKeyHeader' && tp.cryptographicKeys.length !== 1) {
        problems.add(tp.source, ['cryptographicKeys'], 'AuthenticationType ApiKeyHeader needs exactly one key; its id is the header name (e.g. x-functions-key)');
      }
      tp.cryptographicKeys.forEach((k, i) => {
        if (!ctx.env[k.env]) problems.add(tp.source, ['cryptographicKeys', i, 'env'], `environment variable ${k.env} is not set`);
      });
    },
  },
  JwtIssuer: {
    metadata: {
      // B2C's ranges (Microsoft Learn, "Configure token lifetime"): 5 minutes to 24 hours.
      id_token_lifetime_secs: { type: 'int', default: 3600, min: 300, max: 86_400 },
      // Accepted so translated policies load; Tessera issues no access or refresh tokens.
      token_lifetime_secs: { type: 'int', default: 3600, min: 300, max: 86_400 },
      refresh_token_lifetime_secs: { type: 'int', default: 1_209_600, min: 86_400, max: 7_776_000 },
      rolling_refresh_token_lifetime_secs: { type: 'int', default: 7_776_000, min: 86_400, max: 31_536_000 },
      // OAuth 2.0 (RFC 6749 §4.1.2) recommends at most ten minutes.
      authorization_code_lifetime_secs: { type: 'int', default: 300, min: 30, max: 600 },
      IssuanceClaimPattern: { type: 'string', allowed: ['AuthorityAndPolicy', 'AuthorityWithTfp', 'AuthorityAndTenantGuid'], default: 'AuthorityAndPolicy' },
    },
    uses: ['SendClaims'],
    check(tp, _policy, ctx, problems) {
      const lifetime = tp.metadata.id_token_lifetime_secs;
      if (typeof lifetime === 'number' && lifetime > ctx.maxTokenLifetimeSeconds) {
        problems.add(tp.source, ['metadata', 'id_token_lifetime_secs'], `is ${lifetime}; tokens.maxLifetimeSeconds caps it at ${ctx.maxTokenLifetimeSeconds}`);
      }
      if (tp.metadata.IssuanceClaimPattern === 'AuthorityAndTenantGuid' && !ctx.tenantId) {
        problems.add(tp.source, ['metadata', 'IssuanceClaimPattern'], 'AuthorityAndTenantGuid needs journeys.tenantId in the configuration');
      }
    },
  },
};

/**
 * Checks the metadata of a profile against its kind, and writes the defaults in, so handlers
 * read typed values. Problems name the item.
 */
export function normalizeMetadata(tp: TechnicalProfileDef, problems: Problems): void {
  const spec = PROFILE_KIND_SPECS[tp.kind].metadata;
  const out: Record<string, MetadataValue> = {};
  for (const [key, value] of Object.entries(tp.metadata)) {
    const item = spec[key];
    if (!item) {
      const known = Object.keys(spec);
      problems.add(tp.source, ['metadata', key], `is not a metadata item of ${tp.kind} profiles${known.length ? ` (supported: ${known.join(', ')})` : ' (they take none)'}`);
      continue;
    }
    const at = ['metadata', key];
    switch (item.type) {
      case 'boolean':
        if (typeof value === 'boolean') out[key] = value;
        else if (value === 'true' || value === 'false' || value === 'True' || value === 'False') out[key] = value.toLowerCase() === 'true';
        else problems.add(tp.source, at, 'must be true or false');
        break;
      case 'int': {
        const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isSafeInteger(n)) problems.add(tp.source, at, 'must be a whole number');
        else if (n < item.min || n > item.max) problems.add(tp.source, at, `is ${n}; must be between ${item.min} and ${item.max}`);
        else out[key] = n;
        break;
      }
      case 'string':
        if (typeof value === 'object') problems.add(tp.source, at, 'must be a string');
        else if (item.allowed && !item.allowed.includes(String(value))) problems.add(tp.source, at, `${JSON.stringify(value)} is not one of ${item.allowed.join(', ')}`);
        else out[key] = String(value);
        break;
      case 'text':
        out[key] = typeof value === 'object' ? value : { en: String(value) };
        break;
    }
  }
  for (const [key, item] of Object.entries(spec)) {
    if (out[key] !== undefined || Object.hasOwn(tp.metadata, key)) continue;
    if (item.type === 'string' && item.required) problems.add(tp.source, ['metadata'], `needs the item ${key}${item.allowed ? ` (${item.allowed.join(', ')})` : ''}`);
    else if ('default' in item && item.default !== undefined) out[key] = item.default;
  }
  tp.metadata = out;
}
