import { Injectable, Logger } from '@nestjs/common';
import { UserFacingError } from '../engine/journey.errors';
import { PAGE_MESSAGES } from '../pages/page.messages';
import type { FieldView } from '../pages/page.views';
import { localized, type ClaimRef, type ClaimsBag, type ClaimTypeDef, type LocalizedText, type TechnicalProfileDef } from '../policy/policy.model';
import { shouldSkip } from '../policy/preconditions';
import { MAX_PASSWORD_LENGTH } from '../user-store/user-store.service';
import { outputClaimsFrom } from './claim-mapping';
import { ProfileRunner } from './profile-runner.service';
import type { ProfileContext } from './technical-profile.handler';

/** What the user typed, kept to re-render the page (never passwords). */
export type SubmittedValues = Record<string, string>;

export interface FormState {
  values?: SubmittedValues;
  fieldErrors?: Record<string, string>;
  pageErrors?: string[];
}

export interface FormModel {
  title: string;
  intro?: string;
  fields: FieldView[];
  errors: string[];
  continueLabel?: string;
  cancelLabel?: string;
}

export type SubmitOutcome = { ok: true; claims: ClaimsBag } | ({ ok: false } & Required<FormState>);

const MAX_TEXT_LENGTH = 1024;
/** B2C's built-in check on its sign-up page: the two password fields must agree. */
const NEW_PASSWORD = 'newPassword';
const REENTER_PASSWORD = 'reenterPassword';
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/**
 * B2C's self-asserted technical profile: a page whose fields are the profile's output claims
 * that have a user input type, prefilled from its input claims. On submit, in B2C's order: the
 * fields are checked (required, pattern, type), output claims transformations run, then the
 * validation technical profiles in order; an error from any of them re-renders the page with
 * its message. What the profile returns to the journey is its output claims.
 * `Readonly` and `Paragraph` fields show a value from the journey and ignore whatever a form
 * posts for them.
 */
@Injectable()
export class SelfAssertedHandler {
  private readonly logger = new Logger('Journeys');

  constructor(private readonly runner: ProfileRunner) {}

  /** When the step starts: input claims transformations, whose claims join the journey, and the IP claim. */
  prepare(tp: TechnicalProfileDef, bag: Readonly<ClaimsBag>, ctx: ProfileContext): ClaimsBag {
    const produced = this.runner.transform(tp, tp.inputClaimsTransformations, bag, ctx.policy);
    const ipClaim = tp.metadata.IpAddressClaimReferenceId;
    if (typeof ipClaim === 'string' && ctx.clientIp) produced[ipClaim] = ctx.clientIp;
    return produced;
  }

  /** The page of the profile: prefilled from the journey, or as submitted with its errors. */
  form(tp: TechnicalProfileDef, bag: Readonly<ClaimsBag>, ctx: ProfileContext, state: FormState = {}): FormModel {
    const messages = PAGE_MESSAGES[ctx.locale];
    const text = (key: string) => localizedItem(tp.metadata[key], ctx.locale);
    const prefill = this.prefill(tp, bag, ctx);
    const authenticates = tp.validationTechnicalProfiles.some((v) => ctx.policy.technicalProfiles.get(v.referenceId)?.metadata.Operation === 'Authenticate');
    const fields: FieldView[] = [];
    for (const { ref, type } of this.displayed(tp, ctx)) {
      const input = type.userInputType!;
      const id = `field-${ref.claimType.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const label = localized(type.displayName, ctx.locale) ?? ref.claimType;
      if (input === 'Paragraph') {
        const value = prefill[ref.claimType];
        if (value !== undefined) fields.push({ name: ref.claimType, id, label, kind: 'paragraph', value: String(value), required: false });
        continue;
      }
      const help = [localized(type.userHelpText, ctx.locale)].filter(Boolean).join(' ') || undefined;
      const field: FieldView = {
        name: ref.claimType,
        id,
        label,
        kind: input === 'Readonly' ? 'readonly' : 'input',
        inputType: input === 'EmailBox' ? 'email' : input === 'Password' ? 'password' : 'text',
        required: ref.required,
        maxLength: input === 'Password' ? MAX_PASSWORD_LENGTH : MAX_TEXT_LENGTH,
        ...(help ? { help } : {}),
        ...(type.dataType === 'int' ? { inputMode: 'numeric' as const } : {}),
        ...autocomplete(ref.claimType, input, authenticates),
      };
      const value = input === 'Readonly' ? prefill[ref.claimType] : input === 'Password' ? undefined : (state.values?.[ref.claimType] ?? prefill[ref.claimType]);
      if (value !== undefined) field.value = Array.isArray(value) ? value.join(', ') : String(value);
      const error = state.fieldErrors?.[ref.claimType];
      if (error) field.error = error;
      fields.push(field);
    }
    return {
      title: text('language.heading') ?? localized(tp.displayName, ctx.locale) ?? messages.defaultTitle,
      ...(text('language.intro') ? { intro: text('language.intro') } : {}),
      fields,
      errors: state.pageErrors ?? [],
      ...(tp.metadata['setting.showContinueButton'] !== false ? { continueLabel: text('language.button_continue') ?? messages.continue } : {}),
      ...(tp.metadata['setting.showCancelButton'] !== false ? { cancelLabel: text('language.button_cancel') ?? messages.cancel } : {}),
    };
  }

  async submit(tp: TechnicalProfileDef, bag: Readonly<ClaimsBag>, form: Readonly<Record<string, unknown>>, ctx: ProfileContext): Promise<SubmitOutcome> {
    const messages = PAGE_MESSAGES[ctx.locale];
    const prefill = this.prefill(tp, bag, ctx);
    const values: SubmittedValues = {};
    const typed: ClaimsBag = {};
    const fieldErrors: Record<string, string> = {};
    for (const { ref, type } of this.displayed(tp, ctx)) {
      const name = ref.claimType;
      const input = type.userInputType!;
      if (input === 'Readonly' || input === 'Paragraph') {
        // Shown, never taken from the form: the journey's value is the value.
        const value = prefill[name];
        if (value !== undefined) typed[name] = value;
        else if (ref.required && input === 'Readonly') fieldErrors[name] = messages.fieldRequired;
        continue;
      }
      const raw = form[name];
      if (Array.isArray(raw)) {
        fieldErrors[name] = messages.oneValue;
        continue;
      }
      const value = typeof raw === 'string' ? (input === 'Password' ? raw : raw.trim()) : '';
      if (input !== 'Password') values[name] = value.slice(0, MAX_TEXT_LENGTH);
      const max = input === 'Password' ? MAX_PASSWORD_LENGTH : MAX_TEXT_LENGTH;
      if (value === '') {
        if (ref.required) fieldErrors[name] = messages.fieldRequired;
        continue;
      }
      if (value.length > max) {
        fieldErrors[name] = messages.tooLong.replace('{{max}}', String(max));
        continue;
      }
      if (type.restriction && !new RegExp(type.restriction.pattern, 'u').test(value)) {
        fieldErrors[name] = localized(type.restriction.helpText, ctx.locale) ?? messages.fieldInvalid;
        continue;
      }
      if (input === 'EmailBox' && !type.restriction && !EMAIL_SHAPE.test(value)) {
        fieldErrors[name] = messages.emailInvalid;
        continue;
      }
      if (type.dataType === 'int') {
        if (!/^-?\d{1,15}$/.test(value)) {
          fieldErrors[name] = messages.numberInvalid;
          continue;
        }
        typed[name] = Number(value);
        continue;
      }
      typed[name] = value;
    }
    const shown = new Set(this.displayed(tp, ctx).map((d) => d.ref.claimType));
    if (shown.has(NEW_PASSWORD) && shown.has(REENTER_PASSWORD) && typed[NEW_PASSWORD] !== undefined && typed[REENTER_PASSWORD] !== undefined && typed[NEW_PASSWORD] !== typed[REENTER_PASSWORD]) {
      fieldErrors[REENTER_PASSWORD] = messages.passwordsDiffer;
    }
    const failed = (pageErrors: string[]): SubmitOutcome => ({ ok: false, values, fieldErrors, pageErrors });
    if (Object.keys(fieldErrors).length) return failed([]);

    const working: ClaimsBag = { ...bag, ...typed };
    try {
      Object.assign(working, this.runner.transform(tp, tp.outputClaimsTransformations, working, ctx.policy));
      for (const v of tp.validationTechnicalProfiles) {
        if (shouldSkip(v.preconditions, working)) continue;
        const validation = ctx.policy.technicalProfiles.get(v.referenceId)!;
        try {
          Object.assign(working, await this.runner.run(validation, working, ctx));
        } catch (e) {
          if (!(e instanceof UserFacingError) || !v.continueOnError) throw e;
          this.logger.log({ correlationId: ctx.correlationId, technicalProfile: v.referenceId, detail: e.detail }, 'validation profile failed; continuing (continueOnError)');
          continue;
        }
        if (!v.continueOnSuccess) break;
      }
    } catch (e) {
      if (!(e instanceof UserFacingError)) throw e;
      this.logger.log({ correlationId: ctx.correlationId, technicalProfile: tp.id, detail: e.detail }, 'page refused by a validation');
      return failed([e.userMessage[ctx.locale] ?? e.userMessage.en]);
    }
    // The profile returns its output claims, read from everything gathered (B2C: output claims
    // of validation profiles reach the journey only through the page's own output claims).
    const claims = outputClaimsFrom(tp.id, tp.outputClaims.map(({ partnerClaimType: _p, ...ref }) => ref), working, ctx.policy.claimsSchema, ctx.resolver);
    return { ok: true, claims };
  }

  /**
   * The fields: output claims with a user input type, in order, except those a validation
   * profile produces (B2C shows a claim only when the user is to supply it).
   */
  private displayed(tp: TechnicalProfileDef, ctx: ProfileContext): { ref: ClaimRef; type: ClaimTypeDef }[] {
    const fromValidation = new Set<string>();
    for (const v of tp.validationTechnicalProfiles) {
      for (const c of ctx.policy.technicalProfiles.get(v.referenceId)?.outputClaims ?? []) fromValidation.add(c.claimType);
    }
    const out: { ref: ClaimRef; type: ClaimTypeDef }[] = [];
    for (const ref of tp.outputClaims) {
      const type = ctx.policy.claimsSchema.get(ref.claimType);
      if (!type?.userInputType || fromValidation.has(ref.claimType)) continue;
      out.push({ ref, type });
    }
    return out;
  }

  /** Values shown before the user types: the profile's input claims (B2C prefills from them). */
  private prefill(tp: TechnicalProfileDef, bag: Readonly<ClaimsBag>, ctx: ProfileContext): ClaimsBag {
    return outputClaimsFrom(tp.id, tp.inputClaims.map(({ partnerClaimType: _p, required: _r, ...ref }) => ({ ...ref, required: false })), bag, ctx.policy.claimsSchema, ctx.resolver);
  }
}

function localizedItem(value: unknown, locale: 'en' | 'ko'): string | undefined {
  if (value && typeof value === 'object') return localized(value as LocalizedText, locale);
  return typeof value === 'string' ? value : undefined;
}

/** HTML autocomplete tokens, so password managers and autofill do the right thing (WCAG 1.3.5). */
function autocomplete(claimType: string, input: string, authenticates: boolean): { autocomplete?: string } {
  if (input === 'Password') return { autocomplete: authenticates ? 'current-password' : 'new-password' };
  if (input === 'EmailBox') return { autocomplete: authenticates ? 'username' : 'email' };
  const known: Record<string, string> = { displayName: 'name', givenName: 'given-name', surname: 'family-name' };
  return known[claimType] ? { autocomplete: known[claimType] } : {};
}
