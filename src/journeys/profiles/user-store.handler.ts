import { Injectable } from '@nestjs/common';
import { UserFacingError } from '../engine/journey.errors';
import type { ClaimValue, LocalizedText, TechnicalProfileDef } from '../policy/policy.model';
import { UserStoreService, type LocalAccount } from '../user-store/user-store.service';
import type { ClaimsExchangeHandler, ExchangeClaims, ProfileContext } from './technical-profile.handler';

/** B2C's directory messages, used when a profile does not give its own. */
const DEFAULT_MESSAGES: Record<'exists' | 'missing' | 'invalid', LocalizedText> = {
  exists: { en: 'A user with the specified ID already exists. Please choose a different one.', ko: '지정한 ID를 가진 사용자가 이미 있습니다. 다른 ID를 선택하세요.' },
  missing: { en: 'An account could not be found for the provided user ID.', ko: '입력한 사용자 ID의 계정을 찾을 수 없습니다.' },
  // One message for "no such account" and "wrong password": the page must not tell which.
  invalid: { en: 'Your email address or password is incorrect.', ko: '이메일 주소 또는 비밀번호가 올바르지 않습니다.' },
};

/** Directory attribute names with a place of their own; any other persisted claim is an attribute. */
const EMAIL = 'signInNames.emailAddress';

/**
 * The user store as a technical profile, standing in for B2C's Azure AD profiles
 * (`AAD-UserWriteUsingLogonEmail`, `AAD-UserReadUsingObjectId`) and for the password check that
 * B2C does with `login-NonInteractive`. `Operation`:
 * - `Write`: by `signInNames.emailAddress`, creates a local account from the persisted claims
 *   (`password` is hashed); by `objectId`, updates one;
 * - `Read`: by `objectId` or `signInNames.emailAddress`;
 * - `Authenticate`: by `signInNames.emailAddress` and `password`.
 * Output claims are read by their directory names: `objectId`, `signInNames.emailAddress`,
 * `newUser`, and the stored attributes (`displayName`, `givenName`, `surname`, …).
 */
@Injectable()
export class UserStoreHandler implements ClaimsExchangeHandler {
  readonly kind = 'UserStore' as const;

  constructor(private readonly store: UserStoreService) {}

  async invoke(tp: TechnicalProfileDef, { inputs, persisted }: ExchangeClaims, ctx: ProfileContext): Promise<Record<string, unknown>> {
    const message = (key: string, fallback: LocalizedText): LocalizedText => (tp.metadata[key] as LocalizedText | undefined) ?? fallback;
    const email = inputs[EMAIL];
    const objectId = inputs.objectId;
    switch (tp.metadata.Operation) {
      case 'Authenticate': {
        const account = await this.store.authenticate(String(email ?? ''), String(inputs.password ?? ''));
        if (!account) throw new UserFacingError(message('UserMessageIfInvalidPassword', DEFAULT_MESSAGES.invalid), 'wrong password or no such account');
        ctx.authenticated();
        return view(account);
      }
      case 'Read': {
        const account = objectId !== undefined ? await this.store.findByObjectId(String(objectId)) : await this.store.findByEmail(String(email ?? ''));
        if (!account) {
          if (tp.metadata.RaiseErrorIfClaimsPrincipalDoesNotExist === true) {
            throw new UserFacingError(message('UserMessageIfClaimsPrincipalDoesNotExist', DEFAULT_MESSAGES.missing), 'no such account');
          }
          return {};
        }
        // B2C's AAD Read takes either flag. "Already exists" on a Read lets a sign-up page refuse a
        // taken address before a later validation step does something that cannot be undone
        // (redeeming the invitation).
        if (tp.metadata.RaiseErrorIfClaimsPrincipalAlreadyExists === true) {
          throw new UserFacingError(message('UserMessageIfClaimsPrincipalAlreadyExists', DEFAULT_MESSAGES.exists), 'the address has an account');
        }
        return view(account);
      }
      case 'Write':
        return this.write(tp, inputs, persisted, ctx, message);
      default:
        throw new Error(`UserStore profile ${tp.id}: unsupported operation ${String(tp.metadata.Operation)}`);
    }
  }

  private async write(
    tp: TechnicalProfileDef,
    inputs: Readonly<Record<string, ClaimValue>>,
    persisted: Readonly<Record<string, ClaimValue>>,
    ctx: ProfileContext,
    message: (key: string, fallback: LocalizedText) => LocalizedText,
  ): Promise<Record<string, unknown>> {
    const { password, [EMAIL]: _email, objectId: _objectId, ...attributes } = persisted;
    const raiseIfExists = tp.metadata.RaiseErrorIfClaimsPrincipalAlreadyExists === true;
    if (inputs.objectId !== undefined) {
      const updated = await this.store.update(String(inputs.objectId), { ...(typeof password === 'string' ? { password } : {}), attributes });
      if (!updated) {
        if (tp.metadata.RaiseErrorIfClaimsPrincipalDoesNotExist === true) throw new UserFacingError(message('UserMessageIfClaimsPrincipalDoesNotExist', DEFAULT_MESSAGES.missing), 'no such account');
        return {};
      }
      return { ...view(updated), newUser: false };
    }
    const email = String(inputs[EMAIL] ?? '');
    const result = await this.store.create({ email, ...(typeof password === 'string' ? { password } : {}), attributes });
    if (!result.created) {
      if (raiseIfExists) throw new UserFacingError(message('UserMessageIfClaimsPrincipalAlreadyExists', DEFAULT_MESSAGES.exists), 'the address has an account');
      const updated = await this.store.update(result.existing.objectId, { ...(typeof password === 'string' ? { password } : {}), attributes });
      return { ...view(updated ?? result.existing), newUser: false };
    }
    ctx.authenticated();
    return { ...view(result.account), newUser: true };
  }
}

function view(account: LocalAccount): Record<string, unknown> {
  return { ...account.attributes, objectId: account.objectId, [EMAIL]: account.email, email: account.email };
}

