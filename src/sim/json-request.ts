/**
 * A client's text frame read as a JSON object, or undefined when it is not valid JSON or not an object
 * (an array, a string, a number, null): what venues answer with their invalid-request error.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON at all, or nested deeper than the parser's stack allows: the same answer either way.
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
