import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import {
  DEFAULT_OKX_PING_INTERVAL_MS,
  DEFAULT_OKX_REST_SNAPSHOT_AFTER_MS,
  DEFAULT_OKX_REST_URL,
  DEFAULT_OKX_WS_URL,
  okxSettings,
} from './settings.js';

const parse = (key: keyof typeof okxSettings, raw: string) => (okxSettings[key].schema as z.ZodType).safeParse(raw);

describe('OKX settings', () => {
  it('default to the real endpoints and the documented choices', () => {
    assert.equal(okxSettings.wsUrl.fallback, DEFAULT_OKX_WS_URL);
    assert.equal(DEFAULT_OKX_WS_URL, 'wss://ws.okx.com:8443/ws/v5/public');
    assert.equal(okxSettings.restUrl.fallback, DEFAULT_OKX_REST_URL);
    assert.equal(DEFAULT_OKX_REST_URL, 'https://www.okx.com');
    assert.deepEqual(
      Object.values(okxSettings).map((s) => s.env),
      ['WS_URL', 'REST_URL', 'PING_INTERVAL_MS', 'REST_SNAPSHOT_AFTER_MS'],
    );
    for (const key of Object.keys(okxSettings) as (keyof typeof okxSettings)[]) {
      assert.equal(parse(key, okxSettings[key].fallback).success, true, key);
    }
    assert.deepEqual(parse('pingIntervalMs', okxSettings.pingIntervalMs.fallback).data, DEFAULT_OKX_PING_INTERVAL_MS);
    assert.deepEqual(
      parse('restSnapshotAfterMs', okxSettings.restSnapshotAfterMs.fallback).data,
      DEFAULT_OKX_REST_SNAPSHOT_AFTER_MS,
    );
  });

  it('refuse a ping interval OKX would close the connection before (30 s)', () => {
    assert.equal(parse('pingIntervalMs', '30000').success, false);
    assert.equal(parse('pingIntervalMs', '2.5').success, false);
    assert.equal(parse('wsUrl', 'https://www.okx.com').success, false);
  });
});
