/**
 * RFC 6455 §5.2 framing for server → client text messages, so that a broadcast is framed once and the
 * same bytes are written to every client's socket (ws would build a header and queue two writes per
 * message per client). Server frames are never masked; FlowRS does not negotiate permessage-deflate.
 */
const FIN_TEXT = 0x81;

/** One complete, unmasked, final text frame carrying `payload` (UTF-8). */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN_TEXT;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}
