import { Logger, type ArgumentsHost } from '@nestjs/common';
import { HttpExceptionFilter } from './http-exception.filter';

/** A response that records what the filter wrote; the HTTP layer is not what these specs are about. */
function recordingHost(path: string) {
  const written: { status?: number; body?: unknown; headers: Record<string, string> } = { headers: {} };
  const res = {
    headersSent: false,
    setHeader: (name: string, value: string) => void (written.headers[name] = value),
    status(code: number) {
      written.status = code;
      return this;
    },
    json: (body: unknown) => void (written.body = body),
  };
  const host = { switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ path }) }) } as unknown as ArgumentsHost;
  return { host, written };
}

describe('HttpExceptionFilter', () => {
  let logged: unknown[][];
  beforeEach(() => {
    logged = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs an unexpected error without the landing code of the path, and answers a bare 500', () => {
    const sut = new HttpExceptionFilter();
    const code = 'q3Vx9cQm2yJb7hX0kR4pL1nT8sW6zA5dE3fG2hJ9kL0';
    const { host, written } = recordingHost(`/invite/${code}/accept`);

    sut.catch(new Error('database is locked'), host);

    expect(written.status).toBe(500);
    expect(JSON.stringify(written.body)).not.toContain('database is locked');
    expect(logged).toHaveLength(1);
    const line = JSON.stringify(logged[0]);
    expect(line).toContain('database is locked');
    expect(line).not.toContain(code);
    expect(line).toContain('/invite/[redacted]/accept');
  });
});
