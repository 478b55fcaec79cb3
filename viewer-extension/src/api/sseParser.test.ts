import { SseParser, type ServerSentEvent } from './sseParser';

function parse(chunks: string[]): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe('SseParser', () => {
  it('reads the server\'s job events: comments skipped, id kept, event type and data', () => {
    const stream = ': connected\n\nid: 7\nevent: job\ndata: {"id":7,"state":"running"}\n\n: keep-alive\n\n';
    expect(parse([stream])).toEqual([{ type: 'job', data: '{"id":7,"state":"running"}', id: '7' }]);
  });

  it('gives the same events however the stream is split, CRLF and CR line ends included', () => {
    const stream = 'event: job\r\ndata: a\r\n\r\ndata: b\rdata: c\r\rid: 9\nevent: job\ndata: {"x": 1}\n\n';
    const whole = parse([stream]);
    expect(whole).toEqual([
      { type: 'job', data: 'a', id: null },
      { type: 'message', data: 'b\nc', id: null },
      { type: 'job', data: '{"x": 1}', id: '9' },
    ]);
    for (let cut = 1; cut < stream.length; cut++) expect(parse([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole);
    expect(parse([...stream])).toEqual(whole); // one character at a time
  });

  it('does not dispatch an event without data, nor an unterminated one', () => {
    expect(parse(['event: job\n\n', 'data: pending'])).toEqual([]);
  });

  it('strips one leading space of a value only, and accepts a field without colon', () => {
    expect(parse(['data:  two spaces\ndata\n\n'])).toEqual([{ type: 'message', data: ' two spaces\n', id: null }]);
  });
});
