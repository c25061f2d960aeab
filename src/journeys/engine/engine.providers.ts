import type { Provider, Type } from '@nestjs/common';

/** Providers and controllers of the journey engine (policies, steps, pages). */
export const ENGINE_PROVIDERS: Provider[] = [];
export const ENGINE_CONTROLLERS: Type[] = [];
