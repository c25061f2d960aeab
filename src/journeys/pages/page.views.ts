import type { Locale } from '../policy/policy.model';

/** One field of a self-asserted page. `name` is the claim type id, which is also the form field name. */
export interface FieldView {
  name: string;
  /** HTML id of the control */
  id: string;
  label: string;
  /** `input` is typed by `inputType`; `readonly` shows a value that cannot be changed; `paragraph` is text */
  kind: 'input' | 'readonly' | 'paragraph';
  inputType?: 'text' | 'email' | 'password';
  inputMode?: 'numeric';
  autocomplete?: string;
  value?: string;
  required: boolean;
  maxLength?: number;
  help?: string;
  error?: string;
}

export interface SelectionView {
  /** the claims exchange the button chooses */
  exchangeId: string;
  label: string;
}

/** A page of a journey: a self-asserted form, a sign-in page, or a choice of providers. */
export interface SelfAssertedView {
  locale: Locale;
  title: string;
  intro?: string;
  fields: FieldView[];
  /** messages about the whole page (a validation profile's answer), shown first */
  errors: string[];
  /** absent: no continue button (`setting.showContinueButton: false`) */
  continueLabel?: string;
  cancelLabel?: string;
  selections: SelectionView[];
  /** where the form posts, and the values it carries back */
  action: string;
  csrf: string;
  step: string;
  correlationId: string;
}

export interface ErrorView {
  locale: Locale;
  title: string;
  message: string;
  hint?: string;
  correlationId: string;
}
