/** Compares what gateways serve with the simulator's true books. */
import { decimalMul } from '../../core/decimal.js';
import type { OrderBookView } from '../../server/protocol.js';
import type { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { httpUrl } from './cluster.js';

export interface TrueBook {
  readonly exchange: string;
  readonly symbol: string;
  readonly updateId: number;
  /** In base units, the way FlowRS serves them. */
  readonly bids: [string, string][];
  readonly asks: [string, string][];
}

/** Every simulated book's truth now (pause the simulator first). */
export function truths(sim: Simulator): TrueBook[] {
  const out: TrueBook[] = [];
  for (const [id, venue] of sim.venues) {
    for (const symbol of venue.symbols()) {
      const truth = venue.truth(symbol);
      const size = venue.contractSize(symbol);
      const base = (levels: readonly (readonly [string, string])[]) =>
        levels.map(([p, q]): [string, string] => [p, size === '1' ? q : decimalMul(q, size)]);
      out.push({ exchange: id, symbol, updateId: truth.updateId, bids: base(truth.bids), asks: base(truth.asks) });
    }
  }
  return out;
}

type Node = { app: { address?: { host: string; port: number }; books: { find(e: string, s: string): unknown } } };

/** Waits until the node's every book is live at the truth's update id. */
export async function caughtUp(node: Node, books: readonly TrueBook[], timeoutMs = 15_000): Promise<void> {
  const find = (t: TrueBook) =>
    (node.app.books.find(t.exchange, t.symbol) as { updateId: number; status(): string } | undefined) ?? undefined;
  await waitFor(
    () =>
      books.every((t) => {
        const b = find(t);
        return b?.updateId === t.updateId && b.status() === 'live';
      }),
    () =>
      `caught up: ${books
        .map((t) => `${t.exchange}:${t.symbol} ${find(t)?.updateId}/${t.updateId} ${find(t)?.status()}`)
        .join(', ')}`,
    timeoutMs,
  );
}

/** The node's client API answer for a book at `depth` levels a side. */
export async function servedBook(node: Node, t: TrueBook, depth: number): Promise<OrderBookView> {
  const res = await fetch(
    `${httpUrl(node)}/api/orderbooks/${t.exchange}/${encodeURIComponent(t.symbol)}?depth=${depth}`,
  );
  if (res.status !== 200) throw new Error(`GET book ${t.exchange}:${t.symbol}: ${res.status}`);
  return (await res.json()) as OrderBookView;
}

export const levelsOf = (v: Pick<OrderBookView, 'bids' | 'asks'>) => ({
  bids: v.bids.map((l) => [l.price, l.quantity]),
  asks: v.asks.map((l) => [l.price, l.quantity]),
});

export const topOf = (t: TrueBook, depth: number) => ({ bids: t.bids.slice(0, depth), asks: t.asks.slice(0, depth) });
