import type { ClaimsBag, ClaimsTransformationDef, ClaimValue, DataType } from '../policy/policy.model';

/**
 * B2C claims transformation methods, each with its signature (the `TransformationClaimType`s and
 * `InputParameter`s it takes, checked when policies load) and its behaviour (Microsoft Learn,
 * "String / Boolean / General claims transformations"). When an input claim a method needs is
 * not in the bag, the method produces nothing: later steps see the output claim as missing.
 * The assertion methods are the exception: a missing input fails the assertion.
 */

/** Randomness the transformations need (GUIDs, integers), injectable for tests. */
export interface TransformationRandom {
  uuid(): string;
  /** a uniformly random integer in [0, max] */
  integer(max: number): number;
}

export interface ClaimSlot {
  name: string;
  required: boolean;
  dataTypes: readonly DataType[];
}

export interface ParameterSlot {
  name: string;
  required: boolean;
  dataType: DataType;
  /** the values B2C allows, compared case-insensitively */
  allowed?: readonly string[];
}

type Inputs = Record<string, ClaimValue | undefined>;
type Params = Record<string, string | number | boolean | undefined>;

export interface TransformationMethod {
  inputClaims: ClaimSlot[];
  inputParameters: ParameterSlot[];
  outputClaims: ClaimSlot[];
  run(inputs: Inputs, params: Params, random: TransformationRandom): Partial<Record<string, ClaimValue>>;
}

/**
 * An assertion method found the claims not as asserted. `metadataKey` names the technical
 * profile metadata item holding the message for the user (B2C's own item names).
 */
export class TransformationAssertionError extends Error {
  constructor(
    readonly transformationId: string,
    readonly metadataKey: string,
    readonly defaultMessage: string,
  ) {
    super(`claims transformation ${transformationId}: assertion failed`);
    this.name = 'TransformationAssertionError';
  }
}

class AssertionFailed {
  constructor(readonly metadataKey: string, readonly defaultMessage: string) {}
}

const ANY: readonly DataType[] = ['string', 'boolean', 'int', 'stringCollection'];
const SCALAR: readonly DataType[] = ['string', 'boolean', 'int'];
const STRING: readonly DataType[] = ['string'];
const BOOLEAN: readonly DataType[] = ['boolean'];

const claim = (name: string, dataTypes: readonly DataType[], required = true): ClaimSlot => ({ name, required, dataTypes });
const param = (name: string, dataType: DataType, required = true, allowed?: readonly string[]): ParameterSlot => ({ name, required, dataType, ...(allowed ? { allowed } : {}) });

function text(value: ClaimValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

function bool(value: ClaimValue | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  return undefined;
}

/**
 * AndClaims / OrClaims: two boolean input claims, one boolean output; no output when either input
 * is missing or not a boolean (B2C leaves the output claim unset then).
 */
function booleanPair(op: (a: boolean, b: boolean) => boolean): TransformationMethod {
  return {
    inputClaims: [claim('inputClaim1', BOOLEAN), claim('inputClaim2', BOOLEAN)],
    inputParameters: [],
    outputClaims: [claim('outputClaim', BOOLEAN)],
    run: (i) => {
      const a = bool(i.inputClaim1);
      const b = bool(i.inputClaim2);
      return a === undefined || b === undefined ? {} : { outputClaim: op(a, b) };
    },
  };
}

function paramBool(value: string | number | boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value === true || String(value).toLowerCase() === 'true';
}

/** .NET composite format as B2C uses it: `{0}`, `{1}`; `{{` and `}}` are literal braces. */
export function formatString(format: string, args: string[]): string {
  return format.replace(/\{\{|\}\}|\{(\d+)\}/g, (match, index: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    return args[Number(index)] ?? '';
  });
}

/** .NET `OrdinalIgnoreCase` compares the upper-cased code units: so does this. */
function equal(a: string, b: string, ignoreCase: boolean): boolean {
  return ignoreCase ? a.toUpperCase() === b.toUpperCase() : a === b;
}

export const TRANSFORMATION_METHODS: Record<string, TransformationMethod> = {
  CreateStringClaim: {
    inputClaims: [],
    inputParameters: [param('value', 'string')],
    outputClaims: [claim('createdClaim', STRING)],
    run: (_i, p) => ({ createdClaim: String(p.value) }),
  },
  FormatStringClaim: {
    inputClaims: [claim('inputClaim', SCALAR)],
    inputParameters: [param('stringFormat', 'string')],
    outputClaims: [claim('outputClaim', STRING)],
    run: (i, p) => {
      const value = text(i.inputClaim);
      return value === undefined ? {} : { outputClaim: formatString(String(p.stringFormat), [value]) };
    },
  },
  FormatStringMultipleClaims: {
    inputClaims: [claim('inputClaim1', SCALAR), claim('inputClaim2', SCALAR)],
    inputParameters: [param('stringFormat', 'string')],
    outputClaims: [claim('outputClaim', STRING)],
    run: (i, p) => {
      const a = text(i.inputClaim1);
      const b = text(i.inputClaim2);
      return a === undefined || b === undefined ? {} : { outputClaim: formatString(String(p.stringFormat), [a, b]) };
    },
  },
  CopyClaim: {
    inputClaims: [claim('inputClaim', ANY)],
    inputParameters: [],
    outputClaims: [claim('outputClaim', ANY)],
    run: (i) => (i.inputClaim === undefined ? {} : { outputClaim: i.inputClaim }),
  },
  ChangeCase: {
    inputClaims: [claim('inputClaim1', STRING)],
    inputParameters: [param('toCase', 'string', true, ['LOWER', 'UPPER'])],
    outputClaims: [claim('outputClaim1', STRING)],
    run: (i, p) => {
      const value = text(i.inputClaim1);
      if (value === undefined) return {};
      return { outputClaim1: String(p.toCase).toUpperCase() === 'UPPER' ? value.toUpperCase() : value.toLowerCase() };
    },
  },
  CreateRandomString: {
    inputClaims: [],
    inputParameters: [
      param('randomGeneratorType', 'string', true, ['GUID', 'INTEGER']),
      param('maximumNumber', 'int', false),
      param('stringFormat', 'string', false),
      param('base64', 'boolean', false),
    ],
    outputClaims: [claim('outputClaim', STRING)],
    run: (_i, p, random) => {
      const type = String(p.randomGeneratorType).toUpperCase();
      let value = type === 'GUID' ? random.uuid() : String(random.integer(Number(p.maximumNumber ?? 2 ** 31 - 1)));
      if (p.stringFormat !== undefined) value = formatString(String(p.stringFormat), [value]);
      if (paramBool(p.base64, false)) value = Buffer.from(value, 'utf8').toString('base64');
      return { outputClaim: value };
    },
  },
  CompareClaimToValue: {
    inputClaims: [claim('inputClaim1', SCALAR)],
    inputParameters: [param('compareTo', 'string'), param('operator', 'string', true, ['EQUAL', 'NOT EQUAL']), param('ignoreCase', 'string', false, ['true', 'false'])],
    outputClaims: [claim('outputClaim', BOOLEAN)],
    run: (i, p) => {
      const value = text(i.inputClaim1);
      if (value === undefined) return {};
      const same = equal(value, String(p.compareTo), paramBool(p.ignoreCase, false));
      return { outputClaim: String(p.operator).toUpperCase() === 'EQUAL' ? same : !same };
    },
  },
  CompareClaims: {
    inputClaims: [claim('inputClaim1', SCALAR), claim('inputClaim2', SCALAR)],
    inputParameters: [param('operator', 'string', true, ['EQUAL', 'NOT EQUAL']), param('ignoreCase', 'string', false, ['true', 'false'])],
    outputClaims: [claim('outputClaim', BOOLEAN)],
    run: (i, p) => {
      const a = text(i.inputClaim1);
      const b = text(i.inputClaim2);
      if (a === undefined || b === undefined) return {};
      const same = equal(a, b, paramBool(p.ignoreCase, false));
      return { outputClaim: String(p.operator).toUpperCase() === 'EQUAL' ? same : !same };
    },
  },
  DoesClaimExist: {
    inputClaims: [claim('inputClaim', ANY, false)],
    inputParameters: [],
    outputClaims: [claim('outputClaim', BOOLEAN)],
    run: (i) => ({ outputClaim: i.inputClaim !== undefined }),
  },
  AndClaims: booleanPair((a, b) => a && b),
  OrClaims: booleanPair((a, b) => a || b),
  NotClaims: {
    inputClaims: [claim('inputClaim', BOOLEAN)],
    inputParameters: [],
    outputClaims: [claim('outputClaim', BOOLEAN)],
    run: (i) => {
      const a = bool(i.inputClaim);
      return a === undefined ? {} : { outputClaim: !a };
    },
  },
  CompareBooleanClaimToValue: {
    inputClaims: [claim('inputClaim', BOOLEAN)],
    inputParameters: [param('valueToCompareTo', 'boolean')],
    outputClaims: [claim('compareResult', BOOLEAN)],
    run: (i, p) => {
      const a = bool(i.inputClaim);
      return a === undefined ? {} : { compareResult: a === paramBool(p.valueToCompareTo, false) };
    },
  },
  AssertBooleanClaimIsEqualToValue: {
    inputClaims: [claim('inputClaim', BOOLEAN)],
    inputParameters: [param('valueToCompareTo', 'boolean')],
    outputClaims: [],
    run: (i, p) => {
      if (bool(i.inputClaim) !== paramBool(p.valueToCompareTo, false)) {
        throw new AssertionFailed('UserMessageIfClaimsTransformationBooleanValueIsNotEqual', 'The information you entered could not be verified.');
      }
      return {};
    },
  },
  AssertStringClaimsAreEqual: {
    inputClaims: [claim('inputClaim1', STRING), claim('inputClaim2', STRING)],
    inputParameters: [param('stringComparison', 'string', false, ['ordinal', 'ordinalIgnoreCase'])],
    outputClaims: [],
    run: (i, p) => {
      const a = text(i.inputClaim1);
      const b = text(i.inputClaim2);
      const ignoreCase = String(p.stringComparison ?? 'ordinal').toLowerCase() === 'ordinalignorecase';
      if (a === undefined || b === undefined || !equal(a, b, ignoreCase)) {
        throw new AssertionFailed('UserMessageIfClaimsTransformationStringsAreNotEqual', 'The values you entered do not match.');
      }
      return {};
    },
  },
};

/**
 * Runs one transformation against the bag and returns the claims it sets (by claim type id).
 * The policy checks guarantee the method exists and its signature is met.
 */
export function runTransformation(def: ClaimsTransformationDef, bag: Readonly<ClaimsBag>, random: TransformationRandom): ClaimsBag {
  const method = TRANSFORMATION_METHODS[def.transformationMethod];
  if (!method) throw new Error(`claims transformation ${def.id}: unknown method ${def.transformationMethod}`);
  const inputs: Inputs = {};
  for (const ref of def.inputClaims) inputs[ref.transformationClaimType] = Object.hasOwn(bag, ref.claimType) ? bag[ref.claimType] : undefined;
  const params: Params = {};
  for (const p of def.inputParameters) params[p.id] = p.value;
  let produced: Partial<Record<string, ClaimValue>>;
  try {
    produced = method.run(inputs, params, random);
  } catch (e) {
    if (e instanceof AssertionFailed) throw new TransformationAssertionError(def.id, e.metadataKey, e.defaultMessage);
    throw e;
  }
  const out: ClaimsBag = {};
  for (const ref of def.outputClaims) {
    const value = produced[ref.transformationClaimType];
    if (value !== undefined) out[ref.claimType] = value;
  }
  return out;
}
