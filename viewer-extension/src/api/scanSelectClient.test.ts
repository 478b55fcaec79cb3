import { ApiError } from './apiError';
import { MAX_EVENT_CHARS, ScanSelectClient } from './scanSelectClient';

interface Call {
  url: string;
  init: RequestInit;
}

/** A client whose fetch answers with `respond` and records each call. */
function clientWith(respond: (call: Call) => Response | Promise<Response>, token: string | null = 'tok-123') {
  const calls: Call[] = [];
  const fetchStub = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const call = { url: String(input), init };
    calls.push(call);
    return respond(call);
  }) as typeof fetch;
  return { client: new ScanSelectClient({ apiBase: 'http://server', token: () => token, fetch: fetchStub }), calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('ScanSelectClient', () => {
  it('sends the bearer token and reads the JSON answer', async () => {
    const { client, calls } = clientWith(() => json(200, [{ id: 1, name: 'chest' }]));
    await expect(client.projects()).resolves.toEqual([{ id: 1, name: 'chest' }]);
    expect(calls[0]!.url).toBe('http://server/api/projects');
    expect((calls[0]!.init.headers as Record<string, string>).Authorization).toBe('Bearer tok-123');
  });

  it('sends no Authorization header when signed out', async () => {
    const { client, calls } = clientWith(() => json(200, []), null);
    await client.projects();
    expect((calls[0]!.init.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it('turns the server\'s error body into an ApiError with code, message and request id', async () => {
    const { client } = clientWith(() => json(409, { code: 'claimed-by-another', message: 'case x is claimed by Dr A', requestId: 'req-1' }));
    const error = await client.claim(1, '1.2.3').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'claimed-by-another', message: 'case x is claimed by Dr A', requestId: 'req-1' });
    expect((error as ApiError).describe()).toBe('case x is claimed by Dr A (request req-1)');
    expect((error as ApiError).unreachable).toBe(false);
  });

  it('reports a non-JSON error answer with its status and text, and a proxy\'s 502 as unreachable', async () => {
    const { client } = clientWith(() => new Response('Bad Gateway', { status: 502, headers: { 'X-Request-Id': 'r9' } }));
    const error = (await client.project(1).catch((e: unknown) => e)) as ApiError;
    expect(error).toMatchObject({ status: 502, code: 'server-error', requestId: 'r9' });
    expect(error.message).toContain('502: Bad Gateway');
    expect(error.unreachable).toBe(true);
  });

  it('reports a network failure as server-unreachable', async () => {
    const { client } = clientWith(() => Promise.reject(new TypeError('fetch failed')));
    const error = (await client.worklist(1).catch((e: unknown) => e)) as ApiError;
    expect(error).toMatchObject({ status: 0, code: 'server-unreachable' });
    expect(error.unreachable).toBe(true);
    expect(error.message).toMatch(/cannot be reached \(fetch failed\)/);
  });

  it('posts a SEG as application/dicom to the case\'s mask route (UIDs escaped)', async () => {
    const { client, calls } = clientWith(() => json(201, { sopUid: '1.2', status: 'labelled', format: 'seg', classesPresent: [1], outboxId: 3, queuedRoundJob: null }));
    const bytes = new Uint8Array([1, 2, 3]);
    await expect(client.submitSeg(4, '1.2', bytes)).resolves.toMatchObject({ status: 'labelled', classesPresent: [1] });
    expect(calls[0]!.url).toBe('http://server/api/projects/4/cases/1.2/mask');
    expect(calls[0]!.init.method).toBe('POST');
    expect((calls[0]!.init.headers as Record<string, string>)['Content-Type']).toBe('application/dicom');
    expect(calls[0]!.init.body).toBe(bytes);
  });

  it('fetches a case\'s predicted label map as PNG bytes, and passes the cold start\'s 404 on', async () => {
    const bytes = new Uint8Array([137, 80, 78, 71, 1, 2]);
    const { client, calls } = clientWith(() => new Response(bytes, { status: 200, headers: { 'Content-Type': 'image/png' } }));
    expect(Array.from(await client.prediction(2, '1.2'))).toEqual(Array.from(bytes));
    expect(calls[0]!.url).toBe('http://server/api/projects/2/cases/1.2/prediction');
    expect((calls[0]!.init.headers as Record<string, string>).Accept).toBe('image/png');
    const cold = clientWith(() => json(404, { code: 'not-found', message: 'chosen by the cold start', requestId: 'r' })).client;
    await expect(cold.prediction(2, '1.2')).rejects.toMatchObject({ status: 404, code: 'not-found' });
  });

  it('reads a raw uncertainty map with its size from the headers, and rejects a truncated one', async () => {
    const values = new Float32Array([0, 0.5, 1, 1.5, 0.25, 0.75]);
    const { client, calls } = clientWith(() => new Response(values.buffer, { status: 200, headers: { 'X-Width': '3', 'X-Height': '2' } }));
    const map = await client.uncertainty(1, '9.9');
    expect([map.width, map.height, Array.from(map.values)]).toEqual([3, 2, Array.from(values)]);
    expect(calls[0]!.url).toBe('http://server/api/projects/1/cases/9.9/uncertainty?format=raw');
    const short = clientWith(() => new Response(new Float32Array(5).buffer, { status: 200, headers: { 'X-Width': '3', 'X-Height': '2' } })).client;
    await expect(short.uncertainty(1, '9.9')).rejects.toMatchObject({ code: 'bad-response' });
  });

  it('follows job events from a streamed answer until the stream ends', async () => {
    const { client, calls } = clientWith(() => eventStream([': connected\n\nid: 1\nevent: job\ndata: {"id":1,"state":"run', 'ning","progress":0.5}\n\n', 'event: other\ndata: x\n\nevent: job\ndata: {"id":1,"state":"succeeded"}\n\n']));
    const jobs: unknown[] = [];
    await client.followJobs(2, (job) => jobs.push(job), new AbortController().signal);
    expect(jobs).toEqual([{ id: 1, state: 'running', progress: 0.5 }, { id: 1, state: 'succeeded' }]);
    expect(calls[0]!.url).toBe('http://server/api/events?project=2');
    expect((calls[0]!.init.headers as Record<string, string>).Accept).toBe('text/event-stream');
  });

  it('reads the same jobs however the bytes are split: BOM, CRLF and CR line ends, comments, multi-line data, UTF-8', async () => {
    const stream = encoder.encode(
      '\uFEFF: connected\r\n\r\nid: 1\r\nevent: job\r\ndata: {"id":1,\r\ndata: "stage":"Übersicht"}\r\n\r\n' +
        ': keep-alive\rdata: {"id":9}\r\revent: job\ndata:{"id":2}\n\nevent: job\ndata: not json\n\nevent: job\ndata: {"id":3}\n\nevent: job\ndata: {"id":4}',
    );
    const expected = [{ id: 1, stage: 'Übersicht' }, { id: 2 }, { id: 3 }]; // untyped data, malformed and unterminated events skipped
    await expect(jobsOf([stream])).resolves.toEqual(expected);
    for (let cut = 1; cut < stream.length; cut++) await expect(jobsOf([stream.subarray(0, cut), stream.subarray(cut)])).resolves.toEqual(expected);
    await expect(jobsOf(Array.from(stream, (byte) => Uint8Array.of(byte)))).resolves.toEqual(expected); // one byte at a time
  });

  it('drops a stream whose event outgrows the buffer limit, closing the connection', async () => {
    let cancelled = false;
    const huge = encoder.encode(`event: job\ndata: ${'x'.repeat(64 * 1024)}`);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(huge); // never a blank line: the event only grows
      },
      cancel() {
        cancelled = true;
      },
    });
    const { client } = clientWith(() => new Response(body, { status: 200 }));
    const jobs: unknown[] = [];
    await expect(client.followJobs(2, (job) => jobs.push(job), new AbortController().signal)).rejects.toMatchObject({ code: 'bad-response', message: expect.stringContaining(`${MAX_EVENT_CHARS}`) });
    expect([cancelled, jobs]).toEqual([true, []]);
  });

  it('reports a stream that breaks off as unreachable, and resolves when the caller aborts', async () => {
    let pulls = 0;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(encoder.encode('event: job\ndata: {"id":1}\n\n'));
        else controller.error(new TypeError('network error'));
      },
    });
    const jobs: unknown[] = [];
    await expect(clientWith(() => new Response(broken)).client.followJobs(2, (job) => jobs.push(job), new AbortController().signal)).rejects.toMatchObject({ code: 'server-unreachable', message: expect.stringContaining('network error') });
    expect(jobs).toEqual([{ id: 1 }]);
    const abort = new AbortController();
    const { client } = clientWith(({ init }) => {
      // As fetch does: aborting the request errors the body being read.
      const endless = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(': connected\n\n'));
          init.signal!.addEventListener('abort', () => controller.error(init.signal!.reason));
        },
      });
      return new Response(endless);
    });
    const following = client.followJobs(2, () => undefined, abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 10));
    abort.abort();
    await expect(following).resolves.toBeUndefined();
  });
});

const encoder = new TextEncoder();

/** A 200 `text/event-stream` answer streaming `chunks` (text or bytes), then ending. */
function eventStream(chunks: (string | Uint8Array)[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

/** The jobs `followJobs` reports for a stream arriving in `chunks`. */
async function jobsOf(chunks: Uint8Array[]): Promise<unknown[]> {
  const jobs: unknown[] = [];
  await clientWith(() => eventStream(chunks)).client.followJobs(1, (job) => jobs.push(job), new AbortController().signal);
  return jobs;
}
