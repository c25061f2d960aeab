import type { ClaimsBag, Precondition } from './policy.model';
import { claimExists, decidingPrecondition, shouldSkip } from './preconditions';

const exist = (values: string[], executeActionsIf = true): Precondition => ({ type: 'ClaimsExist', executeActionsIf, values, action: 'SkipThisOrchestrationStep' });
const equals = (claim: string, value: string, executeActionsIf = true): Precondition => ({ type: 'ClaimEquals', executeActionsIf, values: [claim, value], action: 'SkipThisOrchestrationStep' });

describe('preconditions (B2C semantics)', () => {
  const bag: ClaimsBag = { email: 'ada@example.com', authenticationSource: 'localAccountAuthentication', newUser: true, empty: '', none: [] };

  it.each<[string, Precondition[], boolean]>([
    ['no preconditions: the step runs', [], false],
    ['ClaimsExist true on a present claim: skip', [exist(['email'])], true],
    ['ClaimsExist true on a missing claim: run', [exist(['objectId'])], false],
    ['ClaimsExist false on a missing claim: skip', [exist(['objectId'], false)], true],
    ['ClaimsExist false on a present claim: run', [exist(['email'], false)], false],
    ['ClaimsExist with several claims needs all of them', [exist(['email', 'objectId'])], false],
    ['an empty string does not exist', [exist(['empty'])], false],
    ['an empty collection does not exist', [exist(['none'])], false],
    ['ClaimEquals true, equal: skip', [equals('authenticationSource', 'localAccountAuthentication')], true],
    ['ClaimEquals true, different: run', [equals('authenticationSource', 'socialIdpAuthentication')], false],
    ['ClaimEquals false, different: skip', [equals('authenticationSource', 'socialIdpAuthentication', false)], true],
    ['ClaimEquals compares case-sensitively', [equals('authenticationSource', 'LOCALACCOUNTAUTHENTICATION')], false],
    ['ClaimEquals on a boolean compares its text', [equals('newUser', 'True')], true],
    // B2C: a ClaimEquals whose claim is missing is ignored, whatever executeActionsIf says.
    ['ClaimEquals true on a missing claim is ignored: run', [equals('objectId', 'x')], false],
    ['ClaimEquals false on a missing claim is ignored too: run', [equals('objectId', 'x', false)], false],
    ['an ignored ClaimEquals lets the next precondition decide', [equals('objectId', 'x', false), exist(['email'])], true],
    ['the first satisfied precondition wins; the rest are not needed', [exist(['email']), equals('email', 'other', true)], true],
    ['unsatisfied preconditions do not stop later ones', [exist(['objectId']), equals('email', 'ada@example.com')], true],
  ])('%s', (_name, preconditions, skip) => {
    expect(shouldSkip(preconditions, bag)).toBe(skip);
  });

  it('reports which precondition decided', () => {
    expect(decidingPrecondition([exist(['objectId']), equals('objectId', 'x', false), exist(['email']), exist(['newUser'])], bag)).toBe(2);
    expect(decidingPrecondition([exist(['objectId'])], bag)).toBe(-1);
  });

  it('treats only own properties as claims', () => {
    expect(claimExists({}, 'constructor')).toBe(false);
    expect(claimExists({}, '__proto__')).toBe(false);
  });
});
