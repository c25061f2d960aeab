import { Injectable } from '@nestjs/common';
import { TesseraConfig } from '../config/config.schema';
import { KeyStoreService, type JsonWebKeySet } from '../keys/key-store.service';
import { buildOpenIdConfiguration, JWKS_ALIAS_PATH, JWKS_PATH, OPENID_CONFIGURATION_PATH } from './openid-configuration';
import { WellKnownDocument } from './well-known-document';

/**
 * The discovery document (fixed by configuration, prepared once) and the JWKS (prepared again
 * only when the key store hands out a different key set, i.e. after its cache TTL and only if
 * the set changed identity).
 */
@Injectable()
export class WellKnownDocumentsService {
  private readonly configuration: WellKnownDocument;
  private jwksSource?: JsonWebKeySet;
  private jwksDocument?: WellKnownDocument;

  constructor(
    private readonly config: TesseraConfig,
    private readonly keys: KeyStoreService,
  ) {
    this.configuration = new WellKnownDocument(buildOpenIdConfiguration(config), config.discovery.maxAgeSeconds);
  }

  openidConfiguration(): WellKnownDocument {
    return this.configuration;
  }

  async jwks(): Promise<WellKnownDocument> {
    const set = await this.keys.publishedJwks();
    if (set !== this.jwksSource || !this.jwksDocument) {
      const document = new WellKnownDocument({ keys: set.keys }, this.config.discovery.maxAgeSeconds);
      // Keep the previous bytes (and ETag) when a re-read found the same keys.
      if (!this.jwksDocument || !document.body.equals(this.jwksDocument.body)) this.jwksDocument = document;
      this.jwksSource = set;
    }
    return this.jwksDocument;
  }

  /** The document served at `path` (no query string), or undefined for any other path. */
  forPath(path: string): WellKnownDocument | Promise<WellKnownDocument> | undefined {
    switch (path) {
      case OPENID_CONFIGURATION_PATH:
        return this.configuration;
      case JWKS_PATH:
      case JWKS_ALIAS_PATH:
        return this.jwks();
      default:
        return undefined;
    }
  }
}
