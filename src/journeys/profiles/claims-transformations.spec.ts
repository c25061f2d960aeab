import type { ClaimsBag, ClaimsTransformationDef, ClaimValue } from '../policy/policy.model';
import { formatString, runTransformation, TransformationAssertionError, type TransformationRandom } from './claims-transformations';

const random: TransformationRandom = { uuid: () => '8a1c9e20-0000-4000-8000-000000000000', integer: (max) => Math.min(max, 4711) };
const source = { file: 'test.yaml', element: 'ClaimsTransformation', path: [] };

/** `in`/`out`: transformation claim type → claim type; `params`: parameter id → value. */
function transformation(method: string, inputs: Record<string, string>, params: Record<string, string | number | boolean>, outputs: Record<string, string>): ClaimsTransformationDef {
  return {
    id: `T-${method}`,
    transformationMethod: method,
    inputClaims: Object.entries(inputs).map(([transformationClaimType, claimType]) => ({ claimType, transformationClaimType })),
    inputParameters: Object.entries(params).map(([id, value]) => ({ id, dataType: typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'int' : 'string', value })),
    outputClaims: Object.entries(outputs).map(([transformationClaimType, claimType]) => ({ claimType, transformationClaimType })),
    source,
  };
}

const bag: ClaimsBag = { email: 'Ada@Example.com', given: 'Ada', family: 'Lovelace', yes: true, no: false, textTrue: 'true', n: 42, list: ['a', 'b'] };

describe('claims transformations', () => {
  it.each<[string, ClaimsTransformationDef, Record<string, ClaimValue>]>([
    ['CreateStringClaim', transformation('CreateStringClaim', {}, { value: 'You cannot sign up without an invitation' }, { createdClaim: 'msg' }), { msg: 'You cannot sign up without an invitation' }],
    ['FormatStringClaim', transformation('FormatStringClaim', { inputClaim: 'email' }, { stringFormat: 'mailto:{0}' }, { outputClaim: 'out' }), { out: 'mailto:Ada@Example.com' }],
    ['FormatStringClaim keeps literal braces', transformation('FormatStringClaim', { inputClaim: 'given' }, { stringFormat: '{{{0}}}' }, { outputClaim: 'out' }), { out: '{Ada}' }],
    ['FormatStringClaim on a missing claim produces nothing', transformation('FormatStringClaim', { inputClaim: 'missing' }, { stringFormat: '{0}' }, { outputClaim: 'out' }), {}],
    ['FormatStringMultipleClaims', transformation('FormatStringMultipleClaims', { inputClaim1: 'given', inputClaim2: 'family' }, { stringFormat: '{0} {1}' }, { outputClaim: 'out' }), { out: 'Ada Lovelace' }],
    ['CopyClaim', transformation('CopyClaim', { inputClaim: 'list' }, {}, { outputClaim: 'out' }), { out: ['a', 'b'] }],
    ['ChangeCase LOWER', transformation('ChangeCase', { inputClaim1: 'email' }, { toCase: 'LOWER' }, { outputClaim1: 'out' }), { out: 'ada@example.com' }],
    ['ChangeCase UPPER', transformation('ChangeCase', { inputClaim1: 'given' }, { toCase: 'upper' }, { outputClaim1: 'out' }), { out: 'ADA' }],
    ['CreateRandomString GUID', transformation('CreateRandomString', {}, { randomGeneratorType: 'GUID' }, { outputClaim: 'out' }), { out: '8a1c9e20-0000-4000-8000-000000000000' }],
    ['CreateRandomString INTEGER with format', transformation('CreateRandomString', {}, { randomGeneratorType: 'INTEGER', maximumNumber: 999999, stringFormat: 'OTP_{0}' }, { outputClaim: 'out' }), { out: 'OTP_4711' }],
    ['CreateRandomString base64', transformation('CreateRandomString', {}, { randomGeneratorType: 'INTEGER', maximumNumber: 10, base64: true }, { outputClaim: 'out' }), { out: Buffer.from('10').toString('base64') }],
    ['CompareClaimToValue EQUAL', transformation('CompareClaimToValue', { inputClaim1: 'given' }, { compareTo: 'Ada', operator: 'EQUAL', ignoreCase: 'false' }, { outputClaim: 'out' }), { out: true }],
    ['CompareClaimToValue is case-sensitive by default', transformation('CompareClaimToValue', { inputClaim1: 'given' }, { compareTo: 'ADA', operator: 'EQUAL' }, { outputClaim: 'out' }), { out: false }],
    ['CompareClaimToValue ignoreCase', transformation('CompareClaimToValue', { inputClaim1: 'given' }, { compareTo: 'ADA', operator: 'EQUAL', ignoreCase: 'true' }, { outputClaim: 'out' }), { out: true }],
    ['CompareClaimToValue NOT EQUAL', transformation('CompareClaimToValue', { inputClaim1: 'n' }, { compareTo: '42', operator: 'NOT EQUAL' }, { outputClaim: 'out' }), { out: false }],
    ['CompareClaims', transformation('CompareClaims', { inputClaim1: 'given', inputClaim2: 'family' }, { operator: 'NOT EQUAL' }, { outputClaim: 'out' }), { out: true }],
    ['DoesClaimExist on a present claim', transformation('DoesClaimExist', { inputClaim: 'email' }, {}, { outputClaim: 'out' }), { out: true }],
    ['DoesClaimExist on a missing claim', transformation('DoesClaimExist', { inputClaim: 'missing' }, {}, { outputClaim: 'out' }), { out: false }],
    ['AndClaims', transformation('AndClaims', { inputClaim1: 'yes', inputClaim2: 'no' }, {}, { outputClaim: 'out' }), { out: false }],
    ['AndClaims reads "true" text as true', transformation('AndClaims', { inputClaim1: 'yes', inputClaim2: 'textTrue' }, {}, { outputClaim: 'out' }), { out: true }],
    ['OrClaims', transformation('OrClaims', { inputClaim1: 'yes', inputClaim2: 'no' }, {}, { outputClaim: 'out' }), { out: true }],
    ['NotClaims', transformation('NotClaims', { inputClaim: 'no' }, {}, { outputClaim: 'out' }), { out: true }],
    ['CompareBooleanClaimToValue', transformation('CompareBooleanClaimToValue', { inputClaim: 'yes' }, { valueToCompareTo: 'true' }, { compareResult: 'out' }), { out: true }],
    ['AssertBooleanClaimIsEqualToValue that holds', transformation('AssertBooleanClaimIsEqualToValue', { inputClaim: 'yes' }, { valueToCompareTo: true }, {}), {}],
    ['AssertStringClaimsAreEqual that holds (ordinalIgnoreCase)', transformation('AssertStringClaimsAreEqual', { inputClaim1: 'email', inputClaim2: 'email' }, { stringComparison: 'ordinalIgnoreCase' }, {}), {}],
  ])('%s', (_name, def, expected) => {
    expect(runTransformation(def, bag, random)).toEqual(expected);
  });

  it.each<[string, ClaimsTransformationDef, string]>([
    ['AssertBooleanClaimIsEqualToValue', transformation('AssertBooleanClaimIsEqualToValue', { inputClaim: 'no' }, { valueToCompareTo: true }, {}), 'UserMessageIfClaimsTransformationBooleanValueIsNotEqual'],
    ['AssertBooleanClaimIsEqualToValue on a missing claim', transformation('AssertBooleanClaimIsEqualToValue', { inputClaim: 'missing' }, { valueToCompareTo: false }, {}), 'UserMessageIfClaimsTransformationBooleanValueIsNotEqual'],
    ['AssertStringClaimsAreEqual (ordinal)', transformation('AssertStringClaimsAreEqual', { inputClaim1: 'given', inputClaim2: 'family' }, {}, {}), 'UserMessageIfClaimsTransformationStringsAreNotEqual'],
  ])('%s raises an assertion error naming its message item', (_name, def, metadataKey) => {
    let error: unknown;
    try {
      runTransformation(def, bag, random);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransformationAssertionError);
    expect(error).toMatchObject({ transformationId: def.id, metadataKey });
  });

  it('formats like .NET composite format', () => {
    expect(formatString('{1}, {0}! {2}', ['a', 'b'])).toBe('b, a! ');
    expect(formatString('{{0}}', ['x'])).toBe('{0}');
  });
});
