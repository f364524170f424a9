import type { Recording } from './recording.js';
import type { Simulator } from './simulator.js';

/**
 * Plays a recording through the simulator's own servers, so real venue frames take exactly the path
 * synthetic ones do. Subscribe first, then `step` (deterministic) or `run` (timed).
 */
export class Replay {
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Frames delivered (market events) and skipped (acks and other non-market frames of the recorder). */
  delivered = 0;
  skipped = 0;

  constructor(
    private readonly sim: Simulator,
    private readonly recording: Recording,
  ) {
    if (recording.venue === 'binance') sim.binance.loadRecordedSnapshots(recording.snapshots);
    else sim.bybit.addRecordedSymbols(recordedBybitSymbols(recording));
  }

  /** Symbols the recording carries market data for. */
  symbols(): string[] {
    if (this.recording.venue === 'bybit') return [...recordedBybitSymbols(this.recording)];
    const symbols = new Set<string>(this.recording.snapshots.keys());
    for (const f of this.recording.frames) {
      const s = /"s":"([A-Z0-9]+)"/.exec(f)?.[1];
      if (s && f.includes('"e":"depthUpdate"')) symbols.add(s);
    }
    return [...symbols];
  }

  get done(): boolean {
    return this.cursor >= this.recording.frames.length;
  }

  /** Delivers the next `count` recorded frames. */
  step(count = 1): void {
    const frames = this.recording.frames;
    const end = Math.min(frames.length, this.cursor + count);
    for (; this.cursor < end; this.cursor++) {
      const frame = frames[this.cursor];
      const sent =
        this.recording.venue === 'binance'
          ? this.sim.binance.publishRecorded(frame)
          : this.sim.bybit.publishRecorded(frame);
      if (sent) this.delivered++;
      else this.skipped++;
    }
  }

  /** Plays at `framesPerSecond` until the end (then `onDone`). */
  run(framesPerSecond: number, onDone?: () => void): void {
    const perTick = Math.max(1, Math.round(framesPerSecond / 100));
    this.timer = setInterval(() => {
      this.step(perTick);
      if (this.done) {
        this.stop();
        onDone?.();
      }
    }, 10);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function recordedBybitSymbols(recording: Recording): Set<string> {
  const symbols = new Set<string>();
  for (const f of recording.frames) {
    const topic = /^\{"topic":"(?:orderbook\.\d+|publicTrade)\.([A-Z0-9]+)"/.exec(f)?.[1];
    if (topic) symbols.add(topic);
  }
  return symbols;
}
