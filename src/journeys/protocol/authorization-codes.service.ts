import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Clock } from '../../common/clock';
import { Random } from '../../common/random';
import type { AuthorizationRequest, PolicyDescriptor } from '../journeys.contracts';
import { AuthorizationCodeRepository, type AuthorizationCodeRow } from './authorization-code.repository';

/** 256 bits: RFC 6749 §10.10 asks that codes not be guessable; this is far past brute force. */
const CODE_BYTES = 32;
/** Expired codes are swept at most this often, by whichever instance issues a code. */
const PURGE_INTERVAL_MS = 60_000;

export interface IssueCodeInput {
  policy: PolicyDescriptor;
  request: AuthorizationRequest;
  subject: string;
  claims: Record<string, unknown>;
  authTime: number;
  correlationId: string;
}

/** An authorization code's binding, as read back at the token endpoint. */
export interface StoredCode {
  codeHash: string;
  policyId: string;
  clientId: string;
  redirectUri: string;
  scope: string[];
  nonce?: string;
  codeChallenge?: string;
  subject: string;
  claims: Record<string, unknown>;
  authTime: number;
  correlationId: string;
  expiresAt: number;
  consumedAt?: number;
}

export function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('base64url');
}

/**
 * Authorization codes (RFC 6749 §4.1.2): random, short-lived, single-use, bound to the client,
 * redirect URI, PKCE challenge, nonce and the journey's subject and claims. The database keeps
 * only their hash, so it can be shared by several instances and read by operators safely.
 */
@Injectable()
export class AuthorizationCodesService {
  private readonly logger = new Logger('AuthorizationCodes');
  private lastPurge = 0;

  constructor(
    private readonly repository: AuthorizationCodeRepository,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  async issue(input: IssueCodeInput): Promise<string> {
    const now = this.clock.now().getTime();
    const code = this.random.token(CODE_BYTES);
    const { request } = input;
    await this.repository.insert({
      code_hash: hashCode(code),
      policy_id: input.policy.id,
      client_id: request.clientId,
      redirect_uri: request.redirectUri,
      scope: request.scope.join(' '),
      nonce: request.nonce ?? null,
      code_challenge: request.codeChallenge ?? null,
      subject: input.subject,
      claims: JSON.stringify(input.claims),
      auth_time: input.authTime,
      correlation_id: input.correlationId,
      created_at: now,
      expires_at: now + input.policy.codeLifetimeSeconds * 1000,
      consumed_at: null,
    });
    await this.purgeNowAndThen(now);
    return code;
  }

  async find(code: string): Promise<StoredCode | undefined> {
    const row = await this.repository.find(hashCode(code));
    return row ? toStored(row) : undefined;
  }

  /** True for the one caller that uses the code; false when another did first or it expired meanwhile. */
  consume(stored: StoredCode): Promise<boolean> {
    return this.repository.consume(stored.codeHash, this.clock.now().getTime());
  }

  private async purgeNowAndThen(now: number): Promise<void> {
    if (now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    try {
      const purged = await this.repository.purgeExpired(now);
      if (purged > 0) this.logger.debug(`purged ${purged} expired authorization codes`);
    } catch (error) {
      // A failed sweep costs nothing but disk; the code just issued is valid either way.
      this.logger.warn(`purging expired authorization codes failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function toStored(row: AuthorizationCodeRow): StoredCode {
  return {
    codeHash: row.code_hash,
    policyId: row.policy_id,
    clientId: row.client_id,
    redirectUri: row.redirect_uri,
    scope: row.scope.split(' ').filter((s) => s !== ''),
    ...(row.nonce !== null ? { nonce: row.nonce } : {}),
    ...(row.code_challenge !== null ? { codeChallenge: row.code_challenge } : {}),
    subject: row.subject,
    claims: JSON.parse(row.claims) as Record<string, unknown>,
    authTime: Number(row.auth_time),
    correlationId: row.correlation_id,
    expiresAt: Number(row.expires_at),
    ...(row.consumed_at !== null ? { consumedAt: Number(row.consumed_at) } : {}),
  };
}
