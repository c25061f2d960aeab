import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { WELL_KNOWN_METHODS } from './well-known-document';
import { WellKnownDocumentsService } from './well-known-documents.service';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Answers GET/HEAD/OPTIONS of the discovery document and the JWKS ahead of Express and Nest,
 * from the prepared bytes: relying parties fetch these far more often than anything else, and
 * the per-request cost of the full pipeline would dominate. Every other request (and these,
 * should preparing a document fail) goes on to the application unchanged. The controllers
 * answer through the same `WellKnownDocument.respond`, so both paths give identical responses.
 * Returns a function that removes the fast path again.
 */
export function installWellKnownFastPath(app: INestApplication): () => void {
  const server = app.getHttpServer() as Server;
  const documents = app.get(WellKnownDocumentsService);
  const downstream = server.listeners('request') as RequestListener[];
  const next = (req: IncomingMessage, res: ServerResponse) => {
    for (const listener of downstream) listener.call(server, req, res);
  };

  const fastPath: RequestListener = (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const document = WELL_KNOWN_METHODS.has(req.method ?? '') ? documents.forPath(q === -1 ? url : url.slice(0, q)) : undefined;
    if (document === undefined) return next(req, res);
    if (!(document instanceof Promise)) return document.respond(req, res);
    document.then(
      (prepared) => prepared.respond(req, res),
      // Nothing has been written yet: let the application answer (and log) as it would.
      () => next(req, res),
    );
  };

  server.removeAllListeners('request');
  server.on('request', fastPath);
  return () => {
    server.removeListener('request', fastPath);
    for (const listener of downstream) server.on('request', listener);
  };
}
