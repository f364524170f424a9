/**
 * A decimal string's exact value as a BigInt scaled by 10^30: the tests' reference arithmetic,
 * independent of the engine's float keys. Venue prices and quantities have far fewer than 30 decimals.
 */
export function exactDecimal(s: string): bigint {
  const [int, frac = ''] = s.split('.');
  return BigInt(int + frac.padEnd(30, '0'));
}
