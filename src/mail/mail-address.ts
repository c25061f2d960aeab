import { isEmail } from 'class-validator';
import addressparser from 'nodemailer/lib/addressparser';

export interface Mailbox {
  name: string;
  address: string;
}

/**
 * Parses exactly one RFC 5322 mailbox (`addr@example.com` or `Name <addr@example.com>`).
 * Groups, lists and anything the address validator refuses give `undefined`: an outbox row
 * holds one recipient, so a comma in `to` is a mistake, not a feature.
 */
export function parseMailbox(value: unknown): Mailbox | undefined {
  if (typeof value !== 'string' || !value.trim() || /[\r\n]/.test(value)) return undefined;
  const parsed = addressparser(value);
  if (parsed.length !== 1) return undefined;
  const [entry] = parsed;
  if (entry.group !== undefined || !entry.address) return undefined;
  // No TLD and IP domains allowed: development hosts (localhost, 127.0.0.1) are legitimate senders.
  if (!isEmail(entry.address, { allow_display_name: false, require_tld: false, allow_ip_domain: true })) return undefined;
  return { name: entry.name, address: entry.address };
}

/** The domain part, lower-cased: what logs may say about a recipient (never the local part). */
export function mailDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1).toLowerCase();
}

/** For log lines: SMTP replies often quote the recipient; keep the domain, drop the local part. */
export function redactAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@([A-Za-z0-9.-]+)/g, '…@$1');
}
