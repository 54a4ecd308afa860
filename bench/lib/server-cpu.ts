import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';

/**
 * CPU seconds the database server has used (user + system), read from /proc through its pid file
 * when it runs on this machine (scripts/db.sh's server does); null otherwise. Load-independent:
 * what the work costs the server, including InnoDB's background purge and page flushing.
 */
export async function serverCpu(ds: DataSource): Promise<(() => number | null) | null> {
  try {
    const [row] = await ds.query<{ f: string | null }[]>('SELECT @@pid_file AS f');
    if (!row?.f) return null;
    const pid = readFileSync(row.f, 'utf8').trim();
    const read = (): number | null => {
      try {
        // Fields after the command name: utime and stime are the 12th and 13th (clock ticks).
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return null;
      }
    };
    return read() === null ? null : read;
  } catch {
    return null;
  }
}
