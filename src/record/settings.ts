/** Settings for recording every raw venue frame and REST answer. */
import { z } from 'zod';
import { integerAtLeast, type SettingSpec, type SettingValues } from '../app/setting-spec.js';
import { DEFAULT_RECORD_MAX_QUEUE_BYTES } from './recorder.js';

/** Recorded files older than this are deleted. */
export const DEFAULT_RECORD_RETENTION_HOURS = 72;

export const RECORD_SETTINGS = {
  recordDir: {
    env: 'FLOWRS_RECORD_DIR',
    schema: z.string().transform((s) => (s === '' ? undefined : s)),
    fallback: '',
    help: 'record every raw venue frame and REST answer into this directory (none: no recording)',
  },
  recordRetentionHours: {
    env: 'FLOWRS_RECORD_RETENTION_HOURS',
    schema: integerAtLeast(1),
    fallback: String(DEFAULT_RECORD_RETENTION_HOURS),
    help: 'recorded files older than this many hours are deleted',
  },
  recordMaxQueueBytes: {
    env: 'FLOWRS_RECORD_MAX_QUEUE_BYTES',
    schema: integerAtLeast(1_048_576),
    fallback: String(DEFAULT_RECORD_MAX_QUEUE_BYTES),
    help: 'recorded bytes waiting for the disk beyond which lines are dropped (and counted), so memory stays bounded',
  },
} satisfies Record<string, SettingSpec>;

export type RecordConfig = SettingValues<typeof RECORD_SETTINGS>;
