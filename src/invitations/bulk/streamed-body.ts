import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The route whose body is read as a stream by its controller (bulk import), never buffered. */
export const BULK_IMPORT_PATH = '/api/invitations/bulk';

/**
 * Wraps a global body parser so that it leaves the bulk import's body alone: `express.json()`
 * would buffer a whole JSON import (and refuse it past `bodyLimit`) before the controller could
 * stream it under `bulk.maxBodyBytes`.
 */
export function exceptStreamedBodies(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'POST' && req.path.replace(/\/+$/, '') === BULK_IMPORT_PATH) {
      next();
      return;
    }
    parser(req, res, next);
  };
}
