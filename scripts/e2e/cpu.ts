import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';

const CLOCK_TICKS =
	Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU time (user + system, all threads) a process has used so far, in milliseconds, read from
 * `/proc/<pid>/stat` (Linux); 0 when the pid is undefined or unknown.
 */
export function cpuMs(pid: number | undefined): number {
	if (pid === undefined) return 0;
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// "pid (comm) state ...": comm may hold spaces and parentheses; utime and stime follow.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
	} catch {
		return 0;
	}
}
