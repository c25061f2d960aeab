import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Clock } from '../../common/clock';
import { Random } from '../../common/random';
import { PRIVATE_PAGE_HEADERS } from '../../common/page-headers';
import { TesseraConfig } from '../../config/config.schema';
import { JourneyCompletion, JourneyStarter, type AuthorizationRequest } from '../journeys.contracts';
import { negotiateLocale, PAGE_MESSAGES, type ErrorPageKind } from '../pages/page.messages';
import { PageRenderer } from '../pages/page-renderer.service';
import type { SelectionView } from '../pages/page.views';
import type { ResolverContext } from '../policy/claim-resolvers';
import { PolicyCatalogService } from '../policy/policy-catalog.service';
import { tokenClaimName } from '../policy/policy.checks';
import { localized, type ClaimsBag, type Locale, type OrchestrationStepDef, type RunnablePolicy, type TechnicalProfileDef } from '../policy/policy.model';
import { shouldSkip } from '../policy/preconditions';
import { outputClaimsFrom } from '../profiles/claim-mapping';
import { ProfileRunner } from '../profiles/profile-runner.service';
import { RestFailure } from '../profiles/rest.handler';
import { SelfAssertedHandler, type FormState } from '../profiles/self-asserted.handler';
import type { ProfileContext } from '../profiles/technical-profile.handler';
import { JourneyCookie, sessionKey } from './journey-cookie';
import { JourneySessionsRepository } from './journey-sessions.repository';
import { constantTimeEquals, PageSubmissions, type PageSubmission, type SubmissionKey } from './page-submissions';
import type { JourneySessionStatus } from './journey-sessions.tables';
import { JOURNEY_ERROR_CODES, JourneyStepError, UserFacingError } from './journey.errors';

/** A journey parked at a page, waiting for the browser. */
interface PendingPage {
  /** index of the step in the journey */
  step: number;
  /** the self-asserted form shown (absent on a page that only offers choices) */
  exchangeId?: string;
  /** changes with every page shown: a form from an older page is not applied to a newer one */
  nonce: string;
}

/** What is kept between requests (`journey_sessions.state`). */
export interface JourneyState {
  /** the validated authorization request; its `id_token_hint` only until a profile read it */
  request: AuthorizationRequest;
  claims: ClaimsBag;
  step: number;
  pending?: PendingPage;
  /** the claims exchange a button chose, for the next step that has several */
  selectedExchange?: string;
  locale: Locale;
  /** synchronizer token of the forms (OWASP CSRF cheat sheet) */
  csrf: string;
  authTime?: number;
}

interface Run {
  /** the request's id_token_hint, in memory until a profile takes it */
  hint?: string;
  id: string;
  version: number;
  correlationId: string;
  policy: RunnablePolicy;
  state: JourneyState;
  req: Request;
  res: Response;
}

/** Another request wrote the session first (double submit, second tab, another instance). */
class LostRace extends Error {}

const CANCELLED_DESCRIPTION = 'The user has cancelled entering self-asserted information.';
const SERVER_ERROR_DESCRIPTION = 'An unhandled exception has occurred on the server.';

/**
 * The orchestration engine. A journey's state lives in the database (`journey_sessions`), keyed
 * by the hash of an opaque cookie, so it survives restarts and any instance can continue it.
 * Steps run in order; preconditions skip them (B2C semantics); a step that needs the user parks
 * the journey at a page, and the page's form resumes it. Every write is conditional on the
 * version read, so of two submissions of one page only one proceeds. Each journey has a
 * correlation id, in every log line about it and on every page.
 */
@Injectable()
export class JourneyEngine extends JourneyStarter {
  private readonly logger = new Logger('Journeys');
  readonly cookie: JourneyCookie;
  private readonly submissions: PageSubmissions;
  private lastPurge = 0;

  constructor(
    private readonly catalog: PolicyCatalogService,
    private readonly sessions: JourneySessionsRepository,
    private readonly completion: JourneyCompletion,
    private readonly runner: ProfileRunner,
    private readonly selfAsserted: SelfAssertedHandler,
    private readonly pages: PageRenderer,
    private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {
    super();
    this.cookie = new JourneyCookie(config.publicUrl, config.journeys.cookieName, config.journeys.sessionLifetimeSeconds);
    this.submissions = new PageSubmissions();
  }

  async begin(request: AuthorizationRequest, res: Response): Promise<void> {
    const req = res.req;
    const correlationId = this.random.uuid();
    const policy = this.catalog.runnablePolicy(request.policyId);
    if (!policy) {
      return this.completion.fail({ res, request, correlationId, code: JOURNEY_ERROR_CODES.serverError, description: `The policy '${request.policyId}' is not loaded.`, error: 'server_error' });
    }
    const token = this.random.token(32);
    const now = this.clock.now().getTime();
    // The hint is a bearer credential: it stays in memory until a profile reads it, and it is
    // not kept among the parameters `{OAUTH-KV:…}` resolvers see.
    const { idTokenHint, ...stored } = request;
    const { id_token_hint: _hint, ...parameters } = request.parameters;
    const state: JourneyState = {
      request: { ...stored, parameters, policyId: policy.policyId },
      claims: {},
      step: 0,
      locale: negotiateLocale(request.uiLocales, req.headers['accept-language']),
      csrf: this.random.token(32),
    };
    const run: Run = { id: sessionKey(token), version: 0, correlationId, policy, state, req, res, ...(idTokenHint !== undefined ? { hint: idTokenHint } : {}) };
    await this.sessions.insert({
      id: run.id,
      policy_id: policy.policyId,
      correlation_id: correlationId,
      state: this.serialize(run, false),
      version: 0,
      status: 'active',
      created_at: now,
      updated_at: now,
      expires_at: now + this.config.journeys.sessionLifetimeSeconds * 1000,
    });
    this.cookie.set(res, token);
    this.logger.log({ correlationId, policy: policy.policyId, clientId: request.clientId }, 'journey started');
    this.purgeNowAndThen(now);
    await this.advance(run);
  }

  /** `GET /:policy/journey`: the page the journey is parked at (after a reload, or a lost race). */
  async show(policyParam: string, req: Request, res: Response): Promise<void> {
    const run = await this.load(policyParam, req, res);
    if (!run) return;
    if (!run.state.pending) return this.errorPage(res, 'sessionFinished', run.correlationId, run.state.locale, 409);
    this.renderPending(run, {}, 200);
  }

  /** `POST /:policy/journey`: a page's form. */
  async submit(policyParam: string, body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    // A repeat of a submission that has already answered (the session may have finished since).
    const token = this.cookie.read(req);
    const earlier = token && this.sameOrigin(req) ? this.submissions.find(sessionKey(token), submissionKey(body)) : undefined;
    if (earlier && earlier.policyId.toLowerCase() === String(policyParam).toLowerCase() && (await this.answeredAsEarlier(earlier, res))) return;
    const run = await this.load(policyParam, req, res);
    if (!run) return;
    const { state } = run;
    if (!this.sameOrigin(req) || !constantTimeEquals(body.csrf, state.csrf)) {
      this.logger.warn({ correlationId: run.correlationId, policy: run.policy.policyId }, 'journey form refused: CSRF token or origin did not match');
      return this.errorPage(res, 'forbidden', run.correlationId, state.locale, 403);
    }
    const pending = state.pending;
    if (!pending) return this.errorPage(res, 'sessionFinished', run.correlationId, state.locale, 409);
    if (body.step !== pending.nonce) {
      // A form from an earlier page (the back button): show where the journey is now.
      return this.redirectToPage(run);
    }
    // A repeat that arrived while the first is still running. No await between this check and
    // `begin`: of two submissions on this instance, exactly one runs the page's steps.
    const running = this.submissions.find(run.id, submissionKey(body));
    if (running) {
      if (await this.answeredAsEarlier(running, res)) return;
      // The first answered with a page; this one runs against the session as the first left it.
      return this.submit(policyParam, body, req, res);
    }
    const settle = this.submissions.begin(
      run.id,
      { ...submissionKey(body), step: pending.nonce, csrf: state.csrf },
      { policyId: run.policy.policyId, correlationId: run.correlationId },
    );
    // The body of the answer, for a repeat to get the page that ended the journey (form_post).
    let sent: string | undefined;
    const send = res.send.bind(res);
    res.send = ((value?: unknown) => {
      if (typeof value === 'string') sent = value;
      return send(value);
    }) as Response['send'];
    try {
      await this.runSubmission(run, pending, body);
    } finally {
      res.send = send;
      settle(res, { body: sent, ended: run.state.pending === undefined });
    }
  }

  /**
   * Answers a repeated submission with the redirect the first one answered with, once it has;
   * false when the first answered with a page instead (nothing is written then).
   */
  private async answeredAsEarlier(earlier: PageSubmission, res: Response): Promise<boolean> {
    const answer = await earlier.answer;
    if (!answer) return false;
    this.logger.log({ correlationId: earlier.correlationId, policy: earlier.policyId }, 'journey page submitted again: answered as the first submission');
    res.status(answer.status).set(answer.headers);
    if (answer.body !== undefined) res.send(answer.body);
    else res.redirect(answer.status, answer.headers.location as string);
    return true;
  }

  private async runSubmission(run: Run, pending: PendingPage, body: Record<string, unknown>): Promise<void> {
    const { state } = run;
    try {
      const step = run.policy.journey.steps[pending.step];
      const form = pending.exchangeId ? this.exchangeProfile(run.policy, step, pending.exchangeId) : undefined;
      // A button the page does not show is not pressed: a crafted post gets the page again.
      const shows = (setting: string) => form?.metadata[setting] !== false;
      if (body.action === 'cancel') {
        if (!shows('setting.showCancelButton')) return this.renderPending(run, {}, 400);
        await this.save(run, 'failed');
        this.logger.log({ correlationId: run.correlationId, policy: run.policy.policyId }, 'journey cancelled by the user');
        return await this.completion.fail({ res: run.res, request: state.request, correlationId: run.correlationId, code: JOURNEY_ERROR_CODES.cancelled, description: CANCELLED_DESCRIPTION });
      }
      if (typeof body.selection === 'string' && body.selection !== '') {
        if (!this.selections(run, step).some((s) => s.exchangeId === body.selection)) return this.renderPending(run, {}, 400);
        state.selectedExchange = body.selection;
        state.pending = undefined;
        state.step = pending.step + 1;
        return await this.advance(run);
      }
      if (!form || !shows('setting.showContinueButton')) return this.renderPending(run, {}, 400);
      const outcome = await this.selfAsserted.submit(form, state.claims, body, this.context(run));
      if (!outcome.ok) return this.renderPending(run, outcome, 400);
      Object.assign(state.claims, outcome.claims);
      state.pending = undefined;
      state.selectedExchange = undefined;
      state.step = pending.step + 1;
      await this.advance(run);
    } catch (e) {
      await this.failed(run, e);
    }
  }

  /** Runs steps until one needs the browser or the journey ends. */
  private async advance(run: Run): Promise<void> {
    const { policy, state } = run;
    try {
      for (;;) {
        const step = policy.journey.steps[state.step];
        if (!step) throw new Error(`journey ${policy.journey.id} ran past its last step`);
        if (shouldSkip(step.preconditions, state.claims)) {
          state.step++;
          continue;
        }
        const ctx = this.context(run);
        switch (step.type) {
          case 'GetClaims': {
            const tp = policy.technicalProfiles.get(step.cpimIssuerTechnicalProfileReferenceId!)!;
            // The relying party's input claims are read from the same hint (B2C: RelyingParty/InputClaims).
            Object.assign(state.claims, await this.runner.run(tp, state.claims, ctx, tp.kind === 'IdTokenHint' ? policy.relyingParty.inputClaims : []));
            state.step++;
            continue;
          }
          case 'ClaimsExchange': {
            const exchangeId = step.claimsExchanges.length === 1 ? step.claimsExchanges[0].id : state.selectedExchange;
            if (!exchangeId || !step.claimsExchanges.some((c) => c.id === exchangeId)) {
              throw new Error(`step ${step.order} of ${policy.journey.id} has several claims exchanges and none was chosen`);
            }
            const tp = this.exchangeProfile(policy, step, exchangeId);
            if (tp.kind === 'SelfAsserted') {
              Object.assign(state.claims, this.selfAsserted.prepare(tp, state.claims, ctx));
              return await this.park(run, { step: state.step, exchangeId });
            }
            Object.assign(state.claims, await this.runner.run(tp, state.claims, ctx));
            state.selectedExchange = undefined;
            state.step++;
            continue;
          }
          case 'CombinedSignInAndSignUp':
          case 'ClaimsProviderSelection': {
            const formExchange = step.claimsProviderSelections.find((s) => s.validationClaimsExchangeId)?.validationClaimsExchangeId;
            if (formExchange) {
              const tp = this.exchangeProfile(policy, step, formExchange);
              Object.assign(state.claims, this.selfAsserted.prepare(tp, state.claims, ctx));
            }
            return await this.park(run, { step: state.step, ...(formExchange ? { exchangeId: formExchange } : {}) });
          }
          case 'SendClaims':
            return await this.finish(run);
        }
      }
    } catch (e) {
      await this.failed(run, e);
    }
  }

  private async park(run: Run, page: Omit<PendingPage, 'nonce'>): Promise<void> {
    // OpenID Connect Core §3.1.2.6: with prompt=none no page may be shown. There are no
    // single sign-on sessions, so a journey that needs the user ends here.
    if (run.state.request.prompt?.split(' ').includes('none')) {
      throw new JourneyStepError(JOURNEY_ERROR_CODES.loginRequired, "User does not have an existing session and request prompt parameter has a value of 'None'.", 'login_required');
    }
    run.state.pending = { ...page, nonce: this.random.token(12) };
    await this.save(run, 'active');
    this.renderPending(run, {}, 200);
  }

  /** SendClaims: the relying party's output claims become the token's, its subject claim `sub`. */
  private async finish(run: Run): Promise<void> {
    const { policy, state } = run;
    const rp = policy.relyingParty;
    const values = outputClaimsFrom('RelyingParty', rp.outputClaims.map(({ partnerClaimType: _p, ...ref }) => ref), state.claims, policy.claimsSchema, this.context(run).resolver);
    const claims: Record<string, unknown> = {};
    for (const ref of rp.outputClaims) {
      if (values[ref.claimType] !== undefined) claims[tokenClaimName(ref, policy)] = values[ref.claimType];
    }
    const subject = claims[rp.subjectClaimType];
    delete claims[rp.subjectClaimType];
    if (typeof subject !== 'string' || subject === '') {
      const source = rp.outputClaims.find((c) => tokenClaimName(c, policy) === rp.subjectClaimType)?.claimType;
      throw new JourneyStepError(JOURNEY_ERROR_CODES.serverError, `The journey ended without a value for '${source}', which becomes the subject of the token.`, 'server_error');
    }
    state.pending = undefined;
    await this.save(run, 'completed');
    this.logger.log({ correlationId: run.correlationId, policy: policy.policyId, clientId: state.request.clientId }, 'journey completed');
    await this.completion.complete({
      res: run.res,
      request: state.request,
      correlationId: run.correlationId,
      subject,
      claims,
      authTime: state.authTime ?? this.clock.nowSeconds(),
    });
  }

  /** Ends the journey with an error for the application, or shows the page again after a lost race. */
  private async failed(run: Run, e: unknown): Promise<void> {
    if (e instanceof LostRace) return this.redirectToPage(run);
    let error: JourneyStepError;
    if (e instanceof JourneyStepError) error = e;
    else if (e instanceof RestFailure) error = e.toStepError();
    else if (e instanceof UserFacingError) error = new JourneyStepError(JOURNEY_ERROR_CODES.claimsExchange, e.userMessage.en);
    else {
      this.logger.error(
        { correlationId: run.correlationId, policy: run.policy.policyId, step: run.state.step, err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) },
        'journey step failed unexpectedly',
      );
      error = new JourneyStepError(JOURNEY_ERROR_CODES.serverError, SERVER_ERROR_DESCRIPTION, 'server_error');
    }
    if (run.res.headersSent) return;
    try {
      await this.save(run, 'failed');
    } catch (saveError) {
      // The application still gets its answer; a session left active simply expires.
      if (!(saveError instanceof LostRace)) this.logger.error({ correlationId: run.correlationId, err: String(saveError) }, 'could not record the failed journey');
    }
    this.logger.warn({ correlationId: run.correlationId, policy: run.policy.policyId, code: error.code }, `journey failed: ${error.code}`);
    await this.completion.fail({ res: run.res, request: run.state.request, correlationId: run.correlationId, code: error.code, description: error.description, error: error.error });
  }

  private renderPending(run: Run, form: FormState, status: number): void {
    const { policy, state } = run;
    const pending = state.pending!;
    const step = policy.journey.steps[pending.step];
    const ctx = this.context(run);
    const messages = PAGE_MESSAGES[state.locale];
    const model = pending.exchangeId
      ? this.selfAsserted.form(this.exchangeProfile(policy, step, pending.exchangeId), state.claims, ctx, form)
      : { title: messages.selectionTitle, fields: [], errors: form.pageErrors ?? [], cancelLabel: messages.cancel };
    const html = this.pages.selfAsserted({
      ...model,
      locale: state.locale,
      selections: this.selections(run, step),
      action: `${this.config.publicUrl}/${encodeURIComponent(policy.policyId)}/journey`,
      csrf: state.csrf,
      step: pending.nonce,
      correlationId: run.correlationId,
    });
    this.secureHeaders(run.res, state.request.redirectUri);
    run.res.status(status).type('html').send(html);
  }

  /** Buttons of a sign-in or provider-choice page: the later exchanges the user may pick. */
  private selections(run: Run, step: OrchestrationStepDef): SelectionView[] {
    if (step.type !== 'CombinedSignInAndSignUp' && step.type !== 'ClaimsProviderSelection') return [];
    const { policy, state } = run;
    const formExchange = step.claimsProviderSelections.find((s) => s.validationClaimsExchangeId)?.validationClaimsExchangeId;
    const formProfile = formExchange ? this.exchangeProfile(policy, step, formExchange) : undefined;
    const out: SelectionView[] = [];
    for (const sel of step.claimsProviderSelections) {
      if (!sel.targetClaimsExchangeId) continue;
      const target = policy.journey.steps.flatMap((s) => s.claimsExchanges).find((c) => c.id === sel.targetClaimsExchangeId);
      const tp = target && policy.technicalProfiles.get(target.technicalProfileReferenceId);
      if (!tp) continue;
      // B2C's setting.showSignupLink hides the local sign-up choice, not identity providers.
      if (tp.kind === 'SelfAsserted' && formProfile?.metadata['setting.showSignupLink'] === false) continue;
      const signupLabel = formProfile?.metadata['language.button_signup'];
      const label =
        tp.kind === 'SelfAsserted'
          ? (typeof signupLabel === 'object' ? localized(signupLabel, state.locale) : undefined) ?? PAGE_MESSAGES[state.locale].signup
          : localized(tp.displayName, state.locale) ?? tp.id;
      out.push({ exchangeId: sel.targetClaimsExchangeId, label });
    }
    return out;
  }

  private exchangeProfile(policy: RunnablePolicy, step: OrchestrationStepDef, exchangeId: string): TechnicalProfileDef {
    const exchange = step.claimsExchanges.find((c) => c.id === exchangeId);
    const tp = exchange && policy.technicalProfiles.get(exchange.technicalProfileReferenceId);
    if (!tp) throw new Error(`claims exchange ${exchangeId} of step ${step.order} has no technical profile`);
    return tp;
  }

  private context(run: Run): ProfileContext {
    const { state, policy } = run;
    const request = state.request;
    const resolver: ResolverContext = {
      clientId: request.clientId,
      policyId: policy.policyId,
      correlationId: run.correlationId,
      now: this.clock.now(),
      locale: state.locale,
      parameters: request.parameters,
      ...(request.loginHint !== undefined ? { loginHint: request.loginHint } : {}),
      ...(request.domainHint !== undefined ? { domainHint: request.domainHint } : {}),
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
      ...(request.prompt !== undefined ? { prompt: request.prompt } : {}),
      scope: request.scope,
      redirectUri: request.redirectUri,
      ...(this.config.journeys.tenantId ? { tenantId: this.config.journeys.tenantId } : {}),
    };
    return {
      policy,
      request,
      correlationId: run.correlationId,
      locale: state.locale,
      resolver,
      ...(run.req.ip ? { clientIp: run.req.ip } : {}),
      takeHint: () => {
        const hint = run.hint ?? state.request.idTokenHint;
        delete run.hint;
        delete state.request.idTokenHint;
        return hint;
      },
      authenticated: () => {
        state.authTime = this.clock.nowSeconds();
      },
    };
  }

  /** The session behind the request's cookie, or an error page (then undefined). */
  private async load(policyParam: string, req: Request, res: Response): Promise<Run | undefined> {
    const locale = negotiateLocale(undefined, req.headers['accept-language']);
    const token = this.cookie.read(req);
    const row = token ? await this.sessions.find(sessionKey(token), this.clock.now().getTime()) : undefined;
    if (!row) {
      this.errorPage(res, 'sessionMissing', this.random.uuid(), locale, 400);
      return undefined;
    }
    const state = JSON.parse(row.state) as JourneyState;
    if (row.status !== 'active') {
      this.errorPage(res, 'sessionFinished', row.correlation_id, state.locale, 409);
      return undefined;
    }
    const policy = this.catalog.runnablePolicy(row.policy_id);
    if (!policy || row.policy_id.toLowerCase() !== String(policyParam).toLowerCase()) {
      this.errorPage(res, 'wrongPolicy', row.correlation_id, state.locale, 400);
      return undefined;
    }
    return { id: row.id, version: row.version, correlationId: row.correlation_id, policy, state, req, res };
  }

  private async save(run: Run, status: JourneySessionStatus): Promise<void> {
    const ok = await this.sessions.update(run.id, run.version, { state: this.serialize(run), status }, this.clock.now().getTime());
    if (!ok) throw new LostRace();
    run.version++;
  }

  /**
   * The state to store: claims the user typed as passwords are never written down, and the
   * id_token_hint only while a later step still has to read it (a page came first).
   */
  private serialize(run: Run, withHint = true): string {
    const claims: ClaimsBag = {};
    for (const [name, value] of Object.entries(run.state.claims)) {
      if (run.policy.claimsSchema.get(name)?.userInputType === 'Password') continue;
      claims[name] = value;
    }
    const request = withHint && run.hint !== undefined ? { ...run.state.request, idTokenHint: run.hint } : run.state.request;
    return JSON.stringify({ ...run.state, request, claims });
  }

  private redirectToPage(run: Run): void {
    this.secureHeaders(run.res, run.state.request.redirectUri);
    run.res.redirect(303, `${this.config.publicUrl}/${encodeURIComponent(run.policy.policyId)}/journey`);
  }

  errorPage(res: Response, kind: ErrorPageKind, correlationId: string, locale: Locale, status: number): void {
    const text = PAGE_MESSAGES[locale].errors[kind];
    this.secureHeaders(res);
    res.status(status).type('html').send(this.pages.error({ locale, title: text.title, message: text.message, hint: text.hint, correlationId }));
  }

  /**
   * No caching, no framing, no referrer; the stylesheet from this origin only. `form-action`
   * covers the redirect back to the application that follows a form post (CSP3 applies it to
   * redirects), hence the redirect URI's origin (or scheme, for an app's private-use scheme).
   */
  private secureHeaders(res: Response, redirectUri?: string): void {
    const self = new URL(this.config.publicUrl).origin;
    let target = '';
    if (redirectUri) {
      try {
        const url = new URL(redirectUri);
        target = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
      } catch {
        target = '';
      }
    }
    for (const [name, value] of Object.entries(PRIVATE_PAGE_HEADERS)) res.setHeader(name, value);
    res.setHeader('Content-Security-Policy', `default-src 'none'; style-src 'self'; form-action 'self' ${self}${target ? ` ${target}` : ''}; frame-ancestors 'none'; base-uri 'none'`);
  }

  /**
   * Fetch Metadata and `Origin`, when the browser sends them, must say the form came from this
   * site (OWASP CSRF cheat sheet, "Verifying origin with standard headers").
   */
  private sameOrigin(req: Request): boolean {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    const origin = req.headers.origin;
    // Fetch §3.1: under `Referrer-Policy: no-referrer` (which these pages send) a browser's form
    // POST carries `Origin: null`; Sec-Fetch-Site then has to vouch for it.
    if (origin === 'null') return site === 'same-origin';
    return origin === undefined || origin === new URL(this.config.publicUrl).origin;
  }

  /** Expired sessions are deleted in passing, at most once a minute per instance. */
  private purgeNowAndThen(now: number): void {
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    this.sessions.purgeExpired(now).catch((e: unknown) => this.logger.warn({ err: String(e) }, 'could not purge expired journey sessions'));
  }
}

/** Which submission a form post is: its page, CSRF token and button. */
function submissionKey(body: Record<string, unknown>): SubmissionKey {
  return { step: body.step, csrf: body.csrf, action: body.action, selection: body.selection };
}
