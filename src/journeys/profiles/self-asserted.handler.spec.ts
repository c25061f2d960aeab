import { resolve } from 'node:path';
import { Random } from '../../common/random';
import { UserFacingError } from '../engine/journey.errors';
import type { ClaimsBag, RunnablePolicy } from '../policy/policy.model';
import { loadPolicies } from '../policy/policy.loader';
import { ProfileRunner } from './profile-runner.service';
import { SelfAssertedHandler } from './self-asserted.handler';
import type { ClaimsExchangeHandler, ExchangeClaims, ProfileContext } from './technical-profile.handler';

/** The validation profiles' edges (invitations, user store) are recorded, not run: this spec is about the page. */
class Recorder implements ClaimsExchangeHandler {
  readonly calls: { profile: string; claims: ExchangeClaims }[] = [];
  fail?: UserFacingError;
  constructor(
    readonly kind: 'UserStore' | 'InvitationRedemption',
    /** Every recorder's calls in the order they came, shared. */
    private readonly order: string[],
  ) {}
  async invoke(tp: { id: string }, claims: ExchangeClaims): Promise<Record<string, unknown>> {
    this.calls.push({ profile: tp.id, claims });
    this.order.push(tp.id);
    if (this.fail) throw this.fail;
    return this.kind === 'UserStore' ? { objectId: 'obj-1', newUser: true } : { invitationId: 'inv-1' };
  }
}

describe('SelfAssertedHandler', () => {
  const loaded = loadPolicies(resolve(__dirname, '../../../policies'), { hintProfileIds: ['tessera-invitations'], env: {}, maxTokenLifetimeSeconds: 86400 * 30 });
  const policy = loaded.policies.get('B2C_1A_signup_invitation') as RunnablePolicy;
  const signUp = policy.technicalProfiles.get('LocalAccountSignUpWithReadOnlyEmail')!;
  let store: Recorder;
  let redemption: Recorder;
  let order: string[];
  let sut: SelfAssertedHandler;
  const ctx = (locale: 'en' | 'ko' = 'en'): ProfileContext => ({
    policy,
    request: {} as ProfileContext['request'],
    correlationId: 'corr',
    locale,
    resolver: { clientId: 'app', policyId: policy.policyId, correlationId: 'corr', now: new Date(), locale, parameters: {} },
    takeHint: () => undefined,
    authenticated: () => undefined,
  });
  const bag: ClaimsBag = { email: 'ada@example.com', invitationJti: 'jti-1', invitationStatus: 'usable' };

  beforeEach(() => {
    order = [];
    store = new Recorder('UserStore', order);
    redemption = new Recorder('InvitationRedemption', order);
    sut = new SelfAssertedHandler(new ProfileRunner([store, redemption], new Random()));
  });

  it('prepares the page with its input claims transformations (the email copied to ReadOnlyEmail)', () => {
    expect(sut.prepare(signUp, bag, ctx())).toEqual({ ReadOnlyEmail: 'ada@example.com' });
  });

  it('shows the output claims that have an input type, in order, the read-only one prefilled', () => {
    const form = sut.form(signUp, { ...bag, ReadOnlyEmail: 'ada@example.com' }, ctx('ko'));
    expect(form.title).toBe('계정 만들기');
    expect(form.continueLabel).toBe('만들기');
    expect(form.cancelLabel).toBe('취소');
    expect(form.fields.map((f) => [f.name, f.kind, f.inputType, f.required, f.value])).toEqual([
      ['ReadOnlyEmail', 'readonly', 'text', true, 'ada@example.com'],
      ['newPassword', 'input', 'password', true, undefined],
      ['reenterPassword', 'input', 'password', true, undefined],
      ['displayName', 'input', 'text', true, undefined],
      ['givenName', 'input', 'text', false, undefined],
      ['surname', 'input', 'text', false, undefined],
    ]);
    expect(form.fields[0].label).toBe('확인된 이메일 주소');
    expect(form.fields[1]).toMatchObject({ autocomplete: 'new-password', help: expect.stringContaining('8~64자') });
  });

  it('ignores a posted value for a read-only field, runs the validation profiles in order, and returns the output claims', async () => {
    const outcome = await sut.submit(
      signUp,
      { ...bag, ReadOnlyEmail: 'ada@example.com' },
      { ReadOnlyEmail: 'mallory@example.com', newPassword: 'Correct-horse-7', reenterPassword: 'Correct-horse-7', displayName: '  Ada  ', objectId: 'forged' },
      ctx(),
    );
    expect(outcome).toEqual({
      ok: true,
      claims: { objectId: 'obj-1', ReadOnlyEmail: 'ada@example.com', newPassword: 'Correct-horse-7', reenterPassword: 'Correct-horse-7', 'executed-SelfAsserted-Input': 'true', authenticationSource: 'localAccountAuthentication', newUser: true, displayName: 'Ada' },
    });
    // What can still refuse the page (a taken address) runs before what cannot be undone.
    expect(order).toEqual(['AAD-UserReadUsingEmailAddress-RaiseIfExists', 'Invitation-Redeem', 'AAD-UserWriteUsingLogonEmail']);
    expect(redemption.calls[0].claims.inputs).toEqual({ jti: 'jti-1' });
    expect(store.calls[0].claims.inputs).toEqual({ 'signInNames.emailAddress': 'ada@example.com' });
    expect(store.calls[1]).toEqual({
      profile: 'AAD-UserWriteUsingLogonEmail',
      claims: { inputs: { 'signInNames.emailAddress': 'ada@example.com' }, persisted: { 'signInNames.emailAddress': 'ada@example.com', password: 'Correct-horse-7', displayName: 'Ada' } },
    });
  });

  it('names each field problem and runs no validation profile', async () => {
    const outcome = await sut.submit(signUp, bag, { newPassword: 'weak', reenterPassword: ['a', 'b'], givenName: 'x'.repeat(2000) }, ctx());
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.fieldErrors).toEqual({
      ReadOnlyEmail: 'This information is required.',
      newPassword: expect.stringContaining('Use 8 to 64 characters'),
      reenterPassword: 'Please enter one value.',
      displayName: 'This information is required.',
      givenName: 'This is too long: use at most 1024 characters.',
    });
    expect(outcome.values).not.toHaveProperty('newPassword');
    expect(store.calls).toHaveLength(0);
    expect(redemption.calls).toHaveLength(0);
  });

  it('shows a validation profile’s message on the page and stops there', async () => {
    redemption.fail = new UserFacingError({ en: 'This invitation has already been used.', ko: '이미 사용된 초대입니다.' });
    const outcome = await sut.submit(signUp, { ...bag, ReadOnlyEmail: 'ada@example.com' }, { newPassword: 'Correct-horse-7', reenterPassword: 'Correct-horse-7', displayName: 'Ada' }, ctx('ko'));
    expect(outcome).toMatchObject({ ok: false, pageErrors: ['이미 사용된 초대입니다.'], fieldErrors: {} });
    expect(order).toEqual(['AAD-UserReadUsingEmailAddress-RaiseIfExists', 'Invitation-Redeem']);
  });

  it('refuses an address that has an account before redeeming the invitation', async () => {
    store.fail = new UserFacingError({ en: 'An account with this email address already exists. Sign in instead.' });
    const outcome = await sut.submit(signUp, { ...bag, ReadOnlyEmail: 'ada@example.com' }, { newPassword: 'Correct-horse-7', reenterPassword: 'Correct-horse-7', displayName: 'Ada' }, ctx());
    expect(outcome).toMatchObject({ ok: false, pageErrors: ['An account with this email address already exists. Sign in instead.'] });
    expect(order).toEqual(['AAD-UserReadUsingEmailAddress-RaiseIfExists']);
    expect(redemption.calls).toHaveLength(0);
  });
});
