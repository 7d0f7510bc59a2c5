/**
 * What may be quoted from untrusted text (an audience file, a Klaviyo error body, an operator's input) in
 * a message that reaches workflow history, logs, the reject report or the CLI: a short excerpt of
 * printable characters, with anything shaped like a Klaviyo private key or a URL's password removed.
 *
 * Imported by workflow code (shared.ts): keep it free of I/O and Node built-ins.
 */

/** Klaviyo private keys: `pk_` and 34 hex characters today; any long tail is treated as one. */
const KLAVIYO_KEY = /pk_[A-Za-z0-9]{6,}/g;
/** `scheme://user:password@host`: the password goes, the rest stays readable. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]*@/gi;
/** Control, format (bidi overrides), unassigned, private-use and surrogate code points, and U+FFFD (undecodable bytes). */
const UNPRINTABLE = /[\p{C}\uFFFD]/gu;

export const REDACTED = '[redacted]';
/** How much of an untrusted value a message may quote (a column name, a cell, a line). */
export const EXCERPT_CHARS = 40;

/** The text with every key-shaped token and URL password replaced by [redacted]. */
export function redactSecrets(text: string): string {
  return text.replace(KLAVIYO_KEY, `pk_${REDACTED}`).replace(URL_PASSWORD, `$1:${REDACTED}@`);
}

/** At most `max` printable characters of `text` (secrets redacted first, unprintables as `?`), `…` when cut. */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const clean = redactSecrets(text).replace(UNPRINTABLE, '?');
  const chars = Array.from(clean);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : clean;
}

/** redactSecrets, and a cap on length for messages that may carry text from elsewhere (Klaviyo's error details). */
export function sanitizeMessage(text: string, max = 500): string {
  return excerpt(text.replace(/[\r\n\t]+/g, ' '), max);
}
