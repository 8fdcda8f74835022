import fs from 'node:fs';

/**
 * Captures everything the process writes to stdout/stderr: pino writes with fs.write(Sync) on fd 1,
 * Nest's console logger with process.stdout.write. Call `stop()` to restore.
 */
export function captureProcessOutput(): { text: () => string; stop: () => void } {
  const chunks: string[] = [];
  const keep = (fd: unknown, data: unknown) => {
    if ((fd === 1 || fd === 2) && (typeof data === 'string' || Buffer.isBuffer(data))) chunks.push(data.toString());
  };
  const realWrite = fs.write.bind(fs) as (...args: unknown[]) => void;
  const realWriteSync = fs.writeSync.bind(fs) as (...args: unknown[]) => number;
  const write = jest.spyOn(fs, 'write').mockImplementation((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1 && fd !== 2) return realWrite(fd, data, ...rest);
    keep(fd, data);
    const callback = rest.find((r) => typeof r === 'function') as ((e: null, n: number) => void) | undefined;
    const length = typeof data === 'string' ? Buffer.byteLength(data) : Buffer.isBuffer(data) ? data.length : 0;
    // Asynchronous like the real fs.write, so sonic-boom keeps its normal buffering.
    if (callback) process.nextTick(callback, null, length);
  });
  const writeSync = jest.spyOn(fs, 'writeSync').mockImplementation((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1 && fd !== 2) return realWriteSync(fd, data, ...rest);
    keep(fd, data);
    return typeof data === 'string' ? Buffer.byteLength(data) : Buffer.isBuffer(data) ? data.length : 0;
  });
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((data: string | Uint8Array) => {
    chunks.push(data.toString());
    return true;
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((data: string | Uint8Array) => {
    chunks.push(data.toString());
    return true;
  });
  return {
    text: () => chunks.join(''),
    stop: () => {
      write.mockRestore();
      writeSync.mockRestore();
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}
