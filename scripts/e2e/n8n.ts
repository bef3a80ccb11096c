/**
 * A real n8n for the end-to-end runs: the pinned n8n installed by `install-n8n.sh`, a fresh user
 * folder with this package installed into `.n8n/nodes/node_modules` the way n8n installs a community
 * package (package.json and dist/ only, no node_modules of its own, so `require('n8n-workflow')`
 * gets n8n's own copy), its CLI, and one long-running
 * n8n process (`n8n start`, or `n8n worker` / `n8n webhook` in queue mode) as a child process that
 * is stopped by its pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import {
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/** The package root, linked into n8n as `n8n-nodes-kirin`. */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
	return await new Promise((resolvePort, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

/** An installed n8n release and the Node.js binary that runs it. */
export interface N8nInstall {
	/** n8n's `bin/n8n` script. */
	n8nBin: string;
	/** The node binary that runs it. */
	nodeBin: string;
	/** The exact n8n version, e.g. `1.123.81`. */
	version: string;
}

/** Which n8n to install and run; each field falls back to an environment variable, then a default. */
export interface N8nChoice {
	/** An exact version or an npm range (`1.123.x`, `latest`); `N8N_VERSION`, default `2.41.1`. */
	version?: string;
	/**
	 * The Node.js major version to run n8n with (`20`, `22`, `24`), or `system` for the node on PATH;
	 * `KIRIN_E2E_NODE`, default: the newest of 24, 22 and 20 that the release's `engines.node` allows.
	 */
	node?: string;
}

/** The n8n version the end-to-end runs use when none is asked for. */
export const DEFAULT_N8N_VERSION = '2.41.1';

/**
 * Whether the newest release of a Node.js major version satisfies an `engines.node` range such as
 * `>=20.19 <=24.x`, `>=18.17 <= 22` or `>=24.0.0` (npm's comparators, X-ranges, `^`, `~`, `||`;
 * no hyphen ranges or prereleases). The newest release stands for the major because that is what
 * installing `node@<major>` gives.
 *
 * @param engines the range; empty or `*` admits every major
 * @param major e.g. 22
 */
export function nodeMajorSatisfies(engines: string, major: number): boolean {
	const version = [major, Infinity, Infinity];
	const compare = (bound: number[]) =>
		version[0] - bound[0] || version[1] - bound[1] || version[2] - bound[2];
	return engines.split('||').some((range) =>
		range
			.trim()
			.replace(/([<>=~^]+)\s+/g, '$1')
			.split(/\s+/)
			.filter((comparator) => comparator && comparator !== '*')
			.every((comparator) => {
				const match = /^(>=|<=|>|<|=|~|\^)?v?(\d+|x|\*)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(
					comparator,
				);
				if (!match) return false;
				const op = match[1] ?? '=';
				const parts = match
					.slice(2, 5)
					.map((part) => (/^\d+$/.test(part ?? '') ? Number(part) : undefined));
				const fixed = parts.findIndex((part) => part === undefined);
				const given = fixed < 0 ? 3 : fixed; // how many leading parts are numbers
				if (given === 0) return true;
				const low = [0, 1, 2].map((index) => (index < given ? parts[index]! : 0));
				// The first version past the partial version: 22 -> 23.0.0, 22.1 -> 22.2.0.
				const next =
					given === 3
						? undefined
						: low.map((part, index) =>
								index < given - 1 ? part : index === given - 1 ? part + 1 : 0,
							);
				switch (op) {
					case '>=':
						return compare(low) >= 0;
					case '>':
						return next ? compare(next) >= 0 : compare(low) > 0;
					case '<':
						return compare(low) < 0;
					case '<=':
						return next ? compare(next) < 0 : compare(low) <= 0;
					case '^':
						return compare(low) >= 0 && version[0] === low[0];
					case '~':
						return compare(low) >= 0 && compare([low[0], low[1] + 1, 0]) < 0;
					default:
						return compare(low) >= 0 && (next ? compare(next) < 0 : compare(low) === 0);
				}
			}),
	);
}

/**
 * The Node.js major to run an n8n release with: the newest of 24, 22 and 20 its `engines.node`
 * allows (24 when it allows none of them).
 */
export function defaultNodeMajor(engines: string | undefined): number {
	for (const major of [24, 22, 20]) if (nodeMajorSatisfies(engines ?? '', major)) return major;
	return 24;
}

/** Runs npm and returns its stdout, or undefined when it fails (offline, unknown version). */
function npmOutput(args: string[]): string | undefined {
	const result = spawnSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
	return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The cache folder `install-n8n.sh` uses. */
export function e2eCache(): string {
	return (
		process.env.KIRIN_E2E_CACHE ??
		join(
			process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? tmpdir(), '.cache'),
			'n8n-nodes-kirin-e2e',
		)
	);
}

/** `engines.node` of an n8n release: from its cached install, else from the registry. */
function n8nEngines(version: string): string | undefined {
	try {
		const manifest = JSON.parse(
			readFileSync(
				join(e2eCache(), `n8n-${version}`, 'node_modules', 'n8n', 'package.json'),
				'utf8',
			),
		) as { engines?: { node?: string } };
		return manifest.engines?.node;
	} catch {
		return npmOutput(['view', `n8n@${version}`, 'engines.node']) || undefined;
	}
}

/**
 * Installs (once; later calls find it cached) the n8n release asked for and the Node.js that runs
 * it, with `install-n8n.sh`.
 *
 * @param choice the version and the Node.js major (see {@link N8nChoice})
 * @throws Error when the install fails (the script's output, on stderr, says why)
 */
export function installN8n(choice: N8nChoice = {}): N8nInstall {
	const spec = choice.version ?? process.env.N8N_VERSION ?? DEFAULT_N8N_VERSION;
	let version = spec;
	if (!/^\d+\.\d+\.\d+$/.test(spec)) {
		const listed = npmOutput(['view', `n8n@${spec}`, 'version', '--json']);
		const versions = listed ? ([] as string[]).concat(JSON.parse(listed) as string | string[]) : [];
		version = versions.sort(compareVersions).pop() ?? '';
		if (!version) {
			const prefix = spec.replace(/x.*$/, '');
			const cached = readdirSafe(e2eCache())
				.map((entry) => /^n8n-(\d+\.\d+\.\d+)$/.exec(entry)?.[1])
				.filter((found): found is string => !!found && found.startsWith(prefix))
				.sort(compareVersions);
			version = cached.pop() ?? '';
		}
		if (!version) throw new Error(`no n8n release matches ${spec}`);
	}
	const node =
		choice.node ?? process.env.KIRIN_E2E_NODE ?? String(defaultNodeMajor(n8nEngines(version)));
	const result = spawnSync('bash', [join(PACKAGE_ROOT, 'scripts/e2e/install-n8n.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
		env: { ...process.env, N8N_VERSION: version, KIRIN_E2E_NODE: node },
	});
	if (result.status !== 0) throw new Error(`installing n8n ${version} failed`);
	const printed = Object.fromEntries(
		result.stdout
			.trim()
			.split('\n')
			.map((line) => /^(\w+)=(.*)$/.exec(line))
			.filter((match): match is RegExpExecArray => !!match)
			.map((match) => [match[1], match[2]]),
	);
	return { n8nBin: printed.n8n, nodeBin: printed.node, version: printed.version };
}

/** Orders `x.y.z` versions numerically. */
export function compareVersions(a: string, b: string): number {
	const [p, q] = [a, b].map((version) => version.split('.').map(Number));
	return p[0] - q[0] || p[1] - q[1] || p[2] - q[2];
}

function readdirSafe(dir: string): string[] {
	try {
		return readdirSync(dir);
	} catch {
		return [];
	}
}

/**
 * Puts the built package into `folder` as n8n's community package installer leaves it (replacing
 * what an earlier call put there): the dist/
 * files (copied: a link would make Node resolve `n8n-workflow` from this repository's
 * devDependencies instead of n8n's own copy, found through the NODE_PATH n8n sets) and package.json
 * without devDependencies and peerDependencies.
 *
 * @throws Error when dist/ is missing (build first)
 */
export function installPackage(folder: string): void {
	const dist = join(PACKAGE_ROOT, 'dist');
	if (!existsSync(dist)) throw new Error(`${dist} is missing: run npm run build first`);
	rmSync(join(folder, 'dist'), { recursive: true, force: true });
	mkdirSync(folder, { recursive: true });
	cpSync(dist, join(folder, 'dist'), { recursive: true });
	const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Record<
		string,
		unknown
	>;
	delete manifest.devDependencies;
	delete manifest.peerDependencies;
	writeFileSync(join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
}

/** The pids of the live processes whose parent is `pid` (read from /proc; empty elsewhere). */
export function childPids(pid: number): number[] {
	const children: number[] = [];
	let entries: string[] = [];
	try {
		entries = readdirSync('/proc');
	} catch {
		return children;
	}
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			// /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[1]) === pid && fields[0] !== 'Z') children.push(Number(entry));
		} catch {
			// the process ended meanwhile
		}
	}
	return children;
}

/** Whether a process with this pid still runs (signal 0). */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Which n8n process an instance runs, and how to tell that it is ready. */
export interface N8nProcessOptions {
	/** `start` (default), or `worker` / `webhook` for queue mode. */
	command?: 'start' | 'worker' | 'webhook';
	/** Extra arguments, e.g. `--concurrency=10` for a worker. */
	args?: string[];
	/** The URL that answers 200 once the process is ready; default `<url>/healthz/readiness`. */
	readyUrl?: string;
	/** How long to wait for readiness; default 300 s (a busy machine starts n8n slowly). */
	timeoutMs?: number;
}

/** One n8n instance: a user folder, ports, environment, and the process it started. */
export class N8nInstance {
	readonly userFolder: string;
	readonly port: number;
	readonly brokerPort: number;
	readonly url: string;
	private server: ChildProcess | undefined;
	private serverLog = '';
	private serverChildren = new Set<number>();
	private lineListeners: Array<(line: string, at: number) => void> = [];
	private partialLine = '';

	private constructor(
		private readonly install: { n8nBin: string; nodeBin: string; version?: string },
		port: number,
		brokerPort: number,
		private readonly extraEnv: Record<string, string>,
	) {
		this.userFolder = mkdtempSync(join(tmpdir(), 'kirin-e2e-n8n-'));
		this.port = port;
		this.brokerPort = brokerPort;
		this.url = `http://127.0.0.1:${port}`;
		installPackage(this.packageFolder);
	}

	/** Where the package is installed in the user folder. */
	get packageFolder(): string {
		return join(this.userFolder, '.n8n', 'nodes', 'node_modules', 'n8n-nodes-kirin');
	}

	/** A new instance on free ports, with this package installed in its user folder. */
	static async create(
		install: { n8nBin: string; nodeBin: string; version?: string },
		extraEnv: Record<string, string> = {},
	): Promise<N8nInstance> {
		return new N8nInstance(install, await freePort(), await freePort(), extraEnv);
	}

	/** The n8n version, when the install says it. */
	get version(): string | undefined {
		return this.install.version;
	}

	/** The pid of the running n8n process, or undefined. */
	get pid(): number | undefined {
		return this.server && this.server.exitCode === null && this.server.signalCode === null
			? this.server.pid
			: undefined;
	}

	/** Calls `listener` with each line the process prints (stdout and stderr) and when it arrived (ms). */
	onLine(listener: (line: string, at: number) => void): void {
		this.lineListeners.push(listener);
	}

	/** The environment every n8n process of this instance gets. */
	env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
		return {
			PATH: `${resolve(this.install.nodeBin, '..')}:${process.env.PATH ?? ''}`,
			HOME: this.userFolder,
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			WEBHOOK_URL: `${this.url}/`,
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			N8N_ENCRYPTION_KEY: 'kirin-e2e-encryption-key',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_LOG_LEVEL: 'warn',
			DB_SQLITE_POOL_SIZE: '2',
			// isolated-vm is not built (installed with scripts off): n8n 1.x defaults to the `vm`
			// engine that needs it; 2.x already defaults to `legacy`.
			N8N_EXPRESSION_ENGINE: 'legacy',
			...this.extraEnv,
			...overrides,
		};
	}

	/**
	 * Runs an n8n CLI command to its end, without blocking this process (the fake Kirin server and
	 * the receivers run in it and must keep answering).
	 *
	 * @returns its exit code and output; a command still running after `timeoutMs` is killed
	 */
	async cli(
		args: string[],
		overrides: Record<string, string> = {},
		timeoutMs = 180_000,
	): Promise<{ status: number | null; stdout: string; stderr: string }> {
		const started = Date.now();
		const child = spawn(this.install.nodeBin, [this.install.n8nBin, ...args], {
			env: this.env({ N8N_RUNNERS_BROKER_PORT: String(this.brokerPort + 1), ...overrides }),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(
			() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
			timeoutMs,
		);
		const status = await new Promise<number | null>((done) =>
			child.once('close', (code) => done(code)),
		);
		clearTimeout(timer);
		console.log(
			`  n8n ${args[0]}: exit ${status} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
		);
		return { status, stdout, stderr };
	}

	/**
	 * Writes JSON to a file in the user folder and imports it with `n8n import:<kind>`. Workflows
	 * are written as an array (n8n 1.82 reads nothing else), those without `active` with
	 * `active: false`, which n8n 1.85 requires (a NOT NULL column).
	 */
	async import(kind: 'workflow' | 'credentials', data: unknown): Promise<void> {
		const file = join(this.userFolder, `import-${kind}-${Date.now()}.json`);
		if (kind === 'workflow')
			data = (Array.isArray(data) ? data : [data]).map((workflow: object) => ({
				active: false,
				...workflow,
			}));
		writeFileSync(file, JSON.stringify(data));
		const result = await this.cli([`import:${kind}`, `--input=${file}`]);
		if (result.status !== 0)
			throw new Error(`import:${kind} failed: ${result.stdout}\n${result.stderr}`);
	}

	/**
	 * Marks a workflow active for the next `n8n start`: `n8n publish:workflow` (n8n 2.x), or
	 * `n8n update:workflow --active=true` (n8n 1.x, which has no publishing).
	 */
	async publish(workflowId: string): Promise<void> {
		const args = this.install.version?.startsWith('1.')
			? ['update:workflow', `--id=${workflowId}`, '--active=true']
			: ['publish:workflow', `--id=${workflowId}`];
		const result = await this.cli(args);
		if (result.status !== 0)
			throw new Error(`${args[0]} failed: ${result.stdout}\n${result.stderr}`);
	}

	/**
	 * Runs a workflow with `n8n execute --id --rawOutput` and parses the run's JSON (which starts at
	 * the first line that is `{`; the exit code is not trusted alone).
	 */
	async execute(workflowId: string): Promise<{ data: Record<string, unknown>; raw: string }> {
		const result = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], {
			N8N_LOG_LEVEL: 'info',
		});
		const lines = result.stdout.split('\n');
		const start = lines.findIndex((line) => line.startsWith('{'));
		const end = lines.findIndex((line, index) => index > start && line.startsWith('}'));
		if (start < 0 || end < 0)
			throw new Error(`n8n execute printed no run:\n${result.stdout}\n${result.stderr}`);
		return {
			data: JSON.parse(lines.slice(start, end + 1).join('\n')) as Record<string, unknown>,
			raw: result.stdout,
		};
	}

	/**
	 * Starts the instance's n8n process (`n8n start` unless `options.command` says otherwise) and
	 * waits until its readiness URL answers 200.
	 */
	async start(timeoutMs = 300_000, options: N8nProcessOptions = {}): Promise<void> {
		// The package as built now: a rebuild since the last start shows up after a restart.
		installPackage(this.packageFolder);
		const command = options.command ?? 'start';
		const readyUrl = options.readyUrl ?? `${this.url}/healthz/readiness`;
		const wait = options.timeoutMs ?? timeoutMs;
		this.serverChildren.clear();
		const server = spawn(
			this.install.nodeBin,
			[this.install.n8nBin, command, ...(options.args ?? [])],
			{
				env: this.env(),
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		this.server = server;
		const collect = (chunk: Buffer) => {
			const text = chunk.toString();
			this.serverLog = (this.serverLog + text).slice(-200_000);
			if (this.lineListeners.length === 0) return;
			const at = Date.now();
			const lines = (this.partialLine + text).split('\n');
			this.partialLine = lines.pop() ?? '';
			for (const line of lines) for (const listener of this.lineListeners) listener(line, at);
		};
		server.stdout!.on('data', collect);
		server.stderr!.on('data', collect);
		const deadline = Date.now() + wait;
		while (Date.now() < deadline) {
			if (server.exitCode !== null || server.signalCode !== null)
				throw new Error(`n8n ${command} exited:\n${this.serverLog}`);
			try {
				const response = await fetch(readyUrl);
				if (response.ok) {
					this.rememberChildren();
					return;
				}
			} catch {
				// not listening yet
			}
			await new Promise((wake) => setTimeout(wake, 500));
		}
		throw new Error(
			`n8n ${command} did not become ready within ${wait / 1000} s:\n${this.serverLog}`,
		);
	}

	/** Notes the pids of the processes n8n started itself (its task runner), to stop them too. */
	private rememberChildren(): void {
		const pid = this.pid;
		if (pid === undefined) return;
		for (const child of childPids(pid)) this.serverChildren.add(child);
	}

	/** The server's recent output, for failure reports. */
	log(): string {
		return this.serverLog;
	}

	/**
	 * Sends `signal` to the n8n process by its pid and waits until it has exited; after `graceMs` it
	 * sends SIGKILL. Processes n8n started itself (its task runner) that outlive it are then stopped
	 * by their pids too.
	 *
	 * @returns how long the process took to exit, in ms (0 when it was not running)
	 */
	async kill(signal: NodeJS.Signals, graceMs = 15_000): Promise<number> {
		const server = this.server;
		if (
			!server ||
			server.exitCode !== null ||
			server.signalCode !== null ||
			server.pid === undefined
		)
			return 0;
		const pid = server.pid;
		this.rememberChildren();
		const started = Date.now();
		const exited = new Promise<void>((done) => server.once('exit', () => done()));
		process.kill(pid, signal);
		const timer = setTimeout(
			() => server.exitCode === null && server.signalCode === null && process.kill(pid, 'SIGKILL'),
			graceMs,
		);
		await exited;
		clearTimeout(timer);
		const tookMs = Date.now() - started;
		await this.stopChildren();
		return tookMs;
	}

	/** Stops the server by its pid (SIGTERM, then SIGKILL after 15 s). */
	async stop(graceMs = 15_000): Promise<void> {
		await this.kill('SIGTERM', graceMs);
		await this.stopChildren();
	}

	/** Stops, by pid, the remembered child processes that are still alive (SIGTERM, then SIGKILL). */
	private async stopChildren(): Promise<void> {
		const alive = () => [...this.serverChildren].filter(isAlive);
		for (let waited = 0; alive().length > 0 && waited < 3000; waited += 100) {
			await new Promise((wake) => setTimeout(wake, 100));
		}
		for (const pid of alive()) process.kill(pid, 'SIGTERM');
		for (let waited = 0; alive().length > 0 && waited < 5000; waited += 100) {
			await new Promise((wake) => setTimeout(wake, 100));
		}
		for (const pid of alive()) process.kill(pid, 'SIGKILL');
		this.serverChildren.clear();
	}

	/** Removes the user folder (after the process has stopped). */
	remove(): void {
		rmSync(this.userFolder, { recursive: true, force: true });
	}
}
