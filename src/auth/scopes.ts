import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';

/**
 * Admin API scopes. A key carries a set of them; `*` is every scope. Each admin route names the
 * scopes it needs with `@RequireScopes`; routes anyone may call say `@Public()`. A route that
 * says neither is refused to every key but a `*` key (fail closed), so a new route cannot slip
 * through unprotected.
 */
export const SCOPES = [
  'keys:read',
  'keys:admin',
  'api-keys:admin',
  'invitations:read',
  'invitations:write',
  'invitations:redeem',
  'relying-parties:read',
  'hints:validate',
  'self-check',
] as const;

export type Scope = (typeof SCOPES)[number];
export const ALL_SCOPES = '*';

export const SCOPES_METADATA = 'tessera:scopes';
export const PUBLIC_METADATA = 'tessera:public';

/** The caller needs every one of these scopes. */
export function RequireScopes(...scopes: Scope[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(SCOPES_METADATA, scopes),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'no or unknown API key' }),
    ApiForbiddenResponse({ description: `the key lacks a scope: ${scopes.join(', ')}` }),
  );
}

/** Anonymous route (discovery, JWKS, health, landing pages). */
export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(PUBLIC_METADATA, true);
}

/** Who made an authenticated admin request; set on `req.principal` by the guard. */
export interface Principal {
  /** API key id, or `env` for TESSERA_ADMIN_API_KEY */
  keyId: string;
  name: string;
  scopes: string[];
}
