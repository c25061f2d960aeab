import type { Provider, Type } from '@nestjs/common';

/** Providers and controllers of the OpenID Connect surface (authorize, token, discovery). */
export const PROTOCOL_PROVIDERS: Provider[] = [];
export const PROTOCOL_CONTROLLERS: Type[] = [];
