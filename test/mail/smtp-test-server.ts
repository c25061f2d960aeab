import { simpleParser, type ParsedMail } from 'mailparser';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpTestServerOptions {
  /** Listen on this port (e.g. one a transport was configured with while nothing listened). */
  port?: number;
  /** Refuse a recipient with this reply, e.g. `{ code: 550, message: '5.1.1 no such user' }`. */
  rejectRecipient?: (address: string) => { code: number; message: string } | undefined;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1, in this process, that keeps every message it
 * accepts, parsed by mailparser. No TLS and no authentication: this is a loopback peer.
 */
export class SmtpTestServer {
  readonly received: ReceivedMail[] = [];
  private readonly events = new EventEmitter();

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  static async start(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
    let self: SmtpTestServer | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address: SMTPServerAddress, _session, callback) {
        const rejection = options.rejectRecipient?.(address.address);
        if (!rejection) return callback();
        const error = new Error(rejection.message) as Error & { responseCode: number };
        error.responseCode = rejection.code;
        callback(error);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (parsed) => {
              self!.received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
              self!.events.emit('message');
              callback(null, `queued as ${self!.received.length}`);
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    server.on('error', () => {
      // Client resets are expected in outage tests; the assertions are on what was received.
    });
    server.listen(options.port ?? 0, '127.0.0.1');
    await once(server.server, 'listening');
    const port = (server.server.address() as AddressInfo).port;
    self = new SmtpTestServer(server, port);
    return self;
  }

  /** Resolves once `count` messages have arrived; rejects after `timeoutMs` (a bound, not a sleep). */
  async waitForCount(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.received.length >= count) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('message', onMessage);
        reject(new Error(`expected ${count} messages, got ${this.received.length} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = () => {
        if (this.received.length < count) return;
        clearTimeout(timer);
        this.events.off('message', onMessage);
        resolve();
      };
      this.events.on('message', onMessage);
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback port nothing listens on (yet): connecting to it is refused. */
export async function unusedPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
