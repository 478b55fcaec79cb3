import { ApiError } from './apiError';
import { ScanSelectClient } from './scanSelectClient';

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
    const encoder = new TextEncoder();
    const parts = [': connected\n\nid: 1\nevent: job\ndata: {"id":1,"state":"run', 'ning","progress":0.5}\n\n', 'event: other\ndata: x\n\nevent: job\ndata: {"id":1,"state":"succeeded"}\n\n'];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(encoder.encode(part));
        controller.close();
      },
    });
    const { client, calls } = clientWith(() => new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }));
    const jobs: unknown[] = [];
    await client.followJobs(2, (job) => jobs.push(job), new AbortController().signal);
    expect(jobs).toEqual([{ id: 1, state: 'running', progress: 0.5 }, { id: 1, state: 'succeeded' }]);
    expect(calls[0]!.url).toBe('http://server/api/events?project=2');
  });
});
