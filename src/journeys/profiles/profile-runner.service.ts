import { Inject, Injectable } from '@nestjs/common';
import { Random } from '../../common/random';
import { UserFacingError } from '../engine/journey.errors';
import type { ClaimRef, ClaimsBag, Policy, TechnicalProfileDef } from '../policy/policy.model';
import { inputClaimsFor, outputClaimsFrom } from './claim-mapping';
import { runTransformation, TransformationAssertionError, type TransformationRandom } from './claims-transformations';
import { CLAIMS_EXCHANGE_HANDLERS, type ClaimsExchangeHandler, type ProfileContext } from './technical-profile.handler';

/**
 * Runs a technical profile the B2C way (Microsoft Learn, "Technical profile flow"): input claims
 * transformations, input claims, the profile's own exchange, output claims, output claims
 * transformations. Returns every claim produced along the way; the caller puts them in the bag.
 */
@Injectable()
export class ProfileRunner {
  private readonly handlers = new Map<string, ClaimsExchangeHandler>();
  readonly transformationRandom: TransformationRandom;

  constructor(@Inject(CLAIMS_EXCHANGE_HANDLERS) handlers: ClaimsExchangeHandler[], random: Random) {
    for (const handler of handlers) this.handlers.set(handler.kind, handler);
    this.transformationRandom = { uuid: () => random.uuid(), integer: (max) => uniformInteger(random, max) };
  }

  /** `alsoMap`: further output claims read from the same answer (the relying party's input claims, for a hint). */
  async run(tp: TechnicalProfileDef, bag: Readonly<ClaimsBag>, ctx: ProfileContext, alsoMap: readonly ClaimRef[] = []): Promise<ClaimsBag> {
    const { policy, resolver } = ctx;
    const working: ClaimsBag = { ...bag };
    const produced: ClaimsBag = {};
    const take = (claims: ClaimsBag) => {
      Object.assign(working, claims);
      Object.assign(produced, claims);
    };
    take(this.transform(tp, tp.inputClaimsTransformations, working, policy));
    if (tp.kind === 'ClaimsTransformation') {
      // B2C's claims transformation profile: its output claims are what the transformations made.
      take(this.transform(tp, tp.outputClaimsTransformations, working, policy));
      take(outputClaimsFrom(tp.id, tp.outputClaims.map(withoutPartner), working, policy.claimsSchema, resolver));
      return produced;
    }
    const handler = this.handlers.get(tp.kind);
    if (!handler) throw new Error(`no claims exchange handler for ${tp.kind} profiles (technical profile ${tp.id})`);
    const inputs = inputClaimsFor(tp.id, tp.inputClaims, working, policy.claimsSchema, resolver);
    const persisted = inputClaimsFor(tp.id, tp.persistedClaims, working, policy.claimsSchema, resolver);
    const answer = await handler.invoke(tp, { inputs, persisted }, ctx);
    take(outputClaimsFrom(tp.id, tp.outputClaims, answer, policy.claimsSchema, resolver));
    if (alsoMap.length) take(outputClaimsFrom(tp.id, alsoMap, answer, policy.claimsSchema, resolver));
    take(this.transform(tp, tp.outputClaimsTransformations, working, policy));
    return produced;
  }

  /**
   * Runs transformations in order, each seeing what the previous made. A failed assertion shows
   * the profile's message for it (B2C's `UserMessageIfClaimsTransformation…` items).
   */
  transform(tp: TechnicalProfileDef, ids: readonly string[], bag: Readonly<ClaimsBag>, policy: Pick<Policy, 'claimsTransformations'>): ClaimsBag {
    const produced: ClaimsBag = {};
    const working: ClaimsBag = { ...bag };
    for (const id of ids) {
      const def = policy.claimsTransformations.get(id);
      if (!def) throw new Error(`claims transformation ${id} is not in the policy`);
      try {
        const out = runTransformation(def, working, this.transformationRandom);
        Object.assign(working, out);
        Object.assign(produced, out);
      } catch (e) {
        if (!(e instanceof TransformationAssertionError)) throw e;
        const message = tp.metadata[e.metadataKey];
        throw new UserFacingError(typeof message === 'object' ? message : { en: e.defaultMessage }, `claims transformation ${e.transformationId} asserted false`);
      }
    }
    return produced;
  }
}

function withoutPartner(ref: ClaimRef): ClaimRef {
  const { partnerClaimType: _p, ...rest } = ref;
  return rest;
}

/** A uniform integer in [0, max] from the random edge (rejection sampling: no modulo bias). */
function uniformInteger(random: Random, max: number): number {
  const range = Math.floor(max) + 1;
  if (range <= 1) return 0;
  const limit = Math.floor(2 ** 48 / range) * range;
  for (;;) {
    const n = random.bytes(6).readUIntBE(0, 6);
    if (n < limit) return n % range;
  }
}
