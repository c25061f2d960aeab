/**
 * The policy model, after loading: B2C custom-policy vocabulary, element by element (README
 * "Journeys" has the translation table). Everything here is plain data; the loader builds it
 * from YAML (`policy.reader.ts`), resolves `basePolicy` and `include` (`policy.merge.ts`) and
 * checks every reference (`policy.checks.ts`).
 */

export const LOCALES = ['en', 'ko'] as const;
export type Locale = (typeof LOCALES)[number];

/** A text per locale; `en` is always present and stands in for a missing locale. */
export type LocalizedText = { en: string } & Partial<Record<Locale, string>>;

/** Where an element was written: for problems that name the file, the element and the line. */
export interface SourceRef {
  file: string;
  /** element description, e.g. `TechnicalProfile "JwtIssuer"` */
  element: string;
  /** path of the element inside the YAML document, for the line number */
  path: (string | number)[];
}

export const DATA_TYPES = ['string', 'boolean', 'int', 'stringCollection'] as const;
export type DataType = (typeof DATA_TYPES)[number];

export const USER_INPUT_TYPES = ['TextBox', 'EmailBox', 'Password', 'Readonly', 'Paragraph'] as const;
export type UserInputType = (typeof USER_INPUT_TYPES)[number];

export type ClaimValue = string | boolean | number | string[];
export type ClaimsBag = Record<string, ClaimValue>;

/** B2C `ClaimType`. */
export interface ClaimTypeDef {
  id: string;
  dataType: DataType;
  displayName?: LocalizedText;
  userHelpText?: LocalizedText;
  userInputType?: UserInputType;
  /** B2C `Restriction/Pattern` with its `HelpText` */
  restriction?: { pattern: string; helpText?: LocalizedText };
  /** B2C `DefaultPartnerClaimTypes`: the claim's name in a protocol when a reference names none */
  defaultPartnerClaimTypes?: Partial<Record<PartnerProtocol, string>>;
  source: SourceRef;
}

export const PARTNER_PROTOCOLS = ['OpenIdConnect', 'OAuth2', 'OAuth1', 'SAML2'] as const;
export type PartnerProtocol = (typeof PARTNER_PROTOCOLS)[number];

/** B2C `InputClaim` / `OutputClaim` / `PersistedClaim`. */
export interface ClaimRef {
  claimType: string;
  partnerClaimType?: string;
  defaultValue?: string | number | boolean;
  alwaysUseDefaultValue: boolean;
  required: boolean;
}

/** A claim of a claims transformation: `ClaimTypeReferenceId` + `TransformationClaimType`. */
export interface TransformationClaimRef {
  claimType: string;
  transformationClaimType: string;
}

export interface InputParameter {
  id: string;
  dataType: DataType;
  value: string | number | boolean;
}

/** B2C `ClaimsTransformation`. */
export interface ClaimsTransformationDef {
  id: string;
  transformationMethod: string;
  inputClaims: TransformationClaimRef[];
  inputParameters: InputParameter[];
  outputClaims: TransformationClaimRef[];
  source: SourceRef;
}

/**
 * What runs a technical profile: B2C's `Protocol`/`Handler` pair, named plainly. Federation
 * kinds (`OpenIdConnect`, `OAuth2`, `OAuth1`) slot in here with their handlers.
 */
export const PROFILE_KINDS = [
  'IdTokenHint',
  'SelfAsserted',
  'ClaimsTransformation',
  'UserStore',
  'InvitationRedemption',
  'Rest',
  'JwtIssuer',
] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** Metadata values: B2C `Item`s are strings; a `language.*` item may be given per locale. */
export type MetadataValue = string | number | boolean | LocalizedText;

/** B2C `CryptographicKeys/Key`: the secret itself comes from an environment variable. */
export interface CryptographicKeyRef {
  id: string;
  env: string;
}

export interface Precondition {
  type: 'ClaimsExist' | 'ClaimEquals';
  executeActionsIf: boolean;
  values: string[];
  action: 'SkipThisOrchestrationStep';
}

export interface ValidationProfileRef {
  referenceId: string;
  continueOnError: boolean;
  continueOnSuccess: boolean;
  preconditions: Precondition[];
}

/** B2C `TechnicalProfile`, after `include`s are resolved. */
export interface TechnicalProfileDef {
  id: string;
  kind: ProfileKind;
  displayName?: LocalizedText;
  metadata: Record<string, MetadataValue>;
  cryptographicKeys: CryptographicKeyRef[];
  inputClaimsTransformations: string[];
  inputClaims: ClaimRef[];
  persistedClaims: ClaimRef[];
  outputClaims: ClaimRef[];
  outputClaimsTransformations: string[];
  validationTechnicalProfiles: ValidationProfileRef[];
  source: SourceRef;
}

export const STEP_TYPES = ['GetClaims', 'ClaimsExchange', 'SendClaims', 'CombinedSignInAndSignUp', 'ClaimsProviderSelection'] as const;
export type StepType = (typeof STEP_TYPES)[number];

export interface ClaimsExchangeDef {
  id: string;
  technicalProfileReferenceId: string;
}

export interface ClaimsProviderSelectionDef {
  /** a button that chooses this exchange for the next step (sign-up link, identity providers) */
  targetClaimsExchangeId?: string;
  /** the local-account form shown on the page itself */
  validationClaimsExchangeId?: string;
}

/** B2C `OrchestrationStep`. */
export interface OrchestrationStepDef {
  order: number;
  type: StepType;
  preconditions: Precondition[];
  claimsExchanges: ClaimsExchangeDef[];
  claimsProviderSelections: ClaimsProviderSelectionDef[];
  cpimIssuerTechnicalProfileReferenceId?: string;
  source: SourceRef;
}

export interface UserJourneyDef {
  id: string;
  steps: OrchestrationStepDef[];
  source: SourceRef;
}

/** B2C `RelyingParty`: its `TechnicalProfile` (PolicyProfile) is folded in. */
export interface RelyingPartyDef {
  defaultUserJourney: string;
  inputClaims: ClaimRef[];
  outputClaims: ClaimRef[];
  /** B2C `SubjectNamingInfo ClaimType`: the token claim that carries the subject */
  subjectClaimType: string;
  source: SourceRef;
}

/** One policy file, as read (before its base is merged in). */
export interface PolicyFile {
  policyId: string;
  basePolicy?: string;
  file: string;
  claimsSchema: RawClaimType[];
  claimsTransformations: ClaimsTransformationDef[];
  technicalProfiles: RawTechnicalProfile[];
  userJourneys: UserJourneyDef[];
  relyingParty?: RelyingPartyDef;
  source: SourceRef;
}

/** A claim type as written: a derived policy may change a few fields of its base's. */
export type RawClaimType = Omit<ClaimTypeDef, 'dataType'> & { dataType?: DataType };

/** A technical profile as written: `kind` may come from an included profile. */
export interface RawTechnicalProfile extends Omit<TechnicalProfileDef, 'kind'> {
  kind?: ProfileKind;
  /** a kind was written but is not one of PROFILE_KINDS (already reported) */
  kindInvalid?: true;
  include?: string;
}

/** A policy with its base chain merged: what the engine runs. */
export interface Policy {
  policyId: string;
  file: string;
  claimsSchema: Map<string, ClaimTypeDef>;
  claimsTransformations: Map<string, ClaimsTransformationDef>;
  technicalProfiles: Map<string, TechnicalProfileDef>;
  userJourneys: Map<string, UserJourneyDef>;
  relyingParty?: RelyingPartyDef;
}

/** A policy that can be invoked: it has a relying party and therefore a journey. */
export interface RunnablePolicy extends Policy {
  relyingParty: RelyingPartyDef;
  journey: UserJourneyDef;
}

export function localized(text: LocalizedText | undefined, locale: Locale): string | undefined {
  if (!text) return undefined;
  return text[locale] ?? text.en;
}
