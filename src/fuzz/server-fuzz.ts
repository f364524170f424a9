import { WebSocket } from 'ws';
import { loadConfig } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { silentLogger } from '../log.js';
import { MAX_CLIENT_MESSAGE_BYTES, MAX_SELECTED_BOOKS } from '../server/protocol.js';
import { SeededRandom } from '../sim/random.js';
import { KNOWN_SERVER_ISSUES, type KnownServerIssue } from './known-issues.js';
import { randomText } from './mutate.js';

/** Hostile messages sent to the client server by default (a few thousand, a few seconds). */
export const DEFAULT_SERVER_MESSAGES = 2_000;
/** Messages sent on one connection: under the 50-a-second limit, so every one must be answered. */
export const MESSAGES_PER_CONNECTION = 40;
/** Hostile connections open at once. */
export const SERVER_FUZZ_CONCURRENCY = 4;
/** How long an answer may take before it counts as missing. */
export const ANSWER_TIMEOUT_MS = 10_000;
/** How long FlowRS may take to stop at the end. */
export const STOP_TIMEOUT_MS = 2_000;
/** Scenarios of the first connections: each documented limit (see `session`). */
const LIMIT_SCENARIOS = [1, 2, 3, 4] as const;
/** RFC 6455: a text frame that is not UTF-8 is closed with 1007 (ws does this before FlowRS sees it). */
export const CLOSE_INVALID_PAYLOAD = 1007;

/** What the documented protocol answers to a message. */
type Expected =
  | { readonly type: 'pong' }
  | { readonly type: 'snapshot' }
  | { readonly type: 'error'; readonly code: string };

interface HostileMessage {
  readonly kind: string;
  readonly data: string | Buffer;
  readonly binary: boolean;
  readonly expect: Expected;
}

export interface ServerFuzzResult {
  messages: number;
  connections: number;
  answered: number;
  closes: Record<string, number>;
  wellBehavedPongs: number;
  byKind: Record<string, number>;
  failures: string[];
  /** Known FlowRS issues hit (src/fuzz/known-issues.ts), by id: reported, failing only with `strict`. */
  knownIssues: Record<string, number>;
  durationMs: number;
}

/**
 * The documented answer to a text message (README, "WebSocket: client → server"), computed from the
 * text alone: the fuzzer's reference for the server.
 */
export function expectedAnswer(text: string, knownBooks: ReadonlySet<string>): Expected {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { type: 'error', code: 'FLOWRS_BAD_JSON' };
  }
  const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
  if (type === 'ping') return { type: 'pong' };
  if (type === 'subscribe') {
    const books = (message as { books?: unknown }).books;
    if (books === '*') return { type: 'snapshot' };
    if (!Array.isArray(books) || books.length > MAX_SELECTED_BOOKS)
      return { type: 'error', code: 'FLOWRS_BAD_MESSAGE' };
    for (const name of books) {
      // `exchange:SYMBOL` (no spaces; at most 30 and 60 characters) or a canonical `BASE-QUOTE`.
      if (
        typeof name !== 'string' ||
        !/^(?:[^:\s]{1,30}:[^:\s]{1,60}|[A-Za-z0-9]{1,20}-[A-Za-z0-9]{2,10})$/.test(name)
      ) {
        return { type: 'error', code: 'FLOWRS_BAD_MESSAGE' };
      }
    }
    const known = books.every((name: string) => {
      const [exchange, symbol] = name.split(':');
      const ex = exchange.toLowerCase();
      return knownBooks.has(`${ex}:${symbol}`) || knownBooks.has(`${ex}:${symbol.toUpperCase()}`);
    });
    return known ? { type: 'snapshot' } : { type: 'error', code: 'FLOWRS_UNKNOWN_BOOK' };
  }
  if (typeof type !== 'string') return { type: 'error', code: 'FLOWRS_BAD_MESSAGE' };
  return { type: 'error', code: 'FLOWRS_UNKNOWN_TYPE' };
}

/** Nesting of a `books` value that the server answers today; deeper ones hit a known issue. */
export const SAFE_SELECTION_NESTING = 3_000;

function deepBooks(depth: number): string {
  return `{"type":"subscribe","books":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)];
}

/** One hostile (or, now and then, polite) message with the answer the protocol promises. */
function hostileMessage(rng: SeededRandom, books: readonly string[], known: ReadonlySet<string>): HostileMessage {
  const text = (kind: string, data: string): HostileMessage => ({
    kind,
    data,
    binary: false,
    expect: expectedAnswer(data, known),
  });
  const someBook = () => {
    const [exchange, symbol] = pick(rng, books).split(':');
    return `${rng.chance(0.5) ? exchange.toUpperCase() : exchange}:${symbol}`;
  };
  switch (rng.int(0, 15)) {
    case 0: {
      const bytes = Buffer.alloc(rng.int(0, 2000));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
      return { kind: 'binary_frame', data: bytes, binary: true, expect: { type: 'error', code: 'FLOWRS_BAD_MESSAGE' } };
    }
    case 1:
      return text('random_text', randomText(rng, rng.int(0, 500)).replace(/[\uD800-\uDFFF]/g, '?'));
    case 2:
      return text('huge_json', JSON.stringify({ type: 'hello', pad: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES - 100) }));
    case 3: {
      const depth = rng.int(100, 20_000);
      return text('deep_nesting', `${'['.repeat(depth)}${']'.repeat(depth)}`);
    }
    case 4:
      // Deeper than this stops the connection (a known issue, probed on a connection of its own).
      return text('deep_books', deepBooks(rng.int(100, SAFE_SELECTION_NESTING)));
    case 5:
      return text('wrong_type', JSON.stringify({ type: pick(rng, [1, null, true, ['ping'], { ping: 1 }, 1.5]) }));
    case 6:
      return text(
        'unknown_type',
        JSON.stringify({ type: pick(rng, ['hello', 'PING', 'Ping', 'subscribe ', '', '__proto__', 'constructor']) }),
      );
    case 7:
      return text('not_an_object', pick(rng, ['null', '42', '"ping"', '[]', 'true', '[{"type":"ping"}]']));
    case 8: {
      const count = pick(rng, [MAX_SELECTED_BOOKS, MAX_SELECTED_BOOKS + 1, 3_000]);
      return text('many_books', JSON.stringify({ type: 'subscribe', books: Array.from({ length: count }, someBook) }));
    }
    case 9:
      return text(
        'bad_books',
        JSON.stringify({
          type: 'subscribe',
          books: pick(rng, [
            5,
            'binance:BTCUSDT',
            [1, 2],
            ['nope:NOPE'],
            ['binance:'],
            ['a:b:c'],
            [someBook(), 'x'],
            {},
          ]),
        }),
      );
    case 10:
      return text(
        'subscribe',
        JSON.stringify({ type: 'subscribe', books: rng.chance(0.3) ? '*' : [someBook(), someBook()] }),
      );
    case 11:
      return text(
        'escaped_type',
        pick(rng, ['{"type":"\\u0070ing"}', '{"\\u0074ype":"ping"}', '{"type":"p\\u0069ng","x":[1]}']),
      );
    case 12:
      return text('duplicate_keys', pick(rng, ['{"type":"hello","type":"ping"}', '{"type":"ping","type":7}']));
    case 13:
      return text('truncated', '{"type":"subscribe","books":["binance:BTCUSDT"'.slice(0, rng.int(1, 40)));
    case 14:
      return text('prototype_keys', pick(rng, ['{"__proto__":{"type":"ping"}}', '{"constructor":{"type":"ping"}}']));
    default:
      return text('ping', JSON.stringify({ type: 'ping', extra: randomText(rng, 10).replace(/[\uD800-\uDFFF]/g, '') }));
  }
}

interface Client {
  readonly ws: WebSocket;
  readonly answers: { type: string; code?: string; reason?: string }[];
  readonly closed: Promise<number>;
  closeCode: number | undefined;
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  const answers: Client['answers'] = [];
  const client: Client = {
    ws,
    answers,
    closeCode: undefined,
    closed: new Promise<number>((resolve) =>
      ws.once('close', (code) => {
        client.closeCode = code;
        resolve(code);
      }),
    ),
  };
  ws.on('error', () => undefined);
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; code?: string; reason?: string };
    // Broadcasts (metrics, books, trades) interleave with answers; only answers are matched.
    if (m.type === 'pong' || m.type === 'error' || m.type === 'snapshot') answers.push(m);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/**
 * Hostile clients against a real FlowRS server on loopback: every bad message must get its documented
 * error (or close code), no exception may escape, and a well-behaved client keeps being served.
 */
export async function runServerFuzz(options: {
  seed: number;
  messages?: number;
  strict?: boolean;
  /**
   * Send the messages that hit known server issues (default true). node:test fails any test during
   * which an exception goes uncaught, so the test leaves these to `npm run fuzz`.
   */
  probeKnownIssues?: boolean;
}): Promise<ServerFuzzResult> {
  const started = Date.now();
  const rng = new SeededRandom((options.seed ^ 0x51ed270b) >>> 0);
  const target = options.messages ?? DEFAULT_SERVER_MESSAGES;
  const result: ServerFuzzResult = {
    messages: 0,
    connections: 0,
    answered: 0,
    closes: {},
    wellBehavedPongs: 0,
    byKind: {},
    failures: [],
    knownIssues: {},
    durationMs: 0,
  };
  const known = (issue: KnownServerIssue): boolean => {
    if (options.strict) return false;
    result.knownIssues[issue.id] = (result.knownIssues[issue.id] ?? 0) + 1;
    return true;
  };
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on('uncaughtException', onCrash);
  const app = new Flowrs(loadConfig([], { FLOWRS_LISTEN: '127.0.0.1:0' }), {
    log: silentLogger,
    connectors: [],
    serveStatic: () => false,
  });
  await app.start();
  const url = `ws://127.0.0.1:${app.address!.port}/`;
  const books = app.books.list().map((b) => b.key as string);
  const knownBooks = new Set(books);
  const fail = (message: string) => {
    if (result.failures.length < 20) result.failures.push(message);
  };
  const closed = (code: number) => {
    result.closes[code] = (result.closes[code] ?? 0) + 1;
  };

  // The well-behaved client: pings throughout and must always be answered.
  const polite = await connect(url);
  let politeStop = false;
  const politeLoop = (async () => {
    while (!politeStop) {
      const before = polite.answers.filter((a) => a.type === 'pong').length;
      polite.ws.send('{"type":"ping"}');
      if (!(await until(() => polite.answers.filter((a) => a.type === 'pong').length > before, ANSWER_TIMEOUT_MS))) {
        fail('the well-behaved client got no pong');
        return;
      }
      result.wellBehavedPongs++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  /** One connection: a batch of messages each answered in order, or a limit that must close it. */
  const session = async (): Promise<void> => {
    // Every limit is probed at least once (oversize, invalid UTF-8, flood, deep selection), then at random.
    const limits = options.probeKnownIssues === false ? LIMIT_SCENARIOS.slice(0, 3) : LIMIT_SCENARIOS;
    let scenario = result.connections < limits.length ? limits[result.connections] : rng.int(0, 19);
    if (scenario === 4 && options.probeKnownIssues === false) scenario = 5;
    result.connections++;
    const query =
      scenario === 0 ? `?books=${encodeURIComponent(pick(rng, ['nope:NOPE', 'binance:', '::', 'a'.repeat(300)]))}` : '';
    const client = await connect(url + query);
    const count = (kind: string) => {
      result.byKind[kind] = (result.byKind[kind] ?? 0) + 1;
      result.messages++;
    };
    if (
      !(await until(
        () => client.answers.some((a) => a.type === 'snapshot' && a.reason === 'connect'),
        ANSWER_TIMEOUT_MS,
      ))
    ) {
      fail('no snapshot on connect');
    }
    if (scenario === 0) {
      count('bad_connect_selection');
      if (!(await until(() => client.answers.some((a) => a.type === 'error'), ANSWER_TIMEOUT_MS))) {
        fail(`no error for a bad ?books= selection (${query.slice(0, 40)})`);
      }
    }
    if (scenario === 1 || scenario === 2) {
      // Over 64 KiB: closed with 1009. Not UTF-8: closed with 1007.
      const oversize = scenario === 1;
      count(oversize ? 'oversize_frame' : 'invalid_utf8');
      client.ws.send(
        oversize ? 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES + rng.int(1, 10_000)) : Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
        { binary: false },
      );
      const code = await Promise.race([
        client.closed,
        new Promise<number>((r) => setTimeout(() => r(-1), ANSWER_TIMEOUT_MS)),
      ]);
      closed(code);
      const expected = oversize ? 1009 : CLOSE_INVALID_PAYLOAD;
      if (code !== expected)
        fail(`${oversize ? 'an oversize frame' : 'invalid UTF-8'} closed with ${code}, expected ${expected}`);
      return;
    }
    if (scenario === 4) {
      // A selection nested deeper than the engine's stack: must be answered FLOWRS_BAD_MESSAGE like any other.
      const data = deepBooks(rng.int(5_000, 20_000));
      const m: HostileMessage = {
        kind: 'deep_books_probe',
        data,
        binary: false,
        expect: expectedAnswer(data, knownBooks),
      };
      count(m.kind);
      const crashesBefore = crashes.length;
      client.ws.send(m.data);
      await until(() => client.answers.length > 1 || crashes.length > crashesBefore, ANSWER_TIMEOUT_MS);
      const got = client.answers[1];
      if (got?.code !== 'FLOWRS_BAD_MESSAGE') {
        const issue = KNOWN_SERVER_ISSUES.find((k) => k.unanswered(m.kind, crashes.slice(crashesBefore)));
        if (issue === undefined || !known(issue))
          fail(`${m.kind}: expected FLOWRS_BAD_MESSAGE, got ${JSON.stringify(got)}`);
        client.ws.terminate(); // its handler died: the close handshake cannot complete
        closed(await client.closed);
        return;
      }
      result.answered++;
      client.ws.close();
      closed(await client.closed);
      return;
    }
    if (scenario === 3) {
      // A flood: at most 50 answered, then FLOWRS_RATE_LIMIT and 1008.
      for (let i = 0; i < 200; i++) client.ws.send('{"type":"ping"}');
      for (let i = 0; i < 200; i++) count('flood');
      const code = await Promise.race([
        client.closed,
        new Promise<number>((r) => setTimeout(() => r(-1), ANSWER_TIMEOUT_MS)),
      ]);
      closed(code);
      const pongs = client.answers.filter((a) => a.type === 'pong').length;
      if (code !== 1008) fail(`a flood closed with ${code}, expected 1008`);
      if (pongs > 50) fail(`a flood got ${pongs} pongs (limit 50)`);
      if (client.answers.at(-1)?.code !== 'FLOWRS_RATE_LIMIT') fail('a flood got no FLOWRS_RATE_LIMIT error');
      return;
    }
    const base = client.answers.length;
    const sent: HostileMessage[] = [];
    for (let i = 0; i < MESSAGES_PER_CONNECTION && result.messages < target; i++) {
      const m = hostileMessage(rng, books, knownBooks);
      sent.push(m);
      count(m.kind);
      client.ws.send(m.data, { binary: m.binary });
    }
    const answeredAll = await until(
      () => client.answers.length >= base + sent.length || client.closeCode !== undefined,
      ANSWER_TIMEOUT_MS,
    );
    if (!answeredAll || client.closeCode !== undefined) {
      const first = sent[client.answers.length - base];
      const issue = KNOWN_SERVER_ISSUES.find((k) => k.unanswered(first?.kind ?? '', crashes));
      if (issue === undefined || !known(issue)) {
        fail(
          `${sent.length - (client.answers.length - base)} of ${sent.length} messages unanswered from ${first?.kind} ` +
            `${JSON.stringify(String(first?.data).slice(0, 80))} (closed: ${client.closeCode ?? 'no'})`,
        );
      }
    }
    for (let i = 0; i < sent.length && base + i < client.answers.length; i++) {
      const got = client.answers[base + i];
      const want = sent[i].expect;
      const ok =
        got.type === want.type &&
        (want.type !== 'error' || got.code === want.code) &&
        (want.type !== 'snapshot' || got.reason === 'subscribe');
      result.answered++;
      if (!ok) {
        const data = typeof sent[i].data === 'string' ? (sent[i].data as string).slice(0, 80) : '<binary>';
        fail(`${sent[i].kind} ${JSON.stringify(data)}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
      }
    }
    client.ws.close();
    const code = await Promise.race([
      client.closed,
      new Promise<number>((r) => setTimeout(() => r(-1), ANSWER_TIMEOUT_MS)),
    ]);
    if (code === -1) client.ws.terminate(); // a connection whose handler died cannot finish the close handshake
    closed(code);
  };

  try {
    while (result.messages < target && result.failures.length === 0) {
      await Promise.all(Array.from({ length: SERVER_FUZZ_CONCURRENCY }, () => session()));
    }
    // The well-behaved client is still served: a subscribe is answered with its snapshot.
    const before = polite.answers.length;
    polite.ws.send(JSON.stringify({ type: 'subscribe', books: [books[0]] }));
    if (
      !(await until(
        () => polite.answers.slice(before).some((a) => a.type === 'snapshot' && a.reason === 'subscribe'),
        ANSWER_TIMEOUT_MS,
      ))
    ) {
      fail('the well-behaved client got no snapshot for its subscribe');
    }
    if (polite.closeCode !== undefined) fail(`the well-behaved client was closed (${polite.closeCode})`);
  } finally {
    politeStop = true;
    await politeLoop;
    polite.ws.close();
    const stopped = await Promise.race([
      app.stop().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS).unref()),
    ]);
    if (!stopped) {
      // A connection whose message handler threw never finishes closing, so the server cannot stop.
      const issue = KNOWN_SERVER_ISSUES.find((k) => crashes.some((c) => k.crash(c)));
      if (issue === undefined || !known(issue)) fail(`FlowRS did not stop within ${STOP_TIMEOUT_MS} ms`);
    }
    process.off('uncaughtException', onCrash);
  }
  for (const error of crashes) {
    const issue = KNOWN_SERVER_ISSUES.find((k) => k.crash(error));
    if (issue === undefined || !known(issue)) {
      fail(`an exception escaped the server: ${(error as Error)?.stack ?? String(error)}`);
    }
  }
  result.durationMs = Date.now() - started;
  return result;
}
