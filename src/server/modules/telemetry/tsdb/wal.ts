import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * The write-ahead log of the metrics store: samples are written here before an ingest request is
 * acknowledged, so that they survive a crash of the process (the operating system holds the
 * written pages; like Prometheus, no fsync per request). A checkpoint persists the head and starts
 * a new segment; older segments are then deleted.
 *
 * Segment file: records of `[u32 length][u32 crc32 of payload][payload]`. A torn record at the
 * end (a crash mid-write) fails its length or checksum and ends the replay of that segment.
 */
export class Wal {
  private fd: number;
  private segment: number;
  private size = 0;
  private readonly dir: string;

  private constructor(dir: string, segment: number) {
    this.dir = dir;
    this.segment = segment;
    this.fd = fs.openSync(segmentPath(dir, segment), 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  /** Opens the log in `dir`, appending to a new segment after the existing ones. */
  static open(dir: string): Wal {
    fs.mkdirSync(dir, { recursive: true });
    const last = listSegments(dir).at(-1) ?? 0;
    return new Wal(dir, last + 1);
  }

  /** Bytes written to the current segment. */
  get segmentBytes(): number {
    return this.size;
  }

  /** Appends one record; when this returns, the record survives a crash of the process. */
  append(payload: Uint8Array): void {
    const header = Buffer.allocUnsafe(8);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    writeFully(this.fd, header);
    writeFully(this.fd, payload);
    this.size += 8 + payload.length;
  }

  /** Starts a new segment; returns the number of the last closed one (all up to it may be removed once persisted). */
  rotate(): number {
    fs.closeSync(this.fd);
    const closed = this.segment;
    this.segment++;
    this.fd = fs.openSync(segmentPath(this.dir, this.segment), 'a');
    this.size = 0;
    return closed;
  }

  /** Deletes segments up to and including `upTo`. */
  removeUpTo(upTo: number): void {
    for (const n of listSegments(this.dir)) if (n <= upTo) fs.rmSync(segmentPath(this.dir, n), { force: true });
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /** Every intact record of the existing segments, oldest first. */
  static *replay(dir: string): Generator<Buffer> {
    if (!fs.existsSync(dir)) return;
    for (const n of listSegments(dir)) {
      const data = fs.readFileSync(segmentPath(dir, n));
      let pos = 0;
      while (pos + 8 <= data.length) {
        const len = data.readUInt32LE(pos);
        const sum = data.readUInt32LE(pos + 4);
        if (pos + 8 + len > data.length) break;
        const payload = data.subarray(pos + 8, pos + 8 + len);
        if (crc32(payload) !== sum) break;
        yield payload;
        pos += 8 + len;
      }
    }
  }
}

function writeFully(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function segmentPath(dir: string, n: number): string {
  return path.join(dir, `${String(n).padStart(8, '0')}.wal`);
}

function listSegments(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .map((f) => /^(\d{8})\.wal$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}
