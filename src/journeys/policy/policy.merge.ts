import type {
  ClaimRef,
  ClaimsTransformationDef,
  ClaimTypeDef,
  OrchestrationStepDef,
  Policy,
  PolicyFile,
  RawClaimType,
  RawTechnicalProfile,
  TechnicalProfileDef,
  UserJourneyDef,
} from './policy.model';
import type { Problems } from './policy.problems';

/**
 * B2C policy inheritance: a policy names its `basePolicy`, and every element it declares with
 * an id its base already has is merged into the base's (Microsoft Learn, "Custom policy
 * overview › Inheritance model"):
 * - claim types: the fields the derived policy states replace the base's;
 * - claims transformations: replaced whole;
 * - technical profiles: metadata items by key, claims by claim type, keys by id; lists of
 *   references are extended;
 * - user journeys: orchestration steps by `order`;
 * - the relying party: the most derived policy's.
 * `include` works on technical profiles within the merged policy the same way.
 */

/** Orders each policy's chain base-first; unknown bases and cycles are problems. */
export function resolveChains(files: PolicyFile[], problems: Problems): Map<string, PolicyFile[]> {
  const byId = new Map<string, PolicyFile>();
  for (const file of files) {
    const other = byId.get(file.policyId);
    if (other) {
      problems.add(file.source, ['policyId'], `is also the policyId of ${other.file}; each policy id must be unique`);
      continue;
    }
    byId.set(file.policyId, file);
  }
  const chains = new Map<string, PolicyFile[]>();
  for (const file of byId.values()) {
    const chain: PolicyFile[] = [file];
    const seen = new Set([file.policyId]);
    let current = file;
    let ok = true;
    while (current.basePolicy) {
      const base = byId.get(current.basePolicy);
      if (!base) {
        const known = [...byId.keys()].filter((id) => id !== current.policyId);
        problems.add(current.source, ['basePolicy'], `"${current.basePolicy}" is not the policyId of any policy file${known.length ? ` (known: ${known.join(', ')})` : ''}`);
        ok = false;
        break;
      }
      if (seen.has(base.policyId)) {
        problems.add(file.source, ['basePolicy'], `inheritance cycle: ${[...chain.map((c) => c.policyId), base.policyId].join(' → ')}`);
        ok = false;
        break;
      }
      seen.add(base.policyId);
      chain.unshift(base);
      current = base;
    }
    if (ok) chains.set(file.policyId, chain);
  }
  return chains;
}

/** Merges a base-first chain into one policy; technical profile includes are resolved too. */
export function mergeChain(chain: PolicyFile[], problems: Problems): Policy {
  const leaf = chain[chain.length - 1];
  const claimTypes = new Map<string, RawClaimType>();
  const transformations = new Map<string, ClaimsTransformationDef>();
  const rawProfiles = new Map<string, RawTechnicalProfile>();
  const journeys = new Map<string, UserJourneyDef>();
  let relyingParty = undefined as Policy['relyingParty'];

  for (const file of chain) {
    for (const ct of file.claimsSchema) {
      const base = claimTypes.get(ct.id);
      claimTypes.set(ct.id, base ? { ...base, ...ct } : ct);
    }
    for (const t of file.claimsTransformations) transformations.set(t.id, t);
    for (const tp of file.technicalProfiles) {
      const base = rawProfiles.get(tp.id);
      rawProfiles.set(tp.id, base ? mergeProfiles(base, tp, problems) : tp);
    }
    for (const j of file.userJourneys) {
      const base = journeys.get(j.id);
      journeys.set(j.id, base ? mergeJourneys(base, j) : { ...j, steps: [...j.steps].sort((a, b) => a.order - b.order) });
    }
    if (file.relyingParty) relyingParty = file.relyingParty;
  }

  const claimsSchema = new Map<string, ClaimTypeDef>();
  for (const [id, ct] of claimTypes) {
    if (!ct.dataType) {
      problems.add(ct.source, ['dataType'], 'is required (string, boolean, int or stringCollection), here or in a base policy');
      continue;
    }
    claimsSchema.set(id, ct as ClaimTypeDef);
  }

  const technicalProfiles = new Map<string, TechnicalProfileDef>();
  const resolving = new Set<string>();
  const resolve = (id: string): RawTechnicalProfile | undefined => {
    const tp = rawProfiles.get(id);
    if (!tp?.include) return tp;
    if (resolving.has(id)) {
      problems.add(tp.source, ['include'], `include cycle: ${[...resolving, id].join(' → ')}`);
      return undefined;
    }
    const included = rawProfiles.get(tp.include);
    if (!included) {
      problems.add(tp.source, ['include'], `"${tp.include}" is not a technical profile of this policy or its bases`);
      return undefined;
    }
    resolving.add(id);
    const base = resolve(tp.include);
    resolving.delete(id);
    if (!base) return undefined;
    const { include: _ignored, ...own } = tp;
    return mergeProfiles({ ...base, id: tp.id }, own, problems);
  };
  for (const id of rawProfiles.keys()) {
    const tp = resolve(id);
    if (!tp) continue;
    if (!tp.kind) {
      if (!tp.kindInvalid) problems.add(tp.source, ['kind'], 'is required (here, in a base policy or in the included profile)');
      continue;
    }
    const { include: _include, kindInvalid: _invalid, ...rest } = tp;
    technicalProfiles.set(id, { ...rest, kind: tp.kind });
  }

  return {
    policyId: leaf.policyId,
    file: leaf.file,
    claimsSchema,
    claimsTransformations: transformations,
    technicalProfiles,
    userJourneys: journeys,
    ...(relyingParty ? { relyingParty } : {}),
  };
}

function mergeClaims(base: ClaimRef[], over: ClaimRef[]): ClaimRef[] {
  const out = [...base];
  for (const claim of over) {
    const i = out.findIndex((c) => c.claimType === claim.claimType);
    if (i === -1) out.push(claim);
    else out[i] = claim;
  }
  return out;
}

function union(base: string[], over: string[]): string[] {
  return [...base, ...over.filter((id) => !base.includes(id))];
}

export function mergeProfiles(base: RawTechnicalProfile, over: RawTechnicalProfile, problems: Problems): RawTechnicalProfile {
  if (base.kind && over.kind && base.kind !== over.kind) {
    problems.add(over.source, ['kind'], `is ${over.kind}, but the profile it extends is ${base.kind}`);
  }
  const keys = [...base.cryptographicKeys];
  for (const k of over.cryptographicKeys) {
    const i = keys.findIndex((x) => x.id === k.id);
    if (i === -1) keys.push(k);
    else keys[i] = k;
  }
  const validation = [...base.validationTechnicalProfiles];
  for (const v of over.validationTechnicalProfiles) {
    const i = validation.findIndex((x) => x.referenceId === v.referenceId);
    if (i === -1) validation.push(v);
    else validation[i] = v;
  }
  const kind = over.kind ?? base.kind;
  const include = over.include ?? base.include;
  const displayName = over.displayName ?? base.displayName;
  return {
    id: over.id,
    ...(kind ? { kind } : {}),
    ...(include ? { include } : {}),
    ...(displayName ? { displayName } : {}),
    ...(over.kindInvalid || (base.kindInvalid && !over.kind) ? { kindInvalid: true as const } : {}),
    metadata: { ...base.metadata, ...over.metadata },
    cryptographicKeys: keys,
    inputClaimsTransformations: union(base.inputClaimsTransformations, over.inputClaimsTransformations),
    inputClaims: mergeClaims(base.inputClaims, over.inputClaims),
    persistedClaims: mergeClaims(base.persistedClaims, over.persistedClaims),
    outputClaims: mergeClaims(base.outputClaims, over.outputClaims),
    outputClaimsTransformations: union(base.outputClaimsTransformations, over.outputClaimsTransformations),
    validationTechnicalProfiles: validation,
    source: over.source,
  };
}

function mergeJourneys(base: UserJourneyDef, over: UserJourneyDef): UserJourneyDef {
  const steps = new Map<number, OrchestrationStepDef>(base.steps.map((s) => [s.order, s]));
  for (const step of over.steps) steps.set(step.order, step);
  return { id: over.id, steps: [...steps.values()].sort((a, b) => a.order - b.order), source: over.source };
}
