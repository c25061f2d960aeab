import type { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { TesseraConfig } from '../config/config.schema';

export const OPENAPI_PATH = 'docs';

/**
 * OpenAPI at `/docs` (UI) and `/docs/json`. Routes marked with `@RequireScopes` carry the
 * `bearer` security scheme declared here (scopes.ts applies `@ApiBearerAuth()`).
 */
export function setupOpenApi(app: INestApplication, config: TesseraConfig): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tessera')
      .setDescription(
        'Token issuer and id_token_hint invitation service. Admin routes take an API key as ' +
          '`Authorization: Bearer tsk_…`; each names the scope it needs.',
      )
      .setVersion(packageVersion())
      .addServer(config.publicUrl)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an admin API key (tsk_…)' })
      .build(),
  );
  SwaggerModule.setup(OPENAPI_PATH, app, document, {
    jsonDocumentUrl: `${OPENAPI_PATH}/json`,
    customSiteTitle: 'Tessera API',
  });
}

/** The same relative path holds from `src/ops` and from `dist/ops`. */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
