import type { BookManager } from '../book/book-manager.js';
import type { BookKey } from '../core/types.js';
import { canonicalOf } from './consolidation-books.js';
import type { ErrorCode } from './protocol.js';

/** Why a request for books cannot be met: the stable code, a message, and the names concerned. */
export interface BookRequestError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly books?: readonly string[];
}

export type BookResolution = { readonly keys: readonly BookKey[] } | { readonly error: BookRequestError };

/**
 * Which books clients may ask for, and who holds which: the server asks it to turn names into books and
 * tells it what each client holds, so that books followed on demand live exactly as long as someone
 * (plus a linger period) wants them.
 */
export interface BookDirectory {
  /**
   * The books named (`exchange:SYMBOL`, or a canonical instrument for its book on every venue), including
   * ones not followed yet that can be followed on demand; an error when any name is unknown.
   */
  resolve(names: readonly string[]): Promise<BookResolution>;
  /**
   * Replaces what `holder` holds with `keys`, following books on demand that are not followed yet; an
   * error (nothing changed) when that would pass a limit.
   */
  hold(holder: object, keys: readonly BookKey[]): BookRequestError | undefined;
  /** `holder` holds nothing any more (it disconnected). */
  release(holder: object): void;
}

/** A name's parts: one venue's book (`exchange:SYMBOL`, exchange lowercased), or a canonical instrument; undefined if neither. */
export function splitName(name: string): { exchange: string; symbol: string } | { canonical: string } | undefined {
  const colon = name.indexOf(':');
  if (colon > 0) return { exchange: name.slice(0, colon).toLowerCase(), symbol: name.slice(colon + 1) };
  const canonical = canonicalOf(name);
  return canonical === undefined ? undefined : { canonical };
}

/** The message for names that match no book. */
export function unknownBooks(names: readonly string[], why = 'no such book'): BookRequestError {
  const shown = names.slice(0, 5).map((n) => JSON.stringify(n));
  const more = names.length > 5 ? ` and ${names.length - 5} more` : '';
  return { code: 'FLOWRS_UNKNOWN_BOOK', message: `${why}: ${shown.join(', ')}${more}`, books: names };
}

/** Only the books already followed (no books on demand): the gateway's and the tests' directory. */
export class FollowedBooks implements BookDirectory {
  constructor(private readonly books: BookManager) {}

  async resolve(names: readonly string[]): Promise<BookResolution> {
    const keys: BookKey[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const found = this.followed(name);
      if (found.length === 0) unknown.push(name);
      else keys.push(...found);
    }
    return unknown.length > 0 ? { error: unknownBooks(unknown) } : { keys: [...new Set(keys)] };
  }

  /** The followed books a name means (none when it means none). */
  followed(name: string): BookKey[] {
    const parts = splitName(name);
    if (parts === undefined) return [];
    if ('canonical' in parts) return this.books.byCanonical(parts.canonical).map((b) => b.key);
    const book = this.books.find(parts.exchange, parts.symbol);
    return book === undefined ? [] : [book.key];
  }

  hold(): undefined {
    return undefined;
  }

  release(): void {}
}
