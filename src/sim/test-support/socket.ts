import { WebSocket } from 'ws';

/** A test's raw WebSocket client and every text frame it has received so far, in order. */
export interface RecordingSocket {
  readonly ws: WebSocket;
  readonly frames: string[];
}

/** Opens a WebSocket to `url` that records every frame it receives; resolves once it is open. */
export async function openRecordingSocket(url: string): Promise<RecordingSocket> {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(d.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames };
}
