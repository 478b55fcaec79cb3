import { unzipSync } from 'fflate';
import { SinkClosedError, ZipStream, type ByteSink } from './zipStream';

/** A sink that takes each chunk only when the test lets it (a slow client), or goes away. */
function slowSink() {
  const controller = new AbortController();
  const chunks: Uint8Array[] = [];
  const waiting: Array<() => void> = [];
  const sink: ByteSink = {
    signal: controller.signal,
    write: (chunk) => new Promise<void>((resolve) => {
      chunks.push(chunk);
      waiting.push(resolve);
    }),
  };
  return { sink, chunks, waiting, leave: () => controller.abort() };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ZipStream', () => {
  it('writes entries as they come and waits for the sink before taking the next (backpressure)', async () => {
    const { sink, chunks, waiting } = slowSink();
    const zip = new ZipStream(sink);
    const big = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
    let added = false;
    const adding = zip.add('a/big.bin', big, true).then(() => (added = true));
    await tick();
    expect([chunks.length, added]).toEqual([1, false]); // one chunk handed over, the rest waits for it
    while (!added) {
      waiting.shift()?.();
      await tick();
    }
    await adding;
    const ending = zip.add('b.txt', new TextEncoder().encode('hello'), false).then(() => zip.end());
    for (let i = 0; i < 20; i++) {
      waiting.shift()?.();
      await tick();
    }
    await ending;
    const files = unzipSync(Uint8Array.from(Buffer.concat(chunks)));
    expect(Object.keys(files)).toEqual(['a/big.bin', 'b.txt']);
    expect(Buffer.from(files['a/big.bin']!).equals(Buffer.from(big))).toBe(true);
    expect(Buffer.from(files['b.txt']!).toString()).toBe('hello');
  });

  it('stops with SinkClosedError once the reader has gone', async () => {
    const { sink, waiting, leave } = slowSink();
    const zip = new ZipStream(sink);
    const adding = zip.add('x.bin', new Uint8Array(100_000).fill(3), false);
    await tick();
    leave();
    waiting.shift()?.();
    await expect(adding).rejects.toThrow(SinkClosedError);
    await expect(zip.add('y.bin', new Uint8Array(1), false)).rejects.toThrow(SinkClosedError);
  });
});
