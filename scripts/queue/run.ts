/**
 * Queue mode end to end: n8n's scaling mode with the package, on loopback, offline.
 *
 * Starts Debian's redis-server and a PostgreSQL 15 cluster by hand in a temp folder (installing
 * them with apt-get when missing), n8n main, a webhook process and two workers (`n8n worker
 * --concurrency=10`), each with its own user folder and the package linked into it, the fake Kirin
 * server (4 s generation time) and an HTTP receiver. Each generation is one execution started
 * through a production webhook on the webhook process: Webhook -> Kirin Generate Video (one item)
 * -> HTTP Request posting the result to the receiver (the workflow of `batch.ts`, one item per
 * execution). Named scenarios:
 *   1. loadScenario: 200 generations in poll mode and 200 in callback mode, with one worker and then
 *      with two; every result arrives once and the fake's ledger shows exactly one create per input.
 *      Prints the wall time and the worker time held per generation (from the workers' own
 *      "Worker started/finished execution" log lines: the time a job holds a worker slot);
 *   2. callbackWorkerKilledWhileWaiting: in callback mode, SIGKILL a worker while the executions
 *      wait: nothing is lost; pollWorkerDrainsOnSigterm: in poll mode, SIGTERM a worker mid-batch:
 *      it finishes what it runs before it exits; pollWorkerKilledThenRerun: in poll mode with the
 *      reuse option on, SIGKILL a worker mid-batch, wait until n8n marks its executions failed,
 *      re-run them (the same workflow on the same input items): no second create for any input,
 *      every result arrives;
 *   3. teardown: every process stopped by its pid, the cluster and temp folders removed.
 * Prints "ok ..."/"FAIL ..." lines, a markdown table of the figures and "queue: N passed, N failed".
 * KIRIN_QUEUE_LOAD=20 makes a quick try; KIRIN_QUEUE_LOG_DIR=<dir> keeps each n8n process's output.
 *
 *   npm run test:queue
 */
import '../../test/harness/setup';

import { spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { cpus, tmpdir, totalmem } from 'os';
import { join } from 'path';

import { startFakeKirin, type FakeKirin } from '../../test/fake-kirin/server';
import { check, expect, results, waitFor } from '../e2e/checks';
import { cpuMs } from '../e2e/cpu';
import { freePort, installN8n, isAlive, N8nInstance, type N8nInstall } from '../e2e/n8n';
import { BatchReceiver, batchWorkflow, kirinCredential, type Delivered } from './batch';
import { ensurePackages, Postgres, queueModeEnv, Redis } from './infra';

type Json = Record<string, unknown>;
type Mode = 'poll' | 'callback';

/** The fake server's generation time for the load runs. */
const GENERATION_MS = 4000;
/** Generations per mode and per worker count (KIRIN_QUEUE_LOAD overrides it for a quick try). */
const LOAD = Number(process.env.KIRIN_QUEUE_LOAD ?? 200);
/** Generations in each crash run. */
const CRASH = 20;
/** `n8n worker --concurrency`: n8n's default. */
const WORKER_CONCURRENCY = 10;
/** Faster stalled-job detection than n8n's defaults (60 s lock, 10 s renew, 30 s stalled check). */
const QUEUE_SETTINGS = {
	QUEUE_WORKER_LOCK_DURATION: '10000',
	QUEUE_WORKER_LOCK_RENEW_TIME: '2000',
	QUEUE_WORKER_STALLED_INTERVAL: '5000',
};
/** The whole run is cut off after this, whatever happens. */
const RUN_DEADLINE_MS = 20 * 60_000;

/** The workflows, one execution per webhook call: id and production webhook path. */
const WORKFLOWS = {
	poll: { id: 'queuePoll', path: 'kirin-queue-poll' },
	callback: { id: 'queueCallback', path: 'kirin-queue-callback' },
	crashPoll: { id: 'queueCrashPoll', path: 'kirin-queue-crash-poll' },
	crashCallback: { id: 'queueCrashCallback', path: 'kirin-queue-crash-callback' },
};

/** Rows of the figures table the crash scenarios add: figure, poll mode, callback mode. */
const figures: Array<[string, string, string]> = [];

const sleep = async (ms: number) => await new Promise((wake) => setTimeout(wake, ms));

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One job a worker ran: from its "Worker started execution" to its "Worker finished execution" line. */
interface Job {
	worker: string;
	executionId: string;
	startedAt: number;
	finishedAt?: number;
}

/** Reads the workers' log lines into jobs. */
class JobLog {
	readonly jobs = new Map<string, Job>();

	watch(worker: N8nInstance, name: string): void {
		worker.onLine((line, at) => {
			const match = /Worker (started|finished) execution (\d+) \(job (\d+)\)/.exec(line);
			if (!match) return;
			const [, what, executionId, jobId] = match;
			const key = `${jobId}`;
			if (what === 'started') this.jobs.set(key, { worker: name, executionId, startedAt: at });
			else {
				const job = this.jobs.get(key);
				if (job) job.finishedAt = at;
			}
		});
	}

	/** Jobs of these executions. */
	of(executionIds: Iterable<string>): Job[] {
		const wanted = new Set(executionIds);
		return [...this.jobs.values()].filter((job) => wanted.has(job.executionId));
	}

	/** Executions a worker started and never finished. */
	unfinished(worker: string): string[] {
		return [...this.jobs.values()]
			.filter((job) => job.worker === worker && job.finishedAt === undefined)
			.map((job) => job.executionId);
	}
}

/** The running queue-mode cluster and what every scenario uses. */
interface Queue {
	install: N8nInstall;
	root: string;
	redis: Redis;
	postgres: Postgres;
	main: N8nInstance;
	webhook: N8nInstance;
	workers: Map<string, { instance: N8nInstance; healthPort: number }>;
	jobLog: JobLog;
	fake: FakeKirin;
	receiver: BatchReceiver;
	versions: { node: string; redis: string; postgres: string };
}

/** What has been started so far, for the teardown. */
const queue: Partial<Queue> & Pick<Queue, 'workers'> = { workers: new Map() };
let tornDown = false;

/** Stops every process this run started, by its pid, and removes the temp folders. */
async function teardown(): Promise<string[]> {
	if (tornDown) return [];
	tornDown = true;
	const stopped: string[] = [];
	const problems: string[] = [];
	const stop = async (name: string, pid: number | undefined, action: () => Promise<unknown>) => {
		if (pid === undefined) return;
		try {
			await action();
			if (isAlive(pid)) problems.push(`${name} (pid ${pid}) still runs`);
			else stopped.push(`${name} (pid ${pid})`);
		} catch (error) {
			problems.push(`stopping ${name} (pid ${pid}) failed: ${(error as Error).message}`);
		}
	};
	for (const [name, { instance }] of queue.workers)
		await stop(name, instance.pid, async () => await instance.stop(40_000));
	await stop('webhook', queue.webhook?.pid, async () => await queue.webhook!.stop());
	await stop('main', queue.main?.pid, async () => await queue.main!.stop());
	await stop('redis-server', queue.redis?.pid, async () => await queue.redis!.stop());
	await stop('postgres', queue.postgres?.pid, async () => await queue.postgres!.stop());
	const logDir = process.env.KIRIN_QUEUE_LOG_DIR;
	if (logDir) {
		mkdirSync(logDir, { recursive: true });
		const named: Array<[string, N8nInstance | undefined]> = [
			['main', queue.main],
			['webhook', queue.webhook],
			...[...queue.workers].map(([name, worker]): [string, N8nInstance] => [
				`worker-${name}`,
				worker.instance,
			]),
		];
		for (const [name, instance] of named)
			if (instance) writeFileSync(join(logDir, `${name}.log`), instance.log());
	}
	await queue.receiver?.close();
	await queue.fake?.close();
	for (const instance of [
		queue.main,
		queue.webhook,
		...[...queue.workers.values()].map((worker) => worker.instance),
	])
		instance?.remove();
	if (queue.root) rmSync(queue.root, { recursive: true, force: true });
	if (queue.root && existsSync(queue.root)) problems.push(`${queue.root} is still there`);
	if (problems.length) throw new Error(`${problems.join('; ')} (stopped: ${stopped.join(', ')})`);
	return stopped;
}

function versionOf(command: string, args: string[]): string {
	const result = spawnSync(command, args, { encoding: 'utf8' });
	return (result.stdout || result.stderr || '').trim().split('\n')[0];
}

/**
 * Starts Redis, PostgreSQL, the fake Kirin server, the receiver, n8n main, the webhook process and
 * worker A (worker B is created, not started), with the four workflows published.
 */
async function startCluster(): Promise<Queue> {
	const install = (queue.install = installN8n());
	console.log(`n8n ${install.version} at ${install.n8nBin}`);
	ensurePackages();
	const nodeVersion = versionOf(install.nodeBin, ['--version']);
	const redisVersion = /v=(\S+)/.exec(versionOf('redis-server', ['--version']))?.[1] ?? '?';

	queue.root = mkdtempSync(join(tmpdir(), 'kirin-queue-'));
	chmodSync(queue.root, 0o711); // the cluster's user (postgres) must enter it
	const redis = (queue.redis = await Redis.start());
	const postgres = (queue.postgres = await Postgres.start(join(queue.root, 'pg')));
	const postgresVersion = (await postgres.psql('show server_version')).trim();
	console.log(
		`  redis-server ${redisVersion} (pid ${redis.pid}, port ${redis.port}), PostgreSQL ${postgresVersion} (pid ${postgres.pid}, port ${postgres.port})`,
	);
	queue.versions = { node: nodeVersion, redis: redisVersion, postgres: postgresVersion };
	const fake = (queue.fake = await startFakeKirin({ generationMs: GENERATION_MS }));
	const receiver = (queue.receiver = await new BatchReceiver().start());

	// Every n8n process: the same database, Redis and encryption key; resume URLs point at the
	// webhook process (WEBHOOK_URL, named N8N_WEBHOOK_URL since n8n 2.x; both are set); its own port,
	// task broker port and user folder with the package linked in.
	const queueEnv = { ...queueModeEnv(redis, postgres, 30), ...QUEUE_SETTINGS };
	const webhook = (queue.webhook = await N8nInstance.create(install, queueEnv));
	const shared: Record<string, string> = {
		...queueEnv,
		WEBHOOK_URL: `${webhook.url}/`,
		N8N_WEBHOOK_URL: `${webhook.url}/`,
	};
	const main = (queue.main = await N8nInstance.create(install, shared));
	queue.jobLog = new JobLog();
	await addWorker(queue as Queue, shared, 'A');
	await addWorker(queue as Queue, shared, 'B');

	await main.import('credentials', [kirinCredential(fake)]);
	const workflow = (name: keyof typeof WORKFLOWS, completion: Mode, options: Json) =>
		batchWorkflow(receiver.url, { ...WORKFLOWS[name], input: 'single', completion, options });
	await main.import('workflow', [
		workflow('poll', 'poll', { pollInterval: 1 }),
		workflow('callback', 'callback', {}),
		workflow('crashPoll', 'poll', { pollInterval: 1, reuseWithinHours: 1 }),
		workflow('crashCallback', 'callback', {}),
	]);
	for (const { id } of Object.values(WORKFLOWS)) await main.publish(id);

	let started = Date.now();
	await main.start(180_000);
	console.log(
		`  n8n main ready (pid ${main.pid}, port ${main.port}) after ${seconds(Date.now() - started)}`,
	);
	started = Date.now();
	await webhook.start(120_000, { command: 'webhook' });
	console.log(
		`  n8n webhook ready (pid ${webhook.pid}, port ${webhook.port}) after ${seconds(Date.now() - started)}`,
	);
	await startWorker(queue as Queue, 'A');
	return queue as Queue;
}

/** Creates worker `name` (not started) with its health check port; its jobs go to the job log. */
async function addWorker(q: Queue, env: Record<string, string>, name: string): Promise<void> {
	const healthPort = await freePort();
	const instance = await N8nInstance.create(q.install, {
		...env,
		N8N_LOG_LEVEL: 'info',
		QUEUE_HEALTH_CHECK_ACTIVE: 'true',
		QUEUE_HEALTH_CHECK_PORT: String(healthPort),
	});
	q.jobLog.watch(instance, name);
	q.workers.set(name, { instance, healthPort });
}

/** Starts (or restarts) worker `name` and waits for its readiness check. */
async function startWorker(q: Queue, name: string): Promise<void> {
	const worker = q.workers.get(name)!;
	const started = Date.now();
	await worker.instance.start(120_000, {
		command: 'worker',
		args: [`--concurrency=${WORKER_CONCURRENCY}`],
		readyUrl: `http://127.0.0.1:${worker.healthPort}/healthz/readiness`,
	});
	console.log(
		`  n8n worker ${name} ready (pid ${worker.instance.pid}, health port ${worker.healthPort}) after ${seconds(Date.now() - started)}`,
	);
}

/** Input items: ids `<label>-<n>`, prompts that name the id (and end with `magic`, a prompt marker). */
function inputsFor(
	label: string,
	count: number,
	magic = '',
): Array<{ id: string; prompt: string }> {
	return Array.from({ length: count }, (_, index) => ({
		id: `${label}-${index}`,
		prompt: `A paper crane folds itself, shot ${label}-${index} ${magic}`.trim(),
	}));
}

/** POSTs inputs to a production webhook of the webhook process, a bounded number at a time. */
async function fire(q: Queue, path: string, inputs: Array<{ id: string; prompt: string }>) {
	const failures: string[] = [];
	let next = 0;
	const lane = async () => {
		while (next < inputs.length) {
			const input = inputs[next++];
			try {
				const response = await fetch(`${q.webhook.url}/webhook/${path}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(input),
				});
				await response.text();
				if (response.status !== 200) failures.push(`${input.id}: HTTP ${response.status}`);
			} catch (error) {
				failures.push(`${input.id}: ${(error as Error).message}`);
			}
		}
	};
	await Promise.all(Array.from({ length: 20 }, lane));
	expect(failures.length === 0, `webhook calls failed: ${failures.slice(0, 5).join('; ')}`);
}

/** Creates in the fake's ledger per input id of a label. */
function createsOf(q: Queue, label: string): Map<string, number> {
	const counts = new Map<string, number>();
	for (const entry of q.fake.ledger.creates()) {
		const prompt = (entry.body as Json | undefined)?.prompt;
		const id = /shot (\S+)/.exec(String(prompt))?.[1] ?? '?';
		if (id.startsWith(`${label}-`)) counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

/** Waits until `count` inputs of a label have a result. */
async function waitForResults(
	q: Queue,
	label: string,
	count: number,
	timeoutMs: number,
	what = `${count} results`,
): Promise<void> {
	const arrived = () => new Set(q.receiver.of(label).map((entry) => entry.id)).size;
	await waitFor(what, () => (arrived() >= count ? true : undefined), timeoutMs).catch(
		(error: Error) => {
			throw new Error(
				`${error.message}: ${arrived()} arrived, ${q.fake.ledger.creates().length} creates in all`,
			);
		},
	);
}

/** Checks: every input's result arrived exactly once, completed; exactly one create per input. */
function expectOncePerInput(
	q: Queue,
	label: string,
	inputs: Array<{ id: string }>,
): { delivered: Delivered[]; total: number } {
	const delivered = q.receiver.of(label);
	const perId = new Map<string, number>();
	for (const entry of delivered) perId.set(entry.id, (perId.get(entry.id) ?? 0) + 1);
	const missing = inputs.filter((input) => !perId.has(input.id)).map((input) => input.id);
	const twice = [...perId].filter(([, count]) => count > 1).map(([id]) => id);
	expect(
		missing.length === 0,
		`${missing.length} results missing (${missing.slice(0, 5).join(', ')})`,
	);
	expect(twice.length === 0, `results delivered more than once: ${twice.slice(0, 5).join(', ')}`);
	const notCompleted = delivered.filter(
		(entry) =>
			entry.result.status !== 'completed' || !String(entry.result.videoUrl).endsWith('.mp4'),
	);
	expect(
		notCompleted.length === 0,
		`results not completed: ${JSON.stringify(notCompleted[0]?.result ?? {}).slice(0, 300)}`,
	);
	const creates = createsOf(q, label);
	const total = [...creates.values()].reduce((sum, count) => sum + count, 0);
	const paidTwice = [...creates].filter(([, count]) => count > 1).map(([id]) => id);
	expect(
		paidTwice.length === 0,
		`inputs created twice in the ledger: ${paidTwice.slice(0, 5).join(', ')}`,
	);
	expect(total === inputs.length, `ledger shows ${total} creates for ${inputs.length} inputs`);
	const byExternal = q.fake.ledger.createsByExternalId();
	const duplicatedExternal = Object.entries(byExternal).filter(([, count]) => count > 1);
	expect(
		duplicatedExternal.length === 0,
		`external task ids created twice: ${duplicatedExternal.map(([id]) => id).join(', ')}`,
	);
	return { delivered, total };
}

/** What one load run measured. */
interface LoadFigures {
	wallMs: number;
	/** How long the webhook calls took. */
	firedMs: number;
	/** Worker time held per generation, and per job of an execution in order. */
	heldMs: number;
	phaseMs: number[];
	jobsPerExecution: number;
	/** `A: n, B: m` */
	perWorker: string;
	executionMs: number;
	succeeded: number;
	cpuPerGeneration: Record<'main' | 'webhook' | 'workers', number>;
	/** Callback deliveries to n8n by answer and route. */
	callbackAnswers: string;
}

/** `LOAD` generations in one mode, each checked by {@link expectOncePerInput}; returns the figures. */
async function measureLoad(q: Queue, mode: Mode, workers: number): Promise<LoadFigures> {
	const label = `load-${mode}-${workers}w`;
	const inputs = inputsFor(label, LOAD);
	const cpuOf = (): Record<'main' | 'webhook' | 'workers', number> => {
		const total = (list: Array<number | undefined>) =>
			list.reduce((sum: number, pid) => sum + cpuMs(pid), 0);
		return {
			main: total([q.main.pid]),
			webhook: total([q.webhook.pid]),
			workers: total([...q.workers.values()].map((worker) => worker.instance.pid)),
		};
	};
	const cpuBefore = cpuOf();
	const callbacksBefore = q.fake.ledger.callbacks().length;
	const t0 = Date.now();
	await fire(q, WORKFLOWS[mode].path, inputs);
	const firedMs = Date.now() - t0;
	await waitForResults(q, label, LOAD, 420_000, `${LOAD} ${mode} results`);
	const wallMs = Math.max(...q.receiver.of(label).map((entry) => entry.at)) - t0;
	const cpuAfter = cpuOf();
	const cpuPerGeneration = {
		main: (cpuAfter.main - cpuBefore.main) / LOAD,
		webhook: (cpuAfter.webhook - cpuBefore.webhook) / LOAD,
		workers: (cpuAfter.workers - cpuBefore.workers) / LOAD,
	};
	await sleep(2000); // room for a duplicate to show up
	const answers = new Map<string, number>();
	for (const attempt of q.fake.ledger.callbacks().slice(callbacksBefore)) {
		// Where the callback went: the Kirin node's live callback webhook, or a resume URL.
		const route = new URL(attempt.url).pathname.includes('/webhook-waiting/')
			? 'resume URL'
			: 'live webhook';
		const answer = `${String(attempt.httpStatus ?? attempt.error)} (${route})`;
		answers.set(answer, (answers.get(answer) ?? 0) + 1);
	}
	const callbackAnswers = [...answers]
		.sort()
		.map(([answer, count]) => `${count}× ${answer}`)
		.join(', ');
	const { delivered } = expectOncePerInput(q, label, inputs);
	const executionIds = delivered.map((entry) => entry.executionId);
	const jobs = q.jobLog.of(executionIds).filter((job) => job.finishedAt !== undefined);
	const heldMs =
		jobs.reduce((sum, job) => sum + (job.finishedAt! - job.startedAt), 0) / delivered.length;
	// Callback mode runs two jobs per execution: up to the wait, and after the resume.
	const byExecution = new Map<string, Job[]>();
	for (const job of jobs)
		byExecution.set(job.executionId, [...(byExecution.get(job.executionId) ?? []), job]);
	const phases: number[][] = [];
	for (const list of byExecution.values()) {
		list
			.sort((a, b) => a.startedAt - b.startedAt)
			.forEach((job, index) => (phases[index] ??= []).push(job.finishedAt! - job.startedAt));
	}
	const phaseMs = phases.map((list) => list.reduce((sum, ms) => sum + ms, 0) / list.length);
	const perWorker = new Map<string, number>();
	for (const job of jobs) perWorker.set(job.worker, (perWorker.get(job.worker) ?? 0) + 1);
	const [durations] = await q.postgres.rows(
		`select round(avg(extract(epoch from ("stoppedAt" - "startedAt")) * 1000)), count(*) filter (where status = 'success') from execution_entity where id in (${executionIds.join(',')})`,
	);
	return {
		wallMs,
		firedMs,
		heldMs,
		phaseMs,
		jobsPerExecution: jobs.length / delivered.length,
		perWorker: [...perWorker]
			.sort()
			.map(([name, count]) => `${name}: ${count}`)
			.join(', '),
		executionMs: Number(durations[0]),
		succeeded: Number(durations[1]),
		cpuPerGeneration,
		callbackAnswers,
	};
}

/**
 * Load: `LOAD` generations through the production webhook with `workers` workers running; every
 * result once, one create per input, every execution a success; with two workers, both ran jobs.
 */
async function loadScenario(q: Queue, mode: Mode, workers: number): Promise<LoadFigures> {
	const figuresOfRun = await measureLoad(q, mode, workers);
	expect(
		figuresOfRun.succeeded === LOAD,
		`${figuresOfRun.succeeded} executions succeeded in the database`,
	);
	console.log(
		`     wall ${seconds(figuresOfRun.wallMs)} (webhook calls took ${seconds(figuresOfRun.firedMs)}); worker time held per generation ${seconds(figuresOfRun.heldMs)} in ${figuresOfRun.jobsPerExecution.toFixed(2)} jobs (${figuresOfRun.phaseMs.map(seconds).join(' + ')}); execution start to stop ${seconds(figuresOfRun.executionMs)}; jobs per worker ${figuresOfRun.perWorker}`,
	);
	const cpu = figuresOfRun.cpuPerGeneration;
	console.log(
		`     CPU per generation: webhook process ${cpu.webhook.toFixed(0)} ms, workers ${cpu.workers.toFixed(0)} ms, main ${cpu.main.toFixed(0)} ms${figuresOfRun.callbackAnswers ? `; callback deliveries to n8n: ${figuresOfRun.callbackAnswers}` : ''}`,
	);
	if (workers > 1)
		expect(
			figuresOfRun.perWorker.split(',').length === workers,
			`not every worker ran jobs: ${figuresOfRun.perWorker}`,
		);
	return figuresOfRun;
}

/** Callback mode: SIGKILL worker B while `CRASH` executions wait; nothing is lost. */
async function callbackWorkerKilledWhileWaiting(q: Queue): Promise<void> {
	const workerB = q.workers.get('B')!.instance;
	const label = 'crash-callback';
	const inputs = inputsFor(label, CRASH, '[ms:15000]');
	await fire(q, WORKFLOWS.crashCallback.path, inputs);
	const executions = await waitFor(
		`${CRASH} waiting executions`,
		async () => {
			const rows = await q.postgres.rows(
				`select id, status from execution_entity where "workflowId" = 'queueCrashCallback'`,
			);
			return rows.length === CRASH && rows.every(([, status]) => status === 'waiting')
				? rows.map(([id]) => id)
				: undefined;
		},
		60_000,
		500,
	);
	const onB = q.jobLog.of(executions).filter((job) => job.worker === 'B').length;
	expect(onB > 0, 'worker B ran none of the executions before they waited');
	expect(createsOf(q, label).size === CRASH, `${createsOf(q, label).size} creates before the kill`);
	const pid = workerB.pid;
	await workerB.kill('SIGKILL');
	console.log(
		`     killed worker B (pid ${pid}) with SIGKILL; it had started ${onB} of the ${CRASH} executions, all waiting`,
	);
	await waitForResults(q, label, CRASH, 90_000);
	await sleep(2000);
	expectOncePerInput(q, label, inputs);
	const statuses = await q.postgres.rows(
		`select status, count(*) from execution_entity where "workflowId" = 'queueCrashCallback' group by status`,
	);
	expect(
		statuses.length === 1 && statuses[0][0] === 'success' && Number(statuses[0][1]) === CRASH,
		`execution statuses ${JSON.stringify(statuses)}`,
	);
	const resumedBy = q.fake.ledger
		.callbacks()
		.filter((attempt) => attempt.httpStatus === 200 && attempt.taskStatus === 'completed');
	expect(
		resumedBy.length > 0 &&
			resumedBy.every((attempt) => attempt.url.startsWith(`${q.webhook.url}/webhook`)),
		'callback URLs (the live callback webhook, or resume URLs) do not point at the webhook process (WEBHOOK_URL)',
	);
	figures.push([
		'crash, callback mode: worker killed while executions wait',
		`${onB} of ${CRASH} started on the killed worker`,
		`${CRASH}/${CRASH} results, ${CRASH} creates`,
	]);
}

/**
 * Starts `CRASH` executions labelled `label` through the webhook `path` and waits until the fake
 * has a create for each and worker B has started some of them.
 *
 * @param magic the prompt marker every input ends with, e.g. `[ms:6000]`
 * @returns the inputs, and the jobs worker B has started for them so far
 */
async function startWhileWorkerBRuns(
	q: Queue,
	path: string,
	label: string,
	magic: string,
	createsTimeoutMs: number,
): Promise<{ inputs: Array<{ id: string; prompt: string }>; jobsOnB: () => Job[] }> {
	const inputs = inputsFor(label, CRASH, magic);
	const jobsBefore = new Set(q.jobLog.jobs.keys());
	await fire(q, path, inputs);
	await waitFor(
		`${CRASH} creates`,
		() => (createsOf(q, label).size >= CRASH ? true : undefined),
		createsTimeoutMs,
	);
	const jobsOnB = () =>
		[...q.jobLog.jobs]
			.filter(([key, job]) => !jobsBefore.has(key) && job.worker === 'B')
			.map(([, job]) => job);
	await waitFor(
		'worker B running executions',
		() => (jobsOnB().length > 0 ? true : undefined),
		10_000,
	);
	return { inputs, jobsOnB };
}

/** Poll mode: SIGTERM worker B mid-batch; it stops taking jobs and finishes what it runs. */
async function pollWorkerDrainsOnSigterm(q: Queue): Promise<void> {
	const workerB = q.workers.get('B')!.instance;
	const label = 'drain-poll';
	const { inputs, jobsOnB: onB } = await startWhileWorkerBRuns(
		q,
		WORKFLOWS.poll.path,
		label,
		'[ms:6000]',
		60_000,
	);
	const running = onB().filter((job) => job.finishedAt === undefined).length;
	expect(running > 0, 'worker B had no running execution');
	const exitMs = await workerB.kill('SIGTERM', 45_000);
	const unfinished = onB().filter((job) => job.finishedAt === undefined).length;
	console.log(
		`     worker B exited ${seconds(exitMs)} after SIGTERM, having finished ${running - unfinished} of its ${running} running executions`,
	);
	expect(unfinished === 0, `${unfinished} executions of worker B did not finish`);
	await waitForResults(q, label, CRASH, 60_000);
	await sleep(2000);
	expectOncePerInput(q, label, inputs);
	figures.push([
		'drain: SIGTERM mid-batch',
		`worker exited after ${seconds(exitMs)}, its ${running} running executions finished`,
		'',
	]);
}

/**
 * Poll mode with the reuse option: SIGKILL worker B mid-batch, wait until n8n marks its executions
 * failed, re-run the inputs without a result: nothing is created twice, every result arrives.
 */
async function pollWorkerKilledThenRerun(q: Queue): Promise<void> {
	const workerB = q.workers.get('B')!.instance;
	const label = 'crash-poll';
	const { inputs } = await startWhileWorkerBRuns(
		q,
		WORKFLOWS.crashPoll.path,
		label,
		'[ms:8000]',
		180_000,
	);
	await sleep(500);
	const lost = q.jobLog.unfinished('B');
	expect(lost.length > 0, 'worker B had no running execution to lose');
	const killedAt = Date.now();
	await workerB.kill('SIGKILL');
	console.log(
		`     killed worker B with SIGKILL with ${lost.length} executions running (${lost.join(', ')})`,
	);
	const failed = await waitFor(
		`n8n to mark executions ${lost.join(', ')} failed`,
		async () => {
			const rows = await q.postgres.rows(
				`select id, status from execution_entity where id in (${lost.join(',')})`,
			);
			return rows.length === lost.length &&
				rows.every(([, status]) => status === 'error' || status === 'crashed')
				? rows
				: undefined;
		},
		180_000,
		1000,
	);
	const markedMs = Date.now() - killedAt;
	console.log(
		`     n8n marked them ${[...new Set(failed.map(([, status]) => status))].join('/')} ${seconds(markedMs)} after the kill`,
	);
	await sleep(3000);
	const retried = await q.postgres.rows(
		`select count(*) from execution_entity where "workflowId" = 'queueCrashPoll'`,
	);
	expect(
		Number(retried[0][0]) === CRASH,
		`n8n ran ${retried[0][0]} executions for ${CRASH} inputs (a retry?)`,
	);
	const arrived = new Set(q.receiver.of(label).map((entry) => entry.id));
	const orphaned = inputs.filter((input) => !arrived.has(input.id));
	expect(
		orphaned.length === lost.length,
		`${orphaned.length} inputs without a result, ${lost.length} executions lost`,
	);
	const createsBefore = q.fake.ledger.creates().length;
	const paidWithoutResult = orphaned.filter(
		(input) => createsOf(q, label).get(input.id) === 1,
	).length;
	console.log(
		`     ${paidWithoutResult} tasks were created (paid) by the lost executions, with no result delivered; re-running those ${orphaned.length} inputs`,
	);
	const rerunStarted = Date.now();
	await fire(q, WORKFLOWS.crashPoll.path, orphaned);
	await waitForResults(q, label, CRASH, 90_000);
	const rerunMs = Date.now() - rerunStarted;
	await sleep(2000);
	expectOncePerInput(q, label, inputs);
	expect(
		q.fake.ledger.creates().length === createsBefore,
		`the re-run created ${q.fake.ledger.creates().length - createsBefore} tasks`,
	);
	figures.push([
		'crash, poll mode: SIGKILL mid-batch',
		`${lost.length} executions lost, marked failed after ${seconds(markedMs)}, never retried; ${paidWithoutResult} tasks paid, no result`,
		'',
	]);
	figures.push([
		'crash, poll mode: re-run with reuse on',
		`${orphaned.length} inputs re-run, results after ${seconds(rerunMs)}`,
		`0 new creates; ${CRASH} creates for ${CRASH} inputs`,
	]);
}

/** Prints the machine and the figures of every scenario as a markdown table. */
function printFigures(q: Queue, measured: Record<string, LoadFigures>): void {
	const cpu = cpus()[0]?.model.trim() ?? '?';
	const { node, redis, postgres } = q.versions;
	const machine = `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GB RAM; n8n ${q.install.version} on Node ${node}, Redis ${redis}, PostgreSQL ${postgres}; worker --concurrency=${WORKER_CONCURRENCY}; fake generation time ${GENERATION_MS / 1000} s, poll interval 1 s`;
	const f = (key: string, pick: (figures: LoadFigures) => string) =>
		measured[key] ? pick(measured[key]) : 'n/a';
	const speedup = (mode: string) =>
		measured[`${mode}-1`] && measured[`${mode}-2`]
			? ` (×${(measured[`${mode}-1`].wallMs / measured[`${mode}-2`].wallMs).toFixed(2)})`
			: '';
	const held = (m: LoadFigures) =>
		m.phaseMs.length > 1
			? `${seconds(m.heldMs)} (${m.phaseMs.map(seconds).join(' + ')})`
			: seconds(m.heldMs);
	const rows: Array<[string, string, string]> = [
		[
			`wall time, ${LOAD} generations, 1 worker`,
			f('poll-1', (m) => seconds(m.wallMs)),
			f('callback-1', (m) => seconds(m.wallMs)),
		],
		[
			`wall time, ${LOAD} generations, 2 workers`,
			f('poll-2', (m) => seconds(m.wallMs)) + speedup('poll'),
			f('callback-2', (m) => seconds(m.wallMs)) + speedup('callback'),
		],
		[
			'jobs per worker (2 workers)',
			f('poll-2', (m) => m.perWorker),
			f('callback-2', (m) => m.perWorker),
		],
		['worker time held per generation, 1 worker', f('poll-1', held), f('callback-1', held)],
		['worker time held per generation, 2 workers', f('poll-2', held), f('callback-2', held)],
		[
			'jobs per generation',
			f('poll-2', (m) => m.jobsPerExecution.toFixed(0)),
			f('callback-2', (m) => m.jobsPerExecution.toFixed(0)),
		],
		...(['webhook', 'workers', 'main'] as const).map((name): [string, string, string] => [
			`CPU per generation, ${name === 'webhook' ? 'webhook process' : name} (2 workers)`,
			f('poll-2', (m) => `${m.cpuPerGeneration[name].toFixed(0)} ms`),
			f('callback-2', (m) => `${m.cpuPerGeneration[name].toFixed(0)} ms`),
		]),
		[
			'callback deliveries to n8n per run (2 workers)',
			'',
			f('callback-2', (m) => m.callbackAnswers),
		],
		[
			'execution start to stop (2 workers)',
			f('poll-2', (m) => seconds(m.executionMs)),
			f('callback-2', (m) => seconds(m.executionMs)),
		],
		[
			'creates in the fake ledger per run',
			f('poll-2', () => String(LOAD)),
			f('callback-2', () => String(LOAD)),
		],
		...figures,
	];
	console.log(`\nmachine: ${machine}\n`);
	console.log('| figure | poll mode | callback mode |\n|---|---|---|');
	for (const [name, poll, callback] of rows) console.log(`| ${name} | ${poll} | ${callback} |`);
}

async function main(): Promise<void> {
	const runStarted = Date.now();
	const q = await startCluster();
	const measured: Record<string, LoadFigures> = {};
	const load = async (mode: Mode, workers: number) =>
		await check(
			`load, ${workers} worker${workers > 1 ? 's' : ''}, ${mode} mode: ${LOAD} generations through the production webhook, every result once, ${LOAD} creates`,
			async () => {
				measured[`${mode}-${workers}`] = await loadScenario(q, mode, workers);
			},
		);

	// 1. Load with one worker, then with two.
	await load('poll', 1);
	await load('callback', 1);
	await startWorker(q, 'B');
	await load('poll', 2);
	await load('callback', 2);

	// 2. A worker killed or stopped mid-batch.
	await check(
		`crash, callback mode: SIGKILL worker B while ${CRASH} executions wait; every result arrives once, one create per input`,
		async () => await callbackWorkerKilledWhileWaiting(q),
	);
	await startWorker(q, 'B');
	await check(
		`drain, poll mode: SIGTERM worker B mid-batch; its running executions finish before it exits, every result arrives once`,
		async () => await pollWorkerDrainsOnSigterm(q),
	);
	await startWorker(q, 'B');
	await check(
		`crash, poll mode with reuse on: SIGKILL worker B mid-batch, n8n marks its executions failed, re-running them creates nothing new and every result arrives`,
		async () => await pollWorkerKilledThenRerun(q),
	);

	printFigures(q, measured);
	console.log(`\nrun time before teardown: ${seconds(Date.now() - runStarted)}`);
}

const watchdog = setTimeout(() => {
	console.log(`FAIL the run exceeded ${RUN_DEADLINE_MS / 60_000} minutes`);
	results.push({ name: 'deadline', ok: false });
	void finish(1);
}, RUN_DEADLINE_MS);

let finishing = false;
async function finish(code: number): Promise<void> {
	if (finishing) return;
	finishing = true;
	clearTimeout(watchdog);
	const failedEarly = results.some((result) => !result.ok);
	if (failedEarly) {
		for (const [name, instance] of [
			['main', queue.main],
			['webhook', queue.webhook],
		] as const) {
			if (instance)
				console.log(
					`\n${name} log (last lines):\n${instance.log().split('\n').slice(-15).join('\n')}`,
				);
		}
	}
	let teardownOk = true;
	try {
		const stopped = await teardown();
		console.log(
			`\nteardown: stopped ${stopped.join(', ') || 'nothing'}; removed the cluster and the temp folders`,
		);
	} catch (error) {
		teardownOk = false;
		console.log(`FAIL teardown: ${(error as Error).message}`);
	}
	results.push({ name: 'teardown', ok: teardownOk });
	console.log(`${teardownOk ? 'ok  ' : 'FAIL'} teardown: every process stopped by its pid`);
	const failed = results.filter((result) => !result.ok);
	console.log(`\nqueue: ${results.length - failed.length} passed, ${failed.length} failed`);
	process.exitCode = failed.length || code ? 1 : 0;
	// The fake's keep-alive agent or a stray timer must not keep the process alive.
	setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		console.log(`\n${signal}: tearing down`);
		results.push({ name: signal, ok: false });
		void finish(1);
	});
}

main()
	.then(async () => await finish(0))
	.catch(async (error: unknown) => {
		console.log(`FAIL ${error instanceof Error ? error.message.slice(0, 3000) : String(error)}`);
		results.push({ name: 'setup', ok: false });
		await finish(1);
	});
