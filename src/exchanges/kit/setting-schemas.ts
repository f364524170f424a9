import { z } from 'zod';

/** Forms every venue's endpoint settings share. */
export const wsUrl = z.string().regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// URL');
export const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL');

/** A whole number of milliseconds within a venue's documented bounds (a ping interval, a timeout). */
export const milliseconds = (min: number, max: number) => {
  const expected = `a whole number of milliseconds from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, expected)
    .transform(Number)
    .pipe(z.number().min(min, expected).max(max, expected));
};
