import type { Recording } from './recording.js';
import type { SimVenue } from './sim-venue.js';
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

  private readonly venue: SimVenue & Required<Pick<SimVenue, 'loadRecording' | 'publishRecorded'>>;
  private readonly recorded: string[];

  constructor(
    sim: Simulator,
    private readonly recording: Recording,
  ) {
    const venue = sim.venue(recording.venue);
    if (!venue.loadRecording || !venue.publishRecorded) {
      throw new RangeError(`the simulated ${recording.venue} cannot replay recordings`);
    }
    this.venue = venue as typeof this.venue;
    this.recorded = this.venue.loadRecording(recording);
  }

  /** Symbols the recording carries market data for. */
  symbols(): string[] {
    return [...this.recorded];
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
      const sent = this.venue.publishRecorded(frame);
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
