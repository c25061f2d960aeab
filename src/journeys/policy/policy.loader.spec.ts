import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadPolicies, type LoadPoliciesOptions } from './policy.loader';
import { PolicyError, type PolicyProblem } from './policy.problems';

const SHIPPED = resolve(__dirname, '../../../policies');

const options = (extra: Partial<LoadPoliciesOptions> = {}): LoadPoliciesOptions => ({
  hintProfileIds: ['tessera-invitations'],
  env: {},
  maxTokenLifetimeSeconds: 30 * 24 * 3600,
  ...extra,
});

/** A policies folder with the shipped files plus the given ones (name → YAML text). */
function folder(files: Record<string, string>, withShipped = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-policies-'));
  if (withShipped) for (const name of readdirSync(SHIPPED)) copyFileSync(join(SHIPPED, name), join(dir, name));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function problemsOf(dir: string, extra: Partial<LoadPoliciesOptions> = {}): PolicyProblem[] {
  try {
    loadPolicies(dir, options({ displayRoot: dir, ...extra }));
  } catch (e) {
    if (e instanceof PolicyError) return e.problems;
    throw e;
  }
  throw new Error('expected the policies to be refused');
}

describe('loadPolicies', () => {
  it('loads the shipped examples: the two policies with a relying party, and the sample application', () => {
    const sut = loadPolicies(SHIPPED, options());
    expect([...sut.policies.keys()].sort()).toEqual(['B2C_1A_signin_only', 'B2C_1A_signup_invitation']);
    const signup = sut.policies.get('B2C_1A_signup_invitation')!;
    expect(signup.journey.id).toBe('SignUpInvitation');
    expect(signup.journey.steps.map((s) => s.type)).toEqual(['GetClaims', 'ClaimsExchange', 'ClaimsExchange', 'ClaimsExchange', 'ClaimsExchange', 'SendClaims']);
    // Inherited from the base two levels up, with the metadata defaults written in.
    expect(signup.technicalProfiles.get('JwtIssuer')).toMatchObject({ kind: 'JwtIssuer', metadata: { id_token_lifetime_secs: 3600, IssuanceClaimPattern: 'AuthorityAndPolicy' } });
    // The derived policy's metadata item is merged into the base's profile.
    expect(sut.policies.get('B2C_1A_signin_only')!.technicalProfiles.get('SelfAsserted-LocalAccountSignin-Email')!.metadata).toMatchObject({
      'setting.showSignupLink': false,
      'setting.showContinueButton': true,
    });
    expect(sut.applications.get('tessera-sample-app')).toEqual({
      clientId: 'tessera-sample-app',
      displayName: 'Tessera sample application',
      redirectUris: ['http://localhost:5000/signin-oidc'],
      responseTypes: ['code'],
      requirePkce: true,
    });
  });

  it('names every mistake of a broken policy in one error: unknown profile, missing claim type, step gap, unknown transformation', () => {
    const dir = folder({
      'B2C_1A_broken.yaml': `policyId: B2C_1A_broken
basePolicy: B2C_1A_TrustFrameworkExtensions
buildingBlocks:
  claimsTransformations:
    - id: MakeGreeting
      transformationMethod: MakeItRain
      outputClaims:
        - { claimType: greeting, transformationClaimType: outputClaim }
claimsProviders:
  - displayName: Broken
    technicalProfiles:
      - id: Greeter
        kind: ClaimsTransformation
        outputClaims:
          - favouriteColour
        outputClaimsTransformations: [MakeGreeting]
userJourneys:
  - id: Broken
    orchestrationSteps:
      - { order: 1, type: GetClaims, cpimIssuerTechnicalProfileReferenceId: IdTokenHint_ExtractClaims }
      - order: 2
        type: ClaimsExchange
        claimsExchanges:
          - { id: Nowhere, technicalProfileReferenceId: NoSuchProfile }
      - order: 4
        type: SendClaims
        cpimIssuerTechnicalProfileReferenceId: JwtIssuer
relyingParty:
  defaultUserJourney: Broken
  technicalProfile:
    outputClaims:
      - { claimType: objectId, partnerClaimType: sub }
`,
    });
    const problems = problemsOf(dir);
    const text = problems.map((p) => `${p.file}:${p.line} ${p.element}: ${p.problem}`);
    expect(text).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^B2C_1A_broken\.yaml:6 ClaimsTransformation "MakeGreeting" › transformationMethod: "MakeItRain" is not a supported transformation method/),
        expect.stringMatching(/^B2C_1A_broken\.yaml:8 ClaimsTransformation "MakeGreeting" › outputClaims\[0\]\.claimType: claim type "greeting" is not declared in the claims schema/),
        expect.stringMatching(/^B2C_1A_broken\.yaml:15 TechnicalProfile "Greeter" › outputClaims\[0\]\.claimType: claim type "favouriteColour" is not declared/),
        expect.stringMatching(/^B2C_1A_broken\.yaml:24 UserJourney "Broken" › OrchestrationStep 2 › claimsExchanges\[0\]\.technicalProfileReferenceId: "NoSuchProfile" is not a technical profile/),
        expect.stringMatching(/^B2C_1A_broken\.yaml:\d+ UserJourney "Broken" › orchestrationSteps: step order 3 is missing: steps must be numbered 1…4 without gaps \(found 1, 2, 4\)/),
      ]),
    );
    // The unknown method is reported as such, not also as wrong transformation claim types.
    expect(problems).toHaveLength(5);
    // The message of the thrown error lists them all, one a line.
    try {
      loadPolicies(dir, options({ displayRoot: dir }));
    } catch (e) {
      expect((e as Error).message).toMatch(/^invalid journey policies \(5 problems\):\n {2}- B2C_1A_broken\.yaml:/);
    }
  });

  it('reports a YAML syntax error with its file and line, and still checks the other files', () => {
    const problems = problemsOf(
      folder({
        'B2C_1A_bad_yaml.yaml': 'policyId: B2C_1A_bad_yaml\nuserJourneys: [\n',
        'B2C_1A_other.yaml': 'policyId: B2C_1A_other\nbasePolicy: B2C_1A_Nowhere\n',
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'B2C_1A_bad_yaml.yaml', element: 'YAML', problem: expect.stringMatching(/^line \d+: /) }),
        expect.objectContaining({ file: 'B2C_1A_other.yaml', element: 'Policy "B2C_1A_other" › basePolicy', problem: expect.stringContaining('"B2C_1A_Nowhere" is not the policyId of any policy file') }),
      ]),
    );
  });

  it('refuses unknown fields, unknown kinds, unknown metadata items and an unconfigured hint profile, naming each', () => {
    const problems = problemsOf(
      folder({
        'B2C_1A_meta.yaml': `policyId: B2C_1A_meta
basePolicy: B2C_1A_TrustFrameworkExtensions
claimsProviders:
  - technicalProfiles:
      - { id: A, kind: SamlIdp }
      - id: B
        kind: SelfAsserted
        metadata: { ContentDefinitionReferenceId: api.selfasserted }
        outputClaim: [email]
      - id: C
        kind: IdTokenHint
        metadata: { hintProfile: partner-portal }
      - id: D
        kind: JwtIssuer
        metadata: { id_token_lifetime_secs: 60 }
`,
      }),
    );
    const lines = problems.map((p) => `${p.element}: ${p.problem}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^TechnicalProfile "A" › kind: "SamlIdp" is not one of IdTokenHint, SelfAsserted/),
        expect.stringMatching(/^TechnicalProfile "B" › metadata\.ContentDefinitionReferenceId: is not a metadata item of SelfAsserted profiles/),
        expect.stringMatching(/^TechnicalProfile "B" › outputClaim: is not a known field here; expected one of id, kind,/),
        'TechnicalProfile "C" › metadata.hintProfile: "partner-portal" is not a configured hint profile (configured: tessera-invitations)',
        'TechnicalProfile "D" › metadata.id_token_lifetime_secs: is 60; must be between 300 and 86400',
      ]),
    );
  });

  it('refuses include cycles, unknown includes and a kind that contradicts the included profile', () => {
    const problems = problemsOf(
      folder({
        'B2C_1A_inc.yaml': `policyId: B2C_1A_inc
basePolicy: B2C_1A_TrustFrameworkBase
claimsProviders:
  - technicalProfiles:
      - { id: X, include: Y }
      - { id: Y, include: X }
      - { id: Z, include: Missing }
      - { id: W, include: JwtIssuer, kind: SelfAsserted }
`,
      }),
    );
    const lines = problems.map((p) => `${p.element}: ${p.problem}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^TechnicalProfile "[XY]" › include: include cycle: [XY] → [XY] → [XY]$/),
        'TechnicalProfile "Z" › include: "Missing" is not a technical profile of this policy or its bases',
        'TechnicalProfile "W" › kind: is SelfAsserted, but the profile it extends is JwtIssuer',
      ]),
    );
  });

  it('checks preconditions, step types and the relying party subject', () => {
    const problems = problemsOf(
      folder({
        'B2C_1A_rp.yaml': `policyId: B2C_1A_rp
basePolicy: B2C_1A_TrustFrameworkExtensions
userJourneys:
  - id: J
    orchestrationSteps:
      - order: 1
        type: ClaimsExchange
        preconditions:
          - { type: ClaimEquals, executeActionsIf: true, values: [email], action: SkipThisOrchestrationStep }
          - { type: ClaimsExist, executeActionsIf: false, values: [nope], action: SkipThisOrchestrationStep }
        claimsExchanges:
          - { id: Issue, technicalProfileReferenceId: JwtIssuer }
      - order: 2
        type: ClaimsExchange
        claimsExchanges:
          - { id: Show, technicalProfileReferenceId: SelfAsserted-LocalAccountSignin-Email }
relyingParty:
  defaultUserJourney: J
  technicalProfile:
    outputClaims: [email, { claimType: email, partnerClaimType: nonce }]
`,
      }),
    );
    const lines = problems.map((p) => `${p.element}: ${p.problem}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'UserJourney "J" › OrchestrationStep 1 › preconditions[0].values: ClaimEquals needs exactly two values: the claim type and the value to compare with',
        'UserJourney "J" › OrchestrationStep 1 › preconditions[1].values[0]: claim type "nope" is not declared in the claims schema',
        'UserJourney "J" › OrchestrationStep 1 › claimsExchanges[0].technicalProfileReferenceId: "JwtIssuer" is a JwtIssuer profile, which cannot run in a ClaimsExchange step',
        'UserJourney "J" › OrchestrationStep 2 › type: the last step must be SendClaims (it issues the token)',
        'RelyingParty › technicalProfile.outputClaims[1]: "nonce" is set by the token endpoint itself; a relying party cannot emit it',
        expect.stringMatching(/^RelyingParty › technicalProfile\.subjectNamingInfo: exactly one output claim must be emitted as "sub"/),
      ]),
    );
  });

  it('checks transformation signatures: slots, parameter values and claim data types', () => {
    const problems = problemsOf(
      folder({
        'B2C_1A_ct.yaml': `policyId: B2C_1A_ct
basePolicy: B2C_1A_TrustFrameworkBase
buildingBlocks:
  claimsTransformations:
    - id: T1
      transformationMethod: CompareClaimToValue
      inputClaims: [{ claimType: email, transformationClaimType: inputClaim }]
      inputParameters:
        - { id: compareTo, dataType: string, value: x }
        - { id: operator, dataType: string, value: LIKE }
      outputClaims: [{ claimType: displayName, transformationClaimType: outputClaim }]
`,
      }),
    );
    const lines = problems.map((p) => `${p.element}: ${p.problem}`);
    expect(lines).toEqual([
      `ClaimsTransformation "T1" › inputClaims[0].transformationClaimType: "inputClaim" is not one of CompareClaimToValue's inputClaims (inputClaim1)`,
      'ClaimsTransformation "T1" › inputClaims: CompareClaimToValue needs inputClaim1',
      'ClaimsTransformation "T1" › outputClaims[0].claimType: "displayName" is string; CompareClaimToValue takes boolean as outputClaim',
      'ClaimsTransformation "T1" › inputParameters[1].value: "LIKE" is not one of EQUAL, NOT EQUAL',
    ]);
  });

  it('checks applications: redirect URIs, duplicate ids, secrets from the environment and PKCE for public clients', () => {
    const dir = folder(
      {
        'applications.yaml': `applications:
  - clientId: a
    displayName: A
    redirectUris: ['http://app.example.com/cb', 'https://app.example.com/cb#frag', 'com.example.app:/cb']
  - clientId: a
    displayName: A again
    redirectUris: [https://a.example.com/cb]
    clientSecretEnv: A_SECRET
  - clientId: b
    displayName: B
    redirectUris: [https://b.example.com/cb]
    requirePkce: false
    responseTypes: [token]
`,
      },
      false,
    );
    const lines = problemsOf(dir).map((p) => `${p.element}: ${p.problem}`);
    expect(lines).toEqual([
      'Application "a" › redirectUris[0]: must use https (plain http only to a loopback address, RFC 8252 §7.3)',
      'Application "a" › redirectUris[1]: must not carry a fragment (RFC 6749 §3.1.2)',
      'Application "a" › clientId: clientId "a" is also used by applications[0]',
      'Application "a" › clientSecretEnv: environment variable A_SECRET is not set',
      'Application "b" › responseTypes[0]: "token" is not one of "code", "id_token", "code id_token"',
      'Application "b" › requirePkce: a public client (no secret) must use PKCE (RFC 9700 §2.1.1)',
    ]);
    const ok = folder({ 'applications.yaml': 'applications:\n  - { clientId: c, displayName: C, redirectUris: [https://c.example.com/cb], clientSecretEnv: C_SECRET, responseTypes: [id_token code] }\n' }, false);
    const loaded = loadPolicies(ok, options({ env: { C_SECRET: 'x'.repeat(40) } }));
    expect(loaded.applications.get('c')).toEqual({ clientId: 'c', displayName: 'C', redirectUris: ['https://c.example.com/cb'], clientSecret: 'x'.repeat(40), responseTypes: ['code id_token'], requirePkce: false });
  });

  it('refuses a folder that does not exist', () => {
    expect(problemsOf('/nonexistent/tessera-policies')).toEqual([
      expect.objectContaining({ element: 'policies folder', problem: 'does not exist or is not a folder (journeys.policiesDir)' }),
    ]);
  });
});
