import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InvalidRequestError, NotFoundError, TesseraError } from '../common/errors';
import { TesseraConfig } from '../config/config.schema';
import { KeyStoreService } from '../keys/key-store.service';
import { toRelyingParty, type RelyingParty } from './relying-party';

/**
 * A relying party that cannot sign right now (its HS256 secret is not in the key store). The
 * request was fine; the deployment is not, so it is a conflict with the server's state.
 */
export class RelyingPartyUnavailableError extends TesseraError {
  constructor(description: string) {
    super('relying_party_unavailable', 409, description);
  }
}

/** The configured relying parties (read-only: they change with the configuration file). */
@Injectable()
export class RelyingPartiesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('RelyingParties');
  private readonly byId: ReadonlyMap<string, RelyingParty>;

  constructor(
    config: TesseraConfig,
    private readonly keys: KeyStoreService,
  ) {
    this.byId = new Map(config.relyingParties.map((c) => [c.id, toRelyingParty(c)]));
  }

  list(): RelyingParty[] {
    return [...this.byId.values()];
  }

  find(id: string): RelyingParty | undefined {
    return this.byId.get(id);
  }

  /** The relying party `id`, or a 400 naming `field` and the ids that exist. */
  get(id: string, field = 'relyingParty'): RelyingParty {
    const rp = this.byId.get(id);
    if (rp) return rp;
    const known = [...this.byId.keys()];
    throw InvalidRequestError.field(
      field,
      `unknown relying party "${id}"` + (known.length ? ` (configured: ${known.join(', ')})` : ' (none is configured: add one under relyingParties)'),
    );
  }

  /** Throws unless hints for `rp` can be signed now. */
  async assertCanSign(rp: RelyingParty): Promise<void> {
    if (rp.signing.alg !== 'HS256') return;
    if (!(await this.hasSecret(rp.signing.secret))) {
      throw new RelyingPartyUnavailableError(
        `relying party "${rp.id}" signs with the HS256 secret "${rp.signing.secret}", which the key store does not hold; ` +
          'create it with the keys command line before inviting to this relying party',
      );
    }
  }

  /**
   * A missing HS256 secret is a warning at start, not a refusal: the command line that creates
   * the secret boots the same modules, and must be able to run to fix it. Invitations to that
   * relying party are refused until it exists (`assertCanSign`).
   */
  async onApplicationBootstrap(): Promise<void> {
    for (const rp of this.byId.values()) {
      if (rp.signing.alg !== 'HS256') continue;
      try {
        if (await this.hasSecret(rp.signing.secret)) continue;
        this.logger.warn(
          `relying party "${rp.id}" signs with HS256 secret "${rp.signing.secret}", which the key store does not hold: ` +
            'its invitations are refused until the secret is created',
        );
      } catch (e) {
        this.logger.warn(`relying party "${rp.id}": its HS256 secret "${rp.signing.secret}" cannot be read: ${(e as Error).message}`);
      }
    }
  }

  private async hasSecret(name: string): Promise<boolean> {
    try {
      await this.keys.getHmacSecret(name);
      return true;
    } catch (e) {
      if (e instanceof NotFoundError) return false;
      throw e;
    }
  }
}
