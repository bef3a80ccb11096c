/**
 * What n8n's queue mode needs besides n8n, run by hand on 127.0.0.1 in a temp folder: Debian's
 * redis-server and a PostgreSQL 15 cluster. Each is one child process, stopped by its pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';

import { freePort } from '../e2e/n8n';

/** The folder of PostgreSQL 15's programs (Debian's layout), or the one `initdb` on PATH lives in. */
function postgresBin(): string {
	for (const dir of ['/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin']) {
		if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
	}
	return '';
}

function onPath(program: string): boolean {
	return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs Debian's redis-server and postgresql when they are missing (apt-get, as root or through
 * `sudo -n`). Returns what it did, for the log.
 */
export function ensurePackages(): string[] {
	const missing: string[] = [];
	if (!onPath('redis-server')) missing.push('redis-server');
	if (!postgresBin()) missing.push('postgresql');
	if (missing.length === 0) return [];
	const asRoot = process.getuid?.() === 0;
	const prefix = asRoot ? [] : ['sudo', '-n'];
	const run = (args: string[]) => {
		const [command, ...rest] = [...prefix, ...args];
		const result = spawnSync(command, rest, {
			stdio: ['ignore', 'inherit', 'inherit'],
			env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
			timeout: 600_000,
		});
		if (result.status !== 0)
			throw new Error(
				`${args.join(' ')} failed (exit ${result.status}); install ${missing.join(' and ')} by hand`,
			);
	};
	console.log(`  installing ${missing.join(', ')} with apt-get`);
	run(['apt-get', 'update', '-q']);
	run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing]);
	return missing;
}

/** A child process that must be up before `ready()` resolves, stopped by its pid. */
class Service {
	private log = '';
	constructor(
		readonly name: string,
		readonly child: ChildProcess,
	) {
		const collect = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-20_000));
		child.stdout?.on('data', collect);
		child.stderr?.on('data', collect);
	}

	get pid(): number | undefined {
		return this.child.exitCode === null && this.child.signalCode === null
			? this.child.pid
			: undefined;
	}

	output(): string {
		return this.log;
	}

	/** Sends `signal` to the pid and waits for the exit; SIGKILL after 20 s. */
	async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
		const pid = this.pid;
		if (pid === undefined) return;
		const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
		process.kill(pid, signal);
		const timer = setTimeout(() => this.pid !== undefined && process.kill(pid, 'SIGKILL'), 20_000);
		await exited;
		clearTimeout(timer);
	}
}

async function until(
	what: string,
	service: Service,
	probe: () => Promise<boolean>,
	timeoutMs = 60_000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (service.pid === undefined) throw new Error(`${what} exited:\n${service.output()}`);
		if (await probe().catch(() => false)) return;
		await new Promise((wake) => setTimeout(wake, 200));
	}
	throw new Error(`${what} was not ready within ${timeoutMs / 1000} s:\n${service.output()}`);
}

/** Runs a program to its end without blocking the event loop. */
export async function run(
	command: string,
	args: string[],
	options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; timeoutMs?: number } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
	const child = spawn(command, args, {
		env: options.env ?? process.env,
		uid: options.uid,
		gid: options.gid,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const timer = setTimeout(
		() => child.exitCode === null && child.pid && process.kill(child.pid, 'SIGKILL'),
		options.timeoutMs ?? 60_000,
	);
	const status = await new Promise<number | null>((done) => {
		child.once('error', () => done(-1));
		child.once('close', (code) => done(code));
	});
	clearTimeout(timer);
	return { status, stdout, stderr };
}

/** redis-server on 127.0.0.1 and a free port, no persistence. */
export class Redis {
	private constructor(
		readonly port: number,
		private readonly service: Service,
	) {}

	static async start(): Promise<Redis> {
		const port = await freePort();
		const child = spawn(
			'redis-server',
			[
				'--port',
				String(port),
				'--bind',
				'127.0.0.1',
				'--save',
				'',
				'--appendonly',
				'no',
				'--protected-mode',
				'yes',
			],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		const service = new Service('redis-server', child);
		await until(
			'redis-server',
			service,
			async () =>
				(await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'])).stdout.trim() ===
				'PONG',
		);
		return new Redis(port, service);
	}

	get pid(): number | undefined {
		return this.service.pid;
	}

	async stop(): Promise<void> {
		await this.service.stop('SIGTERM');
	}
}

/**
 * A PostgreSQL cluster made with initdb in `folder` (whose parent the cluster's user must be able
 * to enter), listening on 127.0.0.1 only (no Unix socket
 * outside the folder), with one database and a password user for n8n. PostgreSQL refuses to run as
 * root, so as root it runs as the `postgres` system user (Debian's package creates it) or `nobody`.
 */
export class Postgres {
	readonly user = 'n8n';
	readonly password = 'kirin-queue-e2e';
	readonly database = 'n8n';

	private constructor(
		readonly port: number,
		readonly dataDir: string,
		private readonly bin: string,
		private readonly service: Service,
	) {}

	static async start(folder: string): Promise<Postgres> {
		const bin = postgresBin();
		if (!bin) throw new Error('PostgreSQL 15 (initdb, postgres) not found');
		const owner: { uid?: number; gid?: number } = {};
		if (process.getuid?.() === 0) {
			for (const name of ['postgres', 'nobody']) {
				const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
				const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
				if (id.status === 0 && gid.status === 0) {
					owner.uid = Number(id.stdout.trim());
					owner.gid = Number(gid.stdout.trim());
					break;
				}
			}
			if (owner.uid === undefined)
				throw new Error('no non-root user (postgres or nobody) to run PostgreSQL as');
		}
		const dataDir = join(folder, 'pgdata');
		const socketDir = join(folder, 'pgsocket');
		const pwFile = join(folder, 'pgpass');
		mkdirSync(dataDir, { recursive: true });
		mkdirSync(socketDir, { recursive: true });
		writeFileSync(pwFile, 'kirin-queue-e2e\n');
		if (owner.uid !== undefined) {
			for (const path of [folder, dataDir, socketDir, pwFile])
				chownSync(path, owner.uid, owner.gid!);
		}
		chmodSync(dataDir, 0o700);
		const env = { PATH: `${bin}:${process.env.PATH ?? ''}`, LANG: 'C', LC_ALL: 'C', HOME: folder };
		const init = await run(
			join(bin, 'initdb'),
			[
				'-D',
				dataDir,
				'-U',
				'n8n',
				`--pwfile=${pwFile}`,
				'--auth=scram-sha-256',
				'-E',
				'UTF8',
				'--locale=C',
				'--no-sync',
			],
			{ env, ...owner, timeoutMs: 120_000 },
		);
		if (init.status !== 0)
			throw new Error(`initdb failed (exit ${init.status}):\n${init.stdout}\n${init.stderr}`);
		const port = await freePort();
		const child = spawn(
			join(bin, 'postgres'),
			[
				'-D',
				dataDir,
				'-p',
				String(port),
				'-c',
				'listen_addresses=127.0.0.1',
				'-c',
				`unix_socket_directories=${socketDir}`,
				'-c',
				'fsync=off',
				'-c',
				'synchronous_commit=off',
				'-c',
				'full_page_writes=off',
				'-c',
				'max_connections=200',
			],
			{ env, ...owner, stdio: ['ignore', 'pipe', 'pipe'] },
		);
		const service = new Service('postgres', child);
		const postgres = new Postgres(port, dataDir, bin, service);
		await until(
			'postgres',
			service,
			async () => (await postgres.psql('select 1', 'postgres')).trim() === '1',
		);
		await postgres.psql(`create database ${postgres.database}`, 'postgres');
		return postgres;
	}

	get pid(): number | undefined {
		return this.service.pid;
	}

	/** Runs SQL with psql; returns the unaligned, tuples-only output (`|` between columns). */
	async psql(sql: string, database = this.database): Promise<string> {
		const result = await run(
			join(this.bin, 'psql'),
			[
				'-h',
				'127.0.0.1',
				'-p',
				String(this.port),
				'-U',
				this.user,
				'-d',
				database,
				'-At',
				'-v',
				'ON_ERROR_STOP=1',
				'-c',
				sql,
			],
			{ env: { ...process.env, PGPASSWORD: this.password, PGCONNECT_TIMEOUT: '5' } },
		);
		if (result.status !== 0)
			throw new Error(`psql failed (exit ${result.status}): ${result.stderr.trim()}`);
		return result.stdout;
	}

	/** Rows of a query, each as its column values. */
	async rows(sql: string): Promise<string[][]> {
		return (await this.psql(sql))
			.split('\n')
			.filter((line) => line.length > 0)
			.map((line) => line.split('|'));
	}

	/** The environment n8n needs to use this database. */
	n8nEnv(): Record<string, string> {
		return {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(this.port),
			DB_POSTGRESDB_DATABASE: this.database,
			DB_POSTGRESDB_USER: this.user,
			DB_POSTGRESDB_PASSWORD: this.password,
		};
	}

	/** Fast shutdown (SIGINT) by the postmaster's pid. */
	async stop(): Promise<void> {
		await this.service.stop('SIGINT');
	}
}

/**
 * The environment every n8n process of a queue-mode cluster shares: queue mode on `redis`, the
 * `postgres` database, one encryption key, the worker and task broker servers on 127.0.0.1.
 *
 * @param gracefulShutdownSeconds how long a stopped process may finish what it runs
 */
export function queueModeEnv(
	redis: Redis,
	postgres: Postgres,
	gracefulShutdownSeconds: number,
): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		...postgres.n8nEnv(),
		N8N_ENCRYPTION_KEY: 'kirin-queue-e2e-encryption-key',
		N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: String(gracefulShutdownSeconds),
	};
}
