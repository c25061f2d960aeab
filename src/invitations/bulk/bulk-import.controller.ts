import { Controller, Get, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiHeader, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import { RequireScopes, type Principal } from '../../auth/scopes';
import { UnsupportedMediaTypeError } from '../../common/errors';
import { ImportTooLargeError } from './bulk-import.errors';
import { BulkImportService, type BulkImportResult } from './bulk-import.service';
import type { ImportFormat } from './import-rows';
import { BULK_IMPORT_PATH } from './streamed-body';

export class BulkImportQuery {
  @ApiPropertyOptional({ description: 'relying party of rows that name none' })
  @IsOptional() @IsString() @MaxLength(64)
  relyingParty?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'check every row, write and send nothing' })
  @IsOptional() @IsIn(['true', 'false'])
  dryRun?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'true', description: 'queue each invitation email' })
  @IsOptional() @IsIn(['true', 'false'])
  send?: 'true' | 'false';
}

/**
 * `POST /api/invitations/bulk`: CSV or a JSON array, streamed (the global JSON parser leaves
 * this route alone, see `streamed-body.ts`). The answer is streamed too, from stored results.
 */
@ApiTags('invitations')
@Controller(BULK_IMPORT_PATH.slice(1))
export class BulkImportController {
  private readonly logger = new Logger('BulkImport');

  constructor(private readonly bulk: BulkImportService) {}

  @Post()
  @RequireScopes('invitations:write')
  @ApiOperation({ summary: 'Import invitations from CSV or a JSON array; per-row results (created, duplicate, invalid)' })
  @ApiConsumes('text/csv', 'application/json')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'a retry with the same key returns the first result instead of importing again' })
  async import(
    @Req() req: Request,
    @Res() res: Response,
    @Query() query: BulkImportQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    try {
      const format = formatOf(req);
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > this.bulk.config.maxBodyBytes) {
        throw new ImportTooLargeError(`the import body is larger than bulk.maxBodyBytes (${this.bulk.config.maxBodyBytes} bytes); split the file`);
      }
      const key = req.headers['idempotency-key'];
      const result = await this.bulk.run({
        body: req,
        format,
        relyingParty: query.relyingParty,
        send: query.send !== 'false',
        dryRun: query.dryRun === 'true',
        actor: principal.keyId,
        idempotencyKey: Array.isArray(key) ? key.join(', ') : key,
      });
      await this.send(res, result);
    } catch (e) {
      // Refused before the body was read to its end: the rest is not wanted, and the connection
      // cannot carry another request until it is gone, so it closes after this answer.
      if (!req.readableEnded && !res.headersSent) {
        res.setHeader('Connection', 'close');
        req.resume();
      }
      throw e;
    }
  }

  @Get(':id')
  @RequireScopes('invitations:read')
  @ApiOperation({ summary: 'The stored result of a bulk import (kept for bulk.retentionSeconds)' })
  async result(@Param('id') id: string, @Res() res: Response): Promise<void> {
    await this.send(res, await this.bulk.find(id));
  }

  private async send(res: Response, result: BulkImportResult): Promise<void> {
    try {
      res.status(200);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      if (result.id) res.setHeader('Location', `${BULK_IMPORT_PATH}/${result.id}`);
      // Stripe's name for it; the IETF draft leaves the marker to the API.
      if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
      await pipeline(Readable.from(renderResult(result)), res);
    } catch (e) {
      if (!res.headersSent) throw e;
      // The status line is gone: all that is left is to cut the body short, which the client sees.
      this.logger.error(`bulk import result could not be sent: ${(e as Error).message}`);
      res.destroy();
    } finally {
      await result.dispose();
    }
  }
}

/** `{id?, dryRun, summary, results: […]}`, written ~64 KiB at a time. */
export async function* renderResult(result: BulkImportResult): AsyncGenerator<string> {
  const head = JSON.stringify({ ...(result.id ? { id: result.id } : {}), dryRun: result.dryRun, summary: result.summary });
  let out = `${head.slice(0, -1)},"results":[`;
  let first = true;
  for await (const row of result.results()) {
    out += (first ? '' : ',') + JSON.stringify(row);
    first = false;
    if (out.length >= 64 * 1024) {
      yield out;
      out = '';
    }
  }
  yield `${out}]}`;
}

function formatOf(req: Request): ImportFormat {
  const header = req.headers['content-type'] ?? '';
  const [type, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(`the import must be UTF-8, not ${charset}`);
  }
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  if (type === 'application/json') return 'json';
  throw new UnsupportedMediaTypeError(
    `Content-Type ${type ? `"${type}"` : '(none)'} is not an import format: send text/csv (header row first) or application/json (an array of rows)`,
  );
}
