/**
 * Callback completion in a scaled n8n: queue mode with two webhook processes behind a round-robin
 * proxy (n8n's documented way to scale webhooks), one worker, Redis and PostgreSQL on loopback.
 * WEBHOOK_URL is the proxy, so every callback and every resume goes through it and lands on either
 * webhook process. Each execution is one batch of 20 items (Webhook -> Split Out -> Kirin, Wait for
 * Callback -> HTTP Request to a receiver). Named scenarios:
 *   - batchesResumeOnce: 4 batches; every batch resumes once with its 20 results;
 *   - lostFinalCallbacks: 10 % of final callbacks never delivered; every batch still completes;
 *   - webhookProcessRestart: one webhook process killed and restarted mid-batch;
 *   - mainRestart: n8n main restarted while batches wait.
 * Each prints the status requests per task. Prints "scale-out: N passed, N failed".
 *
 *   npm run test:queue   (runs this after the load and crash scenarios)
 */
import '../../test/harness/setup';

import { chmodSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { startFakeKirin, type FakeKirin } from '../../test/fake-kirin/server';
import { check, expect, results, waitFor } from '../e2e/checks';
import { freePort, installN8n, N8nInstance } from '../e2e/n8n';
import { ensurePackages, Postgres, queueModeEnv, Redis } from './infra';
import { batchWorkflow, BatchReceiver as Receiver, kirinCredential } from './batch';
import { RoundRobinProxy } from './proxy';

type Json = Record<string, unknown>;

const BATCH = 20;
const GENERATION_MS = 4000;
const RESULT_TIMEOUT_MS = 240_000;

/** The running cluster and its helpers. */
export interface Scale {
	root: string;
	redis: Redis;
	postgres: Postgres;
	main: N8nInstance;
	webhooks: N8nInstance[];
	worker: N8nInstance;
	workerHealthPort: number;
	proxy: RoundRobinProxy;
	fake: FakeKirin;
	receiver: Receiver;
}

const scale: Partial<Scale> = {};

/**
 * Starts Redis, PostgreSQL, the fake Kirin server, n8n main, two webhook processes behind the
 * proxy and one worker, with the batch workflow published (path `kirin-scale-batch`).
 *
 * @param completion the Kirin node's Completion (a value or an expression)
 * @param generationMs how long the fake Kirin server takes per video, in milliseconds
 */
export async function startCluster(
	completion = 'callback',
	generationMs = GENERATION_MS,
): Promise<Scale> {
	const install = installN8n();
	ensurePackages();
	const root = mkdtempSync(join(tmpdir(), 'kirin-scale-'));
	chmodSync(root, 0o711);
	scale.root = root;
	const redis = (scale.redis = await Redis.start());
	const postgres = (scale.postgres = await Postgres.start(join(root, 'pg')));
	const fake = (scale.fake = await startFakeKirin({ generationMs }));
	const receiver = (scale.receiver = await new Receiver().start());
	const base = queueModeEnv(redis, postgres, 10);
	const webhooks = [
		await N8nInstance.create(install, base),
		await N8nInstance.create(install, base),
	];
	scale.webhooks = webhooks;
	const proxy = (scale.proxy = await new RoundRobinProxy(
		webhooks.map((webhook) => webhook.url),
	).start());
	const shared = { ...base, WEBHOOK_URL: `${proxy.url}/`, N8N_WEBHOOK_URL: `${proxy.url}/` };
	const main = (scale.main = await N8nInstance.create(install, shared));
	const workerHealthPort = (scale.workerHealthPort = await freePort());
	const worker = (scale.worker = await N8nInstance.create(install, {
		...shared,
		QUEUE_HEALTH_CHECK_ACTIVE: 'true',
		QUEUE_HEALTH_CHECK_PORT: String(workerHealthPort),
	}));
	await main.import('credentials', [kirinCredential(fake)]);
	await main.import('workflow', [
		batchWorkflow(receiver.url, {
			id: 'scaleBatchCallback',
			path: 'kirin-scale-batch',
			completion,
		}),
	]);
	await main.publish('scaleBatchCallback');
	await main.start(180_000);
	for (const webhook of webhooks) await webhook.start(120_000, { command: 'webhook' });
	await worker.start(120_000, {
		command: 'worker',
		args: ['--concurrency=10'],
		readyUrl: `http://127.0.0.1:${workerHealthPort}/healthz/readiness`,
	});
	console.log(
		`  cluster: main ${main.url}, webhook processes ${webhooks.map((w) => w.url).join(' and ')} behind ${proxy.url}`,
	);
	return scale as Scale;
}

/** Starts `count` batches of 20 items labelled `label`; returns the item ids. */
async function startBatches(s: Scale, label: string, count: number): Promise<string[]> {
	const ids: string[] = [];
	for (let batch = 0; batch < count; batch++) {
		const items = Array.from({ length: BATCH }, (_, index) => ({
			id: `${label}-${batch}-${index}`,
			prompt: `${label} batch ${batch} item ${index}`,
		}));
		ids.push(...items.map((item) => item.id));
		const response = await fetch(`${s.proxy.url}/webhook/kirin-scale-batch`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ items }),
		});
		expect(response.status === 200, `starting batch ${batch} answered ${response.status}`);
	}
	return ids;
}

/**
 * Waits until every id has a result, then checks: each id once, each batch in one execution, the
 * status of every result, and the status requests per task.
 *
 * @returns a line with the figures
 */
async function expectEveryResultOnce(s: Scale, label: string, ids: string[]): Promise<string> {
	const started = Date.now();
	const of = () => s.receiver.of(label);
	await waitFor(
		`${ids.length} results of ${label}`,
		() => (of().length >= ids.length ? true : undefined),
		RESULT_TIMEOUT_MS,
		500,
	);
	await new Promise((resolve) => setTimeout(resolve, 2000));
	const delivered = of();
	const seen = new Map<string, number>();
	for (const entry of delivered) seen.set(entry.id, (seen.get(entry.id) ?? 0) + 1);
	const twice = [...seen].filter(([, count]) => count > 1).map(([id]) => id);
	expect(
		twice.length === 0,
		`results delivered more than once (a batch resumed twice?): ${twice.slice(0, 5).join(', ')}`,
	);
	expect(delivered.length === ids.length, `${delivered.length} results for ${ids.length} items`);
	const notCompleted = delivered.filter((entry) => entry.status !== 'completed');
	expect(
		notCompleted.length === 0,
		`${notCompleted.length} results are not completed: ${JSON.stringify(notCompleted.slice(0, 3))}`,
	);
	const executionsPerBatch = new Map<string, Set<string>>();
	for (const entry of delivered) {
		const batch = entry.id.split('-').slice(0, -1).join('-');
		executionsPerBatch.set(
			batch,
			(executionsPerBatch.get(batch) ?? new Set()).add(entry.executionId),
		);
	}
	for (const [batch, executions] of executionsPerBatch) {
		expect(executions.size === 1, `batch ${batch} came out of ${executions.size} executions`);
	}
	const creates = s.fake.ledger
		.creates()
		.filter((entry) => String((entry.body as Json).prompt).startsWith(`${label} `));
	expect(creates.length === ids.length, `${creates.length} creates for ${ids.length} items`);
	const polls = creates.map((entry) => s.fake.ledger.statusPolls(entry.createdTaskId!));
	const mean = polls.reduce((sum, value) => sum + value, 0) / polls.length;
	return `${ids.length} results once, ${creates.length} creates; status requests per task: mean ${mean.toFixed(2)}, max ${Math.max(...polls)}; results after ${((Date.now() - started) / 1000).toFixed(1)} s`;
}

async function batchesResumeOnce(s: Scale): Promise<void> {
	const ids = await startBatches(s, 'once', 4);
	console.log(
		`     ${await expectEveryResultOnce(s, 'once', ids)}; requests by webhook process: ${[...s.proxy.served.values()].join(' / ')}`,
	);
}

async function lostFinalCallbacks(s: Scale): Promise<void> {
	s.fake.setCallbackOptions({ loseFinalCallbacks: 0.1 });
	try {
		const ids = await startBatches(s, 'lost', 3);
		const figures = await expectEveryResultOnce(s, 'lost', ids);
		console.log(`     ${s.fake.lostFinalCallbacks().length} final callbacks lost; ${figures}`);
	} finally {
		s.fake.setCallbackOptions({ loseFinalCallbacks: 0 });
	}
}

async function webhookProcessRestart(s: Scale): Promise<void> {
	const ids = await startBatches(s, 'whrestart', 3);
	await new Promise((resolve) => setTimeout(resolve, GENERATION_MS / 2));
	const victim = s.webhooks[1];
	await victim.kill('SIGKILL');
	await new Promise((resolve) => setTimeout(resolve, 1500));
	await victim.start(120_000, { command: 'webhook' });
	console.log(`     ${await expectEveryResultOnce(s, 'whrestart', ids)}`);
}

async function mainRestart(s: Scale): Promise<void> {
	const ids = await startBatches(s, 'mainrestart', 2);
	await new Promise((resolve) => setTimeout(resolve, 1000));
	await s.main.stop(20_000);
	await s.main.start(180_000);
	console.log(`     ${await expectEveryResultOnce(s, 'mainrestart', ids)}`);
}

/** Stops every process the cluster started and removes its folders. */
export async function teardown(): Promise<void> {
	for (const instance of [scale.worker, ...(scale.webhooks ?? []), scale.main]) {
		try {
			await instance?.stop(20_000);
		} catch {
			// reported by the process check below
		}
	}
	await scale.proxy?.close();
	await scale.receiver?.close();
	await scale.fake?.close();
	await scale.redis?.stop();
	await scale.postgres?.stop();
	for (const instance of [scale.worker, ...(scale.webhooks ?? []), scale.main]) instance?.remove();
	if (scale.root) rmSync(scale.root, { recursive: true, force: true });
}

async function main(): Promise<void> {
	let s: Scale | undefined;
	await check(
		'scale-out: cluster with two webhook processes behind a round-robin proxy starts',
		async () => {
			s = await startCluster();
		},
	);
	if (s) {
		const cluster = s;
		await check(
			'scale-out: 4 batches of 20 in callback mode resume once each, every result once',
			async () => await batchesResumeOnce(cluster),
		);
		await check(
			'scale-out: 10 % of final callbacks lost, every batch still completes',
			async () => await lostFinalCallbacks(cluster),
		);
		await check(
			'scale-out: a webhook process killed and restarted mid-batch loses nothing',
			async () => await webhookProcessRestart(cluster),
		);
		await check(
			'scale-out: n8n main restarted while batches wait loses nothing',
			async () => await mainRestart(cluster),
		);
	}
	await check('scale-out: teardown stops every process', async () => await teardown());
	const failed = results.filter((result) => !result.ok);
	console.log(`\nscale-out: ${results.length - failed.length} passed, ${failed.length} failed`);
	process.exitCode = failed.length ? 1 : 0;
	setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
}

if (require.main === module) void main();
