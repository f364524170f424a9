import type { FlowrsConfig } from '../app/config.js';
import { venueSymbols } from '../exchanges/registry.js';
import { venueById } from '../exchanges/venues.js';
import type { Logger } from '../log.js';
import { type RecordedVenue, Recorder } from './recorder.js';

/** The recorder the configuration asks for (`FLOWRS_RECORD_DIR`), or undefined when it asks for none. */
export function createRecorder(config: FlowrsConfig, log: Logger): Recorder | undefined {
  const { recordDir, recordRetentionHours, recordMaxQueueBytes } = config.record;
  if (recordDir === undefined) return undefined;
  const venues = new Map<string, RecordedVenue>();
  for (const exchange of config.exchanges) {
    const venue = venueById(exchange);
    if (!venue) continue;
    venues.set(exchange, {
      symbols: venueSymbols(venue, config.symbols),
      settings: config.venueSettings[exchange] ?? {},
      depth: config.depth,
    });
  }
  return new Recorder({
    dir: recordDir,
    retentionHours: recordRetentionHours,
    maxQueueBytes: recordMaxQueueBytes,
    venues,
    log: log.child({ component: 'recorder' }),
  });
}
