import {
  DATA_TYPES,
  PARTNER_PROTOCOLS,
  PROFILE_KINDS,
  STEP_TYPES,
  USER_INPUT_TYPES,
  type ClaimRef,
  type ClaimsExchangeDef,
  type ClaimsProviderSelectionDef,
  type ClaimsTransformationDef,
  type RawClaimType,
  type CryptographicKeyRef,
  type InputParameter,
  type MetadataValue,
  type OrchestrationStepDef,
  type PolicyFile,
  type Precondition,
  type RawTechnicalProfile,
  type RelyingPartyDef,
  type TransformationClaimRef,
  type UserJourneyDef,
  type ValidationProfileRef,
} from './policy.model';
import type { Problems } from './policy.problems';
import { YamlReader } from './yaml-reader';

/**
 * Reads one policy document (already parsed from YAML) into a `PolicyFile`: the shape of every
 * element is checked here; references between elements are checked after merging
 * (`policy.checks.ts`). Field names are B2C's element names in camelCase.
 */

export const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const ELEMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const ID_HELP = 'must be 1-100 letters, digits, "_", ".", ":" or "-", starting with a letter or digit';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readPolicyFile(document: unknown, file: string, problems: Problems): PolicyFile | undefined {
  const root = new YamlReader(problems, { file, element: 'policy', path: [] });
  const doc = root.mapping(document, ['policyId', 'basePolicy', 'buildingBlocks', 'claimsProviders', 'userJourneys', 'relyingParty']);
  if (!doc) return undefined;
  const policyId = root.string(doc, 'policyId', { required: true, pattern: POLICY_ID, patternHelp: 'must be 1-100 letters, digits, "_", "." or "-" (B2C: B2C_1A_…)' });
  const basePolicy = root.string(doc, 'basePolicy', { pattern: POLICY_ID, patternHelp: 'must name another policy by its policyId' });
  const named = root.element(policyId ? `Policy "${policyId}"` : 'policy', []);

  let claimsSchema: RawClaimType[] = [];
  let claimsTransformations: ClaimsTransformationDef[] = [];
  if (doc.buildingBlocks !== undefined) {
    const bbReader = named.at('buildingBlocks');
    const bb = bbReader.mapping(doc.buildingBlocks, ['claimsSchema', 'claimsTransformations']);
    if (bb) {
      claimsSchema = bbReader.list(bb, 'claimsSchema', (v, r) => readClaimType(v, r));
      claimsTransformations = bbReader.list(bb, 'claimsTransformations', (v, r) => readTransformation(v, r));
    }
  }
  const technicalProfiles: RawTechnicalProfile[] = [];
  named.list(doc, 'claimsProviders', (v, r) => {
    const provider = r.mapping(v, ['displayName', 'technicalProfiles']);
    if (!provider) return undefined;
    r.localized(provider, 'displayName');
    technicalProfiles.push(...r.list(provider, 'technicalProfiles', (tp, tr) => readTechnicalProfile(tp, tr)));
    return undefined;
  });
  const userJourneys = named.list(doc, 'userJourneys', (v, r) => readJourney(v, r));
  const relyingParty = doc.relyingParty === undefined ? undefined : readRelyingParty(doc.relyingParty, named.element('RelyingParty', ['relyingParty']));

  if (!policyId) return undefined;
  return {
    policyId,
    ...(basePolicy ? { basePolicy } : {}),
    file,
    claimsSchema,
    claimsTransformations,
    technicalProfiles,
    userJourneys,
    ...(relyingParty ? { relyingParty } : {}),
    source: named.source,
  };
}

/** An element with an `id`: the reader is renamed after it, so problems say which one. */
function identified(value: unknown, reader: YamlReader, kind: string, keys: readonly string[]): { record: Record<string, unknown>; id: string; r: YamlReader } | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    reader.report(`must be a mapping (a ${kind} with an id)`);
    return undefined;
  }
  const id = reader.string(value as Record<string, unknown>, 'id', { required: true, pattern: ELEMENT_ID, patternHelp: ID_HELP });
  if (!id) return undefined;
  const r = reader.element(`${kind} "${id}"`, []);
  const record = r.mapping(value, keys);
  return record ? { record, id, r } : undefined;
}

function readClaimType(value: unknown, reader: YamlReader): RawClaimType | undefined {
  const el = identified(value, reader, 'ClaimType', ['id', 'displayName', 'dataType', 'defaultPartnerClaimTypes', 'userHelpText', 'adminHelpText', 'userInputType', 'restriction']);
  if (!el) return undefined;
  const { record, id, r } = el;
  // Required once the base chain is merged (a derived policy may restate only a display name).
  const dataType = r.oneOf(record, 'dataType', DATA_TYPES);
  const userInputType = r.oneOf(record, 'userInputType', USER_INPUT_TYPES);
  let restriction: RawClaimType['restriction'];
  if (record.restriction !== undefined) {
    const rr = r.at('restriction');
    const raw = rr.mapping(record.restriction, ['pattern', 'helpText']);
    const pattern = raw ? rr.string(raw, 'pattern', { required: true }) : undefined;
    if (raw && pattern !== undefined) {
      try {
        new RegExp(pattern, 'u');
        restriction = { pattern, ...(raw.helpText !== undefined ? { helpText: rr.localized(raw, 'helpText') } : {}) };
      } catch (e) {
        rr.report(`is not a valid regular expression: ${(e as Error).message}`, 'pattern');
      }
    }
  }
  r.localized(record, 'adminHelpText');
  let defaultPartnerClaimTypes: RawClaimType['defaultPartnerClaimTypes'];
  if (record.defaultPartnerClaimTypes !== undefined) {
    const pr = r.at('defaultPartnerClaimTypes');
    const raw = pr.mapping(record.defaultPartnerClaimTypes, PARTNER_PROTOCOLS);
    if (raw) {
      defaultPartnerClaimTypes = {};
      for (const protocol of PARTNER_PROTOCOLS) {
        const name = pr.string(raw, protocol);
        if (name) defaultPartnerClaimTypes[protocol] = name;
      }
    }
  }
  return {
    id,
    ...(dataType ? { dataType } : {}),
    ...(record.displayName !== undefined ? { displayName: r.localized(record, 'displayName') } : {}),
    ...(record.userHelpText !== undefined ? { userHelpText: r.localized(record, 'userHelpText') } : {}),
    ...(userInputType ? { userInputType } : {}),
    ...(restriction ? { restriction } : {}),
    ...(defaultPartnerClaimTypes ? { defaultPartnerClaimTypes } : {}),
    source: r.here,
  };
}

function readTransformationClaim(value: unknown, r: YamlReader): TransformationClaimRef | undefined {
  const record = r.mapping(value, ['claimType', 'transformationClaimType']);
  if (!record) return undefined;
  const claimType = r.string(record, 'claimType', { required: true });
  const transformationClaimType = r.string(record, 'transformationClaimType', { required: true });
  return claimType && transformationClaimType ? { claimType, transformationClaimType } : undefined;
}

function readTransformation(value: unknown, reader: YamlReader): ClaimsTransformationDef | undefined {
  const el = identified(value, reader, 'ClaimsTransformation', ['id', 'transformationMethod', 'inputClaims', 'inputParameters', 'outputClaims']);
  if (!el) return undefined;
  const { record, id, r } = el;
  const transformationMethod = r.string(record, 'transformationMethod', { required: true });
  const inputClaims = r.list(record, 'inputClaims', readTransformationClaim);
  const outputClaims = r.list(record, 'outputClaims', readTransformationClaim);
  const inputParameters = r.list(record, 'inputParameters', (v, pr): InputParameter | undefined => {
    const p = pr.mapping(v, ['id', 'dataType', 'value']);
    if (!p) return undefined;
    const pid = pr.string(p, 'id', { required: true });
    const dataType = pr.oneOf(p, 'dataType', DATA_TYPES, { required: true });
    const paramValue = pr.scalar(p, 'value');
    if (paramValue === undefined) pr.report('is required', 'value');
    return pid && dataType && paramValue !== undefined ? { id: pid, dataType, value: paramValue } : undefined;
  });
  if (!transformationMethod) return undefined;
  return { id, transformationMethod, inputClaims, inputParameters, outputClaims, source: r.here };
}

export function readClaimRef(value: unknown, r: YamlReader): ClaimRef | undefined {
  // A bare claim type id is shorthand for `{claimType: id}`.
  if (typeof value === 'string') return value.length ? { claimType: value, alwaysUseDefaultValue: false, required: false } : (r.report('must not be empty'), undefined);
  const record = r.mapping(value, ['claimType', 'partnerClaimType', 'defaultValue', 'alwaysUseDefaultValue', 'required']);
  if (!record) return undefined;
  const claimType = r.string(record, 'claimType', { required: true });
  const partnerClaimType = r.string(record, 'partnerClaimType');
  const defaultValue = r.scalar(record, 'defaultValue');
  const alwaysUseDefaultValue = r.boolean(record, 'alwaysUseDefaultValue', false);
  const required = r.boolean(record, 'required', false);
  if (alwaysUseDefaultValue && defaultValue === undefined) r.report('needs a defaultValue to always use', 'alwaysUseDefaultValue');
  if (!claimType) return undefined;
  return {
    claimType,
    ...(partnerClaimType ? { partnerClaimType } : {}),
    ...(defaultValue !== undefined ? { defaultValue } : {}),
    alwaysUseDefaultValue,
    required,
  };
}

/** `[Id]` or `[{referenceId: Id}]`: B2C writes references as elements with a `ReferenceId`. */
function readReference(value: unknown, r: YamlReader): string | undefined {
  if (typeof value === 'string' && value.length) return value;
  const record = r.mapping(value, ['referenceId']);
  return record ? r.string(record, 'referenceId', { required: true }) : undefined;
}

function readPrecondition(value: unknown, r: YamlReader): Precondition | undefined {
  const record = r.mapping(value, ['type', 'executeActionsIf', 'values', 'action']);
  if (!record) return undefined;
  const type = r.oneOf(record, 'type', ['ClaimsExist', 'ClaimEquals'] as const, { required: true });
  if (record.executeActionsIf === undefined) r.report('is required: true or false', 'executeActionsIf');
  const executeActionsIf = r.boolean(record, 'executeActionsIf', true);
  const values = r.list(record, 'values', (v, vr) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    vr.report('must be a string');
    return undefined;
  });
  const action = r.oneOf(record, 'action', ['SkipThisOrchestrationStep'] as const, { required: true });
  if (type === 'ClaimsExist' && values.length < 1) r.report('ClaimsExist needs the claim type to look for', 'values');
  if (type === 'ClaimEquals' && values.length !== 2) r.report('ClaimEquals needs exactly two values: the claim type and the value to compare with', 'values');
  return type && action ? { type, executeActionsIf, values, action } : undefined;
}

function readMetadata(value: unknown, r: YamlReader): Record<string, MetadataValue> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    r.report('must be a mapping of item keys to values');
    return {};
  }
  const out: Record<string, MetadataValue> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') out[key] = item;
    else if (item && typeof item === 'object' && !Array.isArray(item)) {
      const text = r.at(key).localizedValue(item);
      if (text) out[key] = text;
    } else r.report('must be a string, a number, true/false, or a text per locale', key);
  }
  return out;
}

function readTechnicalProfile(value: unknown, reader: YamlReader): RawTechnicalProfile | undefined {
  const el = identified(value, reader, 'TechnicalProfile', [
    'id',
    'kind',
    'displayName',
    'include',
    'metadata',
    'cryptographicKeys',
    'inputClaimsTransformations',
    'inputClaims',
    'persistedClaims',
    'outputClaims',
    'outputClaimsTransformations',
    'validationTechnicalProfiles',
  ]);
  if (!el) return undefined;
  const { record, id, r } = el;
  const kind = r.oneOf(record, 'kind', PROFILE_KINDS);
  const include = r.string(record, 'include');
  const cryptographicKeys = r.list(record, 'cryptographicKeys', (v, kr): CryptographicKeyRef | undefined => {
    const k = kr.mapping(v, ['id', 'env']);
    if (!k) return undefined;
    const keyId = kr.string(k, 'id', { required: true });
    const env = kr.string(k, 'env', { required: true, pattern: ENV_NAME, patternHelp: 'must name an environment variable (the secret never goes in a policy file)' });
    return keyId && env ? { id: keyId, env } : undefined;
  });
  const validationTechnicalProfiles = r.list(record, 'validationTechnicalProfiles', (v, vr): ValidationProfileRef | undefined => {
    if (typeof v === 'string') return v.length ? { referenceId: v, continueOnError: false, continueOnSuccess: true, preconditions: [] } : undefined;
    const ref = vr.mapping(v, ['referenceId', 'continueOnError', 'continueOnSuccess', 'preconditions']);
    if (!ref) return undefined;
    const referenceId = vr.string(ref, 'referenceId', { required: true });
    return referenceId
      ? {
          referenceId,
          continueOnError: vr.boolean(ref, 'continueOnError', false),
          continueOnSuccess: vr.boolean(ref, 'continueOnSuccess', true),
          preconditions: vr.list(ref, 'preconditions', readPrecondition),
        }
      : undefined;
  });
  return {
    id,
    ...(kind ? { kind } : {}),
    ...(record.kind !== undefined && !kind ? { kindInvalid: true } : {}),
    ...(include ? { include } : {}),
    ...(record.displayName !== undefined ? { displayName: r.localized(record, 'displayName') } : {}),
    metadata: readMetadata(record.metadata, r.at('metadata')),
    cryptographicKeys,
    inputClaimsTransformations: r.list(record, 'inputClaimsTransformations', readReference),
    inputClaims: r.list(record, 'inputClaims', readClaimRef),
    persistedClaims: r.list(record, 'persistedClaims', readClaimRef),
    outputClaims: r.list(record, 'outputClaims', readClaimRef),
    outputClaimsTransformations: r.list(record, 'outputClaimsTransformations', readReference),
    validationTechnicalProfiles,
    source: r.here,
  };
}

function readJourney(value: unknown, reader: YamlReader): UserJourneyDef | undefined {
  const el = identified(value, reader, 'UserJourney', ['id', 'orchestrationSteps']);
  if (!el) return undefined;
  const { record, id, r } = el;
  if (record.orchestrationSteps === undefined) r.report('is required: the ordered steps of the journey', 'orchestrationSteps');
  const steps = r.list(record, 'orchestrationSteps', (v, sr, index): OrchestrationStepDef | undefined => {
    const step = sr.mapping(v, ['order', 'type', 'preconditions', 'claimsExchanges', 'claimsProviderSelections', 'cpimIssuerTechnicalProfileReferenceId']);
    if (!step) return undefined;
    const order = sr.integer(step, 'order', { required: true, min: 1, max: 100 });
    const s = sr.element(`UserJourney "${id}" › OrchestrationStep ${order ?? `#${index + 1}`}`, []);
    const type = s.oneOf(step, 'type', STEP_TYPES, { required: true });
    const claimsExchanges = s.list(step, 'claimsExchanges', (cv, cr): ClaimsExchangeDef | undefined => {
      const ce = cr.mapping(cv, ['id', 'technicalProfileReferenceId']);
      if (!ce) return undefined;
      const ceId = cr.string(ce, 'id', { required: true, pattern: ELEMENT_ID, patternHelp: ID_HELP });
      const tp = cr.string(ce, 'technicalProfileReferenceId', { required: true });
      return ceId && tp ? { id: ceId, technicalProfileReferenceId: tp } : undefined;
    });
    const claimsProviderSelections = s.list(step, 'claimsProviderSelections', (cv, cr): ClaimsProviderSelectionDef | undefined => {
      const sel = cr.mapping(cv, ['targetClaimsExchangeId', 'validationClaimsExchangeId']);
      if (!sel) return undefined;
      const target = cr.string(sel, 'targetClaimsExchangeId');
      const validation = cr.string(sel, 'validationClaimsExchangeId');
      if (!target === !validation) {
        cr.report('needs exactly one of targetClaimsExchangeId (a button choosing the next exchange) or validationClaimsExchangeId (the form on the page)');
        return undefined;
      }
      return target ? { targetClaimsExchangeId: target } : { validationClaimsExchangeId: validation };
    });
    const cpim = s.string(step, 'cpimIssuerTechnicalProfileReferenceId');
    if (order === undefined || !type) return undefined;
    return {
      order,
      type,
      preconditions: s.list(step, 'preconditions', readPrecondition),
      claimsExchanges,
      claimsProviderSelections,
      ...(cpim ? { cpimIssuerTechnicalProfileReferenceId: cpim } : {}),
      source: s.here,
    };
  });
  return { id, steps, source: r.here };
}

function readRelyingParty(value: unknown, r: YamlReader): RelyingPartyDef | undefined {
  const rp = r.mapping(value, ['defaultUserJourney', 'technicalProfile']);
  if (!rp) return undefined;
  const defaultUserJourney = readReference(rp.defaultUserJourney, r.at('defaultUserJourney'));
  if (rp.defaultUserJourney === undefined) r.report('is required: the id of the journey this policy runs', 'defaultUserJourney');
  const tr = r.at('technicalProfile');
  const tp = rp.technicalProfile === undefined ? {} : tr.mapping(rp.technicalProfile, ['id', 'displayName', 'protocol', 'inputClaims', 'outputClaims', 'subjectNamingInfo']);
  if (!tp) return undefined;
  tr.string(tp, 'id');
  tr.localized(tp, 'displayName');
  tr.oneOf(tp, 'protocol', ['OpenIdConnect'] as const);
  let subjectClaimType = 'sub';
  if (tp.subjectNamingInfo !== undefined) {
    const sr = tr.at('subjectNamingInfo');
    const sni = sr.mapping(tp.subjectNamingInfo, ['claimType']);
    subjectClaimType = (sni && sr.string(sni, 'claimType', { required: true })) || 'sub';
  }
  if (!defaultUserJourney) return undefined;
  return {
    defaultUserJourney,
    inputClaims: tr.list(tp, 'inputClaims', readClaimRef),
    outputClaims: tr.list(tp, 'outputClaims', readClaimRef),
    subjectClaimType,
    source: r.here,
  };
}
