import fs from 'node:fs';
import { workerData } from 'node:worker_threads';
import { READ_AHEAD, type ReadAheadData } from './readAhead.ts';

/**
 * The read-ahead thread of parallelParse: reads the files just past the parsers' claim counter, many
 * at a time, so their pages are in memory by the time a parser reads them. What it reads is thrown
 * away; a file it cannot read is the parser's to report. It only ever reads, and ends (or is
 * terminated) when the parse does.
 */
const { absPaths, counters, total } = workerData as ReadAheadData;
const paths = absPaths.split('\u0000');
/** Next file to read ahead. */
let cursor = 0;
/** Chunks in a row that came back from memory: then only one chunk in READ_AHEAD.probeEvery is read. */
let warmChunks = 0;
let chunkNumber = 0;

const claimed = () => Atomics.load(counters, 0);

/** Read files [start, end) with READ_AHEAD.lanes reads in flight; resolves with the time it took. */
function readChunk(start: number, end: number): Promise<number> {
  const began = performance.now();
  let next = start;
  let running = 0;
  return new Promise((resolve) => {
    const lane = (buffer: Buffer) => {
      if (next >= end) {
        if (--running === 0) resolve(performance.now() - began);
        return;
      }
      const path = paths[next++]!;
      // Non-blocking, so a FIFO put where a file was cannot hold one of libuv's threads forever.
      fs.open(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, (openError, fd) => {
        if (openError) return lane(buffer);
        fs.read(fd, buffer, 0, buffer.length, 0, () => fs.close(fd, () => lane(buffer)));
      });
    };
    const lanes = Math.min(READ_AHEAD.lanes, end - start);
    for (let i = 0; i < lanes; i++) {
      running++;
      lane(Buffer.allocUnsafe(READ_AHEAD.readBytes));
    }
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

while (cursor < total) {
  // Files the parsers have claimed are being read already; reading them again would not help.
  cursor = Math.max(cursor, claimed());
  if (cursor >= total) break;
  if (cursor - claimed() >= READ_AHEAD.windowFiles) {
    await pause(READ_AHEAD.waitMs);
    continue;
  }
  const end = Math.min(total, cursor + READ_AHEAD.chunkFiles);
  const probing = warmChunks >= 2;
  if (!probing || chunkNumber % READ_AHEAD.probeEvery === 0) {
    const ms = await readChunk(cursor, end);
    const warm = ms / (end - cursor) < READ_AHEAD.warmMsPerFile;
    warmChunks = warm ? warmChunks + 1 : 0;
  }
  chunkNumber++;
  cursor = end;
}
