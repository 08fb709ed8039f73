/**
 * A streaming reader for tar archives (ustar and GNU long names), enough to walk the file
 * tree `dpkg-deb --fsys-tarfile` prints without writing it to disk.
 */
import type { Readable } from 'node:stream';

export interface TarEntry {
  path: string; // without a leading "./"
  data: Buffer;
}

interface Header {
  path: string;
  type: string;
  size: number;
  keep: boolean; // buffer the body: a wanted file or a GNU long name
}

function cString(block: Buffer, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? slice.length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number): number {
  const text = cString(block, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

class TarParser {
  private header: Header | null = null;
  private longName: string | null = null;
  private body: Buffer[] = [];
  private left = 0; // body bytes still to read, padded to 512

  constructor(private readonly want: (path: string) => boolean, private readonly onEntry: (entry: TarEntry) => void) {}

  /** Consumes whole blocks from `data`; returns how many bytes it used. */
  feed(data: Buffer): number {
    let offset = 0;
    for (;;) {
      if (this.header) {
        if (this.left === 0) {
          this.finish(this.header);
          continue;
        }
        const take = Math.min(this.left, data.length - offset);
        if (take === 0) return offset;
        if (this.header.keep) this.body.push(Buffer.from(data.subarray(offset, offset + take)));
        offset += take;
        this.left -= take;
        continue;
      }
      if (data.length - offset < 512) return offset;
      this.start(data.subarray(offset, offset + 512));
      offset += 512;
    }
  }

  end(): void {
    if (this.header && this.left === 0) this.finish(this.header);
  }

  private start(block: Buffer): void {
    if (block.every((b) => b === 0)) return;
    const name = cString(block, 0, 100);
    const prefix = block.toString('latin1', 257, 262) === 'ustar' ? cString(block, 345, 155) : '';
    const type = block[156] === 0 ? '0' : String.fromCharCode(block[156] as number);
    const size = octal(block, 124, 12);
    const path = (this.longName ?? (prefix ? `${prefix}/${name}` : name)).replace(/^\.\//, '');
    this.longName = null;
    this.header = { path, type, size, keep: type === 'L' || (type === '0' && this.want(path)) };
    this.left = Math.ceil(size / 512) * 512;
    this.body = [];
  }

  private finish(header: Header): void {
    this.header = null;
    if (!header.keep) return;
    const data = Buffer.concat(this.body).subarray(0, header.size);
    this.body = [];
    if (header.type === 'L') this.longName = cString(data, 0, data.length);
    else this.onEntry({ path: header.path, data });
  }
}

/**
 * Calls `onEntry` for each regular file whose path `want` accepts, with its contents; other
 * entries are skipped without being buffered.
 */
export async function readTar(stream: Readable, want: (path: string) => boolean, onEntry: (entry: TarEntry) => void): Promise<void> {
  const parser = new TarParser(want, onEntry);
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    pending = pending.subarray(parser.feed(pending));
  }
  parser.end();
}
