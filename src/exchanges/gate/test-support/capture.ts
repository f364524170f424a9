import { readFileSync } from 'node:fs';

/** One line of a cryptofeed v1 text recording: a received frame or an HTTP answer, with its receive time. */
export interface CapturedLine {
  readonly receivedAt: number;
  readonly text: string;
  /** The request URL, for HTTP answers. */
  readonly url?: string;
}

/**
 * Reads the Gate cryptofeed v1 recordings (test/fixtures/README.md, format 1): received frames
 * `<ts>: <frame>`, HTTP answers `<url> -> <ts>: <body>`; sent frames and the connect line are skipped.
 */
export function readCryptofeedText(path: string): CapturedLine[] {
  const out: CapturedLine[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '' || line.includes(' <-> ') || /^\S+ <- /.test(line)) continue;
    const arrow = line.indexOf(' -> ');
    const head = arrow >= 0 ? line.slice(arrow + 4) : line;
    const colon = head.indexOf(': ');
    const receivedAt = Number(head.slice(0, colon));
    out.push({ receivedAt, text: head.slice(colon + 2), ...(arrow >= 0 ? { url: line.slice(0, arrow) } : {}) });
  }
  return out;
}
