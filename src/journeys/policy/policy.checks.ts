import { PROFILE_KIND_SPECS, normalizeMetadata, type LoadContext, type ProfileUse } from '../profiles/profile-kinds';
import { TRANSFORMATION_METHODS } from '../profiles/claims-transformations';
import { supportedResolvers, unknownResolvers } from './claim-resolvers';
import type { ClaimRef, DataType, Policy, Precondition, RunnablePolicy, SourceRef, TechnicalProfileDef } from './policy.model';
import type { Problems } from './policy.problems';

/**
 * Reference and meaning checks on a merged policy: every claim type, transformation, technical
 * profile and journey a policy names exists; steps are numbered 1…n without gaps; each
 * profile is used where its kind can run; metadata items fit their kind. Every problem is
 * reported (nothing stops at the first).
 */

/** Claims a token carries by protocol; a relying party cannot emit them (OIDC Core §2). */
export const PROTOCOL_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'nonce', 'auth_time', 'at_hash', 'c_hash', 'azp', 'acr', 'amr', 'sid', 'tfp', 'ver']);

export function checkPolicy(policy: Policy, ctx: LoadContext, problems: Problems): RunnablePolicy | undefined {
  const before = problems.count;
  checkClaimTypes(policy, problems);
  checkTransformations(policy, problems);
  for (const tp of policy.technicalProfiles.values()) checkProfile(tp, policy, ctx, problems);
  for (const journey of policy.userJourneys.values()) checkJourney(journey.id, policy, problems);
  const rp = policy.relyingParty;
  if (!rp) return undefined;
  const journey = policy.userJourneys.get(rp.defaultUserJourney);
  if (!journey) {
    problems.add(rp.source, ['defaultUserJourney'], `"${rp.defaultUserJourney}" is not a user journey of this policy or its bases${known(policy.userJourneys)}`);
  }
  checkClaimRefs(rp.inputClaims, rp.source, ['technicalProfile', 'inputClaims'], policy, problems);
  checkClaimRefs(rp.outputClaims, rp.source, ['technicalProfile', 'outputClaims'], policy, problems);
  rp.outputClaims.forEach((c, i) => {
    const name = tokenClaimName(c, policy);
    if (PROTOCOL_CLAIMS.has(name)) problems.add(rp.source, ['technicalProfile', 'outputClaims', i], `"${name}" is set by the token endpoint itself; a relying party cannot emit it`);
  });
  const subjects = rp.outputClaims.filter((c) => tokenClaimName(c, policy) === rp.subjectClaimType);
  if (subjects.length !== 1) {
    problems.add(
      rp.source,
      ['technicalProfile', 'subjectNamingInfo'],
      `exactly one output claim must be emitted as "${rp.subjectClaimType}" (e.g. { claimType: objectId, partnerClaimType: ${rp.subjectClaimType} }); found ${subjects.length}`,
    );
  }
  if (rp.subjectClaimType !== 'sub') {
    problems.add(rp.source, ['technicalProfile', 'subjectNamingInfo', 'claimType'], `is "${rp.subjectClaimType}"; OpenID Connect names the subject "sub"`);
  }
  if (problems.count > before || !journey) return undefined;
  return { ...policy, relyingParty: rp, journey };
}

/** The name a relying-party claim has in the token: its partner name, else the claim type's OpenID Connect default. */
export function tokenClaimName(ref: ClaimRef, policy: Pick<Policy, 'claimsSchema'>): string {
  return ref.partnerClaimType ?? policy.claimsSchema.get(ref.claimType)?.defaultPartnerClaimTypes?.OpenIdConnect ?? ref.claimType;
}

function known(map: Map<string, unknown>): string {
  const ids = [...map.keys()];
  return ids.length ? ` (known: ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? ', …' : ''})` : '';
}

function checkClaimTypes(policy: Policy, problems: Problems): void {
  for (const ct of policy.claimsSchema.values()) {
    if (ct.restriction && ct.dataType !== 'string') problems.add(ct.source, ['restriction'], `a pattern restricts text; this claim type is ${ct.dataType}`);
  }
}

function checkClaimType(claimType: string, source: SourceRef, field: (string | number)[], policy: Policy, problems: Problems): DataType | undefined {
  const ct = policy.claimsSchema.get(claimType);
  if (!ct) {
    problems.add(source, field, `claim type "${claimType}" is not declared in the claims schema`);
    return undefined;
  }
  return ct.dataType;
}

function checkClaimRefs(refs: ClaimRef[], source: SourceRef, field: (string | number)[], policy: Policy, problems: Problems): void {
  refs.forEach((ref, i) => {
    const dataType = checkClaimType(ref.claimType, source, [...field, i, 'claimType'], policy, problems);
    if (ref.defaultValue === undefined) return;
    const unknown = unknownResolvers(ref.defaultValue);
    if (unknown.length) {
      problems.add(source, [...field, i, 'defaultValue'], `uses the unknown claim resolver${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (supported: ${supportedResolvers().join(', ')})`);
    }
    if (dataType && !defaultFits(ref.defaultValue, dataType)) {
      problems.add(source, [...field, i, 'defaultValue'], `${JSON.stringify(ref.defaultValue)} is not a ${dataType} value`);
    }
  });
}

function defaultFits(value: string | number | boolean, dataType: DataType): boolean {
  if (typeof value === 'string' && /\{[^{}]+:[^{}]+\}/.test(value)) return true;
  switch (dataType) {
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'int':
      return (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value));
    default:
      return true;
  }
}

function checkTransformations(policy: Policy, problems: Problems): void {
  for (const t of policy.claimsTransformations.values()) {
    const method = TRANSFORMATION_METHODS[t.transformationMethod];
    if (!method) {
      problems.add(t.source, ['transformationMethod'], `"${t.transformationMethod}" is not a supported transformation method (supported: ${Object.keys(TRANSFORMATION_METHODS).join(', ')})`);
      // Without a signature only the claim types can be checked.
      for (const side of ['inputClaims', 'outputClaims'] as const) t[side].forEach((ref, i) => checkClaimType(ref.claimType, t.source, [side, i, 'claimType'], policy, problems));
      continue;
    }
    const checkSlots = (side: 'inputClaims' | 'outputClaims') => {
      const slots = method[side];
      t[side].forEach((ref, i) => {
        const slot = slots.find((s) => s.name === ref.transformationClaimType);
        if (!slot) {
          problems.add(t.source, [side, i, 'transformationClaimType'], `"${ref.transformationClaimType}" is not one of ${t.transformationMethod}'s ${side} (${slots.map((s) => s.name).join(', ') || 'none'})`);
          return;
        }
        const dataType = checkClaimType(ref.claimType, t.source, [side, i, 'claimType'], policy, problems);
        if (dataType && !slot.dataTypes.includes(dataType)) {
          problems.add(t.source, [side, i, 'claimType'], `"${ref.claimType}" is ${dataType}; ${t.transformationMethod} takes ${slot.dataTypes.join(' or ')} as ${slot.name}`);
        }
      });
      for (const slot of slots) {
        if (slot.required && !t[side].some((r) => r.transformationClaimType === slot.name)) {
          problems.add(t.source, [side], `${t.transformationMethod} needs ${slot.name}`);
        }
      }
    };
    checkSlots('inputClaims');
    checkSlots('outputClaims');
    t.inputParameters.forEach((p, i) => {
      const slot = method.inputParameters.find((s) => s.name === p.id);
      if (!slot) {
        problems.add(t.source, ['inputParameters', i, 'id'], `"${p.id}" is not a parameter of ${t.transformationMethod} (${method.inputParameters.map((s) => s.name).join(', ') || 'none'})`);
        return;
      }
      if (slot.allowed && !slot.allowed.some((a) => a.toLowerCase() === String(p.value).toLowerCase())) {
        problems.add(t.source, ['inputParameters', i, 'value'], `${JSON.stringify(p.value)} is not one of ${slot.allowed.join(', ')}`);
      }
      if (slot.dataType === 'int' && !/^\d+$/.test(String(p.value))) problems.add(t.source, ['inputParameters', i, 'value'], 'must be a whole number');
      if (slot.dataType === 'boolean' && !/^(true|false)$/i.test(String(p.value))) problems.add(t.source, ['inputParameters', i, 'value'], 'must be true or false');
    });
    for (const slot of method.inputParameters) {
      if (slot.required && !t.inputParameters.some((p) => p.id === slot.name)) problems.add(t.source, ['inputParameters'], `${t.transformationMethod} needs the parameter ${slot.name}`);
    }
  }
}

function checkProfile(tp: TechnicalProfileDef, policy: Policy, ctx: LoadContext, problems: Problems): void {
  normalizeMetadata(tp, problems);
  checkClaimRefs(tp.inputClaims, tp.source, ['inputClaims'], policy, problems);
  checkClaimRefs(tp.outputClaims, tp.source, ['outputClaims'], policy, problems);
  checkClaimRefs(tp.persistedClaims, tp.source, ['persistedClaims'], policy, problems);
  const checkTransformationRefs = (field: 'inputClaimsTransformations' | 'outputClaimsTransformations') =>
    tp[field].forEach((id, i) => {
      if (!policy.claimsTransformations.has(id)) {
        problems.add(tp.source, [field, i], `"${id}" is not a claims transformation of this policy or its bases${known(policy.claimsTransformations)}`);
      }
    });
  checkTransformationRefs('inputClaimsTransformations');
  checkTransformationRefs('outputClaimsTransformations');
  tp.validationTechnicalProfiles.forEach((v, i) => {
    const target = policy.technicalProfiles.get(v.referenceId);
    if (!target) {
      problems.add(tp.source, ['validationTechnicalProfiles', i], `"${v.referenceId}" is not a technical profile of this policy or its bases`);
      return;
    }
    if (!PROFILE_KIND_SPECS[target.kind].uses.includes('Validation')) {
      problems.add(tp.source, ['validationTechnicalProfiles', i], `"${v.referenceId}" is a ${target.kind} profile, which cannot validate a page`);
    }
    checkPreconditions(v.preconditions, tp.source, ['validationTechnicalProfiles', i, 'preconditions'], policy, problems);
  });
  if (tp.validationTechnicalProfiles.length && tp.kind !== 'SelfAsserted') {
    problems.add(tp.source, ['validationTechnicalProfiles'], 'are only run by SelfAsserted profiles (on submit of their page)');
  }
  PROFILE_KIND_SPECS[tp.kind].check?.(tp, policy, ctx, problems);
}

function checkPreconditions(preconditions: Precondition[], source: SourceRef, field: (string | number)[], policy: Policy, problems: Problems): void {
  preconditions.forEach((p, i) => {
    const claimTypes = p.type === 'ClaimsExist' ? p.values : p.values.slice(0, 1);
    claimTypes.forEach((claimType, j) => checkClaimType(claimType, source, [...field, i, 'values', j], policy, problems));
  });
}

function useOf(type: string): ProfileUse {
  return type === 'GetClaims' || type === 'SendClaims' ? type : 'ClaimsExchange';
}

function checkJourney(journeyId: string, policy: Policy, problems: Problems): void {
  const journey = policy.userJourneys.get(journeyId);
  if (!journey) return;
  const steps = journey.steps;
  if (!steps.length) {
    problems.add(journey.source, ['orchestrationSteps'], 'has no steps');
    return;
  }
  // B2C numbers steps 1…n; a gap is almost always a step deleted by mistake.
  const orders = steps.map((s) => s.order);
  const seen = new Set<number>();
  for (const step of steps) {
    if (seen.has(step.order)) problems.add(step.source, ['order'], `order ${step.order} is used by more than one step`);
    seen.add(step.order);
  }
  const max = Math.max(...orders);
  for (let n = 1; n <= max; n++) {
    if (!seen.has(n)) problems.add(journey.source, ['orchestrationSteps'], `step order ${n} is missing: steps must be numbered 1…${max} without gaps (found ${[...seen].sort((a, b) => a - b).join(', ')})`);
  }
  const last = steps[steps.length - 1];
  if (last.type !== 'SendClaims') problems.add(last.source, ['type'], 'the last step must be SendClaims (it issues the token)');
  const exchangeIds = new Map<string, number>();
  for (const step of steps) {
    for (const ce of step.claimsExchanges) {
      const first = exchangeIds.get(ce.id);
      if (first !== undefined) problems.add(step.source, ['claimsExchanges'], `claims exchange id "${ce.id}" is also used in step ${first}`);
      else exchangeIds.set(ce.id, step.order);
    }
  }
  for (const step of steps) {
    const at = step.source;
    checkPreconditions(step.preconditions, at, ['preconditions'], policy, problems);
    if (step !== last && step.type === 'SendClaims') problems.add(at, ['type'], 'SendClaims ends the journey: it must be the last step');
    const needsIssuer = step.type === 'GetClaims' || step.type === 'SendClaims';
    if (needsIssuer) {
      if (!step.cpimIssuerTechnicalProfileReferenceId) problems.add(at, ['cpimIssuerTechnicalProfileReferenceId'], `is required for ${step.type}`);
      if (step.claimsExchanges.length) problems.add(at, ['claimsExchanges'], `are not used by ${step.type}`);
    } else if (step.cpimIssuerTechnicalProfileReferenceId) {
      problems.add(at, ['cpimIssuerTechnicalProfileReferenceId'], `is only used by GetClaims and SendClaims steps, not ${step.type}`);
    }
    const refs = needsIssuer
      ? step.cpimIssuerTechnicalProfileReferenceId
        ? [{ id: step.cpimIssuerTechnicalProfileReferenceId, field: ['cpimIssuerTechnicalProfileReferenceId'] as (string | number)[] }]
        : []
      : step.claimsExchanges.map((ce, i) => ({ id: ce.technicalProfileReferenceId, field: ['claimsExchanges', i, 'technicalProfileReferenceId'] as (string | number)[] }));
    for (const ref of refs) {
      const tp = policy.technicalProfiles.get(ref.id);
      if (!tp) {
        problems.add(at, ref.field, `"${ref.id}" is not a technical profile of this policy or its bases`);
        continue;
      }
      const use = useOf(step.type);
      if (!PROFILE_KIND_SPECS[tp.kind].uses.includes(use)) problems.add(at, ref.field, `"${ref.id}" is a ${tp.kind} profile, which cannot run in a ${step.type} step`);
    }
    if (step.type === 'ClaimsExchange' && !step.claimsExchanges.length) problems.add(at, ['claimsExchanges'], 'a ClaimsExchange step needs at least one claims exchange');
    if (step.type === 'CombinedSignInAndSignUp' || step.type === 'ClaimsProviderSelection') {
      if (!step.claimsProviderSelections.length) problems.add(at, ['claimsProviderSelections'], `a ${step.type} step needs claimsProviderSelections`);
      step.claimsProviderSelections.forEach((sel, i) => {
        if (sel.validationClaimsExchangeId) {
          if (step.type !== 'CombinedSignInAndSignUp') problems.add(at, ['claimsProviderSelections', i], 'validationClaimsExchangeId (a form on the page) needs a CombinedSignInAndSignUp step');
          const ce = step.claimsExchanges.find((c) => c.id === sel.validationClaimsExchangeId);
          if (!ce) problems.add(at, ['claimsProviderSelections', i, 'validationClaimsExchangeId'], `"${sel.validationClaimsExchangeId}" is not a claims exchange of this step`);
          else if (policy.technicalProfiles.get(ce.technicalProfileReferenceId)?.kind !== 'SelfAsserted' && policy.technicalProfiles.has(ce.technicalProfileReferenceId)) {
            problems.add(at, ['claimsProviderSelections', i, 'validationClaimsExchangeId'], 'the form shown on the page must be a SelfAsserted profile');
          }
        }
        if (sel.targetClaimsExchangeId) {
          const later = steps.some((s) => s.order > step.order && s.claimsExchanges.some((c) => c.id === sel.targetClaimsExchangeId));
          if (!later) problems.add(at, ['claimsProviderSelections', i, 'targetClaimsExchangeId'], `"${sel.targetClaimsExchangeId}" is not a claims exchange of a later step`);
        }
      });
      if (step.claimsProviderSelections.filter((s) => s.validationClaimsExchangeId).length > 1) {
        problems.add(at, ['claimsProviderSelections'], 'at most one validationClaimsExchangeId: one form per page');
      }
    }
  }
}
