/**
 * Simulator throughput: can the venue double feed load tests? Runs both venues at a target rate with a
 * subscriber on every depth/trade stream and topic, and reports events emitted and frames received a second.
 */
import { WebSocket } from 'ws';
import { Simulator } from '../src/sim/simulator.js';

export interface SimThroughputResult {
  targetEventsPerSec: number;
  emittedEventsPerSec: number;
  receivedFramesPerSec: number;
  seconds: number;
}

export async function runSimThroughput(target: number, seconds: number): Promise<SimThroughputResult> {
  const sim = await Simulator.start({ seed: 3, venues: ['binance', 'bybit'] });
  const symbols = sim.symbols();
  let received = 0;
  const sockets: WebSocket[] = [];
  const open = (url: string, onOpen?: (ws: WebSocket) => void) =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(url);
      sockets.push(ws);
      ws.on('message', () => received++);
      ws.once('open', () => {
        onOpen?.(ws);
        resolve();
      });
    });
  const lower = symbols.map((s) => s.toLowerCase());
  await open(`${sim.binance.wsBaseUrl}/public/stream?streams=${lower.map((s) => `${s}@depth@100ms`).join('/')}`);
  await open(`${sim.binance.wsBaseUrl}/market/stream?streams=${lower.map((s) => `${s}@aggTrade`).join('/')}`);
  await open(sim.bybit.wsUrl, (ws) =>
    ws.send(
      JSON.stringify({ op: 'subscribe', args: symbols.flatMap((s) => [`orderbook.200.${s}`, `publicTrade.${s}`]) }),
    ),
  );
  await new Promise((r) => setTimeout(r, 200));
  received = 0;
  const t0 = performance.now();
  sim.run(target);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  sim.pause();
  const elapsed = (performance.now() - t0) / 1000;
  const result = {
    targetEventsPerSec: target,
    emittedEventsPerSec: sim.emitted / elapsed,
    receivedFramesPerSec: received / elapsed,
    seconds: elapsed,
  };
  for (const ws of sockets) ws.terminate();
  await sim.stop();
  return result;
}
