import type { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { Request, Response } from 'express';

/** A minimal Express-shaped response that records headers, for guard specs. */
export interface RecordingResponse {
  headers: Record<string, string | number>;
  setHeader(name: string, value: string | number): void;
}

export function recordingResponse(): RecordingResponse {
  const headers: Record<string, string | number> = {};
  return { headers, setHeader: (name, value) => void (headers[name] = value) };
}

/** The HTTP execution context Nest hands a guard for `controller.prototype[method]`. */
export function httpContext(controller: new () => object, method: string, req: Partial<Request>, res: RecordingResponse = recordingResponse()): ExecutionContext {
  const handler = (controller.prototype as Record<string, (...args: unknown[]) => unknown>)[method];
  const context = new ExecutionContextHost([req as Request, res as unknown as Response, () => undefined], controller, handler);
  context.setType('http');
  return context;
}
