import { VENUE_IDS } from '../exchanges/venues.js';
import type { Simulator } from './simulator.js';

/**
 * Named faults, so the CLI can schedule what tests call directly. Each kind maps to one venue method.
 * `symbol` is required for per-symbol kinds.
 */
export const FAULT_KINDS = [
  'gap',
  'duplicate',
  'reorder',
  'drop',
  'close',
  'stall',
  'stall-nopong',
  'malformed-json',
  'wrong-types',
  'unknown-event',
  'bad-level',
  'snapshot-429',
  'snapshot-418',
  'snapshot-500',
  'stale-snapshot',
  'reset',
  'reject-sub',
  'rate-limit',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** A venue id (one of VENUES). */
export type FaultVenue = string;

export interface ScheduledFault {
  readonly atMs: number;
  readonly venue: FaultVenue;
  readonly kind: FaultKind;
  readonly symbol?: string;
}

const PER_SYMBOL: readonly FaultKind[] = ['gap', 'duplicate', 'reorder', 'stale-snapshot', 'reset', 'reject-sub'];
/** Faults of Binance's REST snapshot path, which no other venue has. */
const BINANCE_ONLY: readonly FaultKind[] = ['snapshot-429', 'snapshot-418', 'snapshot-500', 'stale-snapshot'];

/** Parses `<seconds>:<venue>:<kind>[:<SYMBOL>]`, e.g. `10:binance:gap:BTCUSDT`. */
export function parseFaultSpec(spec: string): ScheduledFault {
  const [at, venue, kind, symbol] = spec.split(':');
  const seconds = Number(at);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`fault "${spec}": bad time "${at}" (seconds)`);
  if (!VENUE_IDS.includes(venue)) throw new Error(`fault "${spec}": venue must be one of ${VENUE_IDS.join(', ')}`);
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`fault "${spec}": unknown kind "${kind}" (one of ${FAULT_KINDS.join(', ')})`);
  }
  const k = kind as FaultKind;
  if (PER_SYMBOL.includes(k) && !symbol) throw new Error(`fault "${spec}": ${k} needs a symbol`);
  if (venue !== 'binance' && BINANCE_ONLY.includes(k)) throw new Error(`fault "${spec}": ${k} is a Binance fault`);
  return { atMs: seconds * 1000, venue, kind: k, symbol };
}

/** Injects one fault now. */
export function injectFault(sim: Simulator, fault: Omit<ScheduledFault, 'atMs'>): void {
  const venue = sim.venue(fault.venue);
  const symbol = fault.symbol ?? '';
  const actions: Record<FaultKind, () => void> = {
    gap: () => venue.faults.withholdNext(symbol),
    duplicate: () => venue.faults.duplicateNext(symbol),
    reorder: () => venue.faults.reorderNext(symbol),
    drop: () => venue.dropAllConnections(),
    close: () => venue.closeAllConnections(),
    stall: () => venue.stall({ pong: true }),
    'stall-nopong': () => venue.stall({ pong: false }),
    'malformed-json': () => venue.sendMalformed('invalid_json'),
    'wrong-types': () => venue.sendMalformed('wrong_types'),
    'unknown-event': () => venue.sendMalformed('unknown_event'),
    'bad-level': () => venue.sendMalformed('bad_level'),
    'snapshot-429': () => sim.binance.failSnapshots(3, { status: 429, retryAfterSec: 2 }),
    'snapshot-418': () => sim.binance.failSnapshots(1, { status: 418, retryAfterSec: 5 }),
    'snapshot-500': () => sim.binance.failSnapshots(2, { status: 500 }),
    'stale-snapshot': () => sim.binance.armStaleSnapshot(symbol),
    reset: () => venue.venueReset(symbol),
    'reject-sub': () => venue.rejectNextSubscription(symbol),
    'rate-limit': () => venue.rateLimitNext(3),
  };
  actions[fault.kind]();
}

/** Runs a schedule against a running simulator; returns a function that cancels what has not fired. */
export function scheduleFaults(
  sim: Simulator,
  faults: readonly ScheduledFault[],
  onFire?: (f: ScheduledFault) => void,
): () => void {
  const timers = faults.map((f) =>
    setTimeout(() => {
      onFire?.(f);
      injectFault(sim, f);
    }, f.atMs),
  );
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}
