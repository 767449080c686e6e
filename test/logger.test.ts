import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, text: () => text };
}

describe('logs', () => {
  it('GIVEN the JSON format THEN each line is JSON with an ISO time', () => {
    const out = capture();
    createLogger('info', out.stream, 'json').info({ guild: 'dm' }, 'bot ready');
    const line = JSON.parse(out.text().trim()) as { time: string; msg: string };
    expect(line.msg).toBe('bot ready');
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('GIVEN the pretty format THEN lines are readable text with a date, never raw JSON', async () => {
    const out = capture();
    const logger = createLogger('info', out.stream, 'pretty');
    logger.warn({ code: 4000 }, 'gateway disconnected');
    logger.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(out.text()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    expect(out.text()).toMatch(/WARN.*gateway disconnected/);
    expect(out.text()).toMatch(/code: 4000/);
    expect(out.text().trim().startsWith('{')).toBe(false);
  });
});
