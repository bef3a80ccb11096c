/**
 * Batch benchmark: real n8n workflow executions (n8n-core WorkflowExecute) of the built Kirin node
 * against the fake Kirin server with a simulated generation time T, all in one process and one run,
 * so every ratio compares figures measured together. Prints a markdown table.
 *
 *   npm run bench                 T = 3 s, poll interval 0.5 s
 *   npm run bench -- --quick      T = 1 s, poll interval 0.2 s (smaller batches)
 */
import '../test/harness/setup';

import { cpus } from 'os';

import { startFakeKirin, type FakeKirin } from '../test/fake-kirin/server';
import { errorOf, outputOf, runWorkflow } from '../test/harness/harness';
import { N8nWebhookServer } from '../test/harness/webhooks';
import { kirinWorkflow } from '../test/harness/workflows';

const quick = process.argv.includes('--quick');
const T_MS = quick ? 1000 : 3000;
const INTERVAL_S = quick ? 0.2 : 0.5;
const BIG = quick ? 20 : 50;

interface Measured {
	label: string;
	items: number;
	wallMs: number;
	pollsPerTask?: { max: number; mean: number };
}

function items(count: number) {
	return Array.from({ length: count }, (_, index) => ({
		json: { prompt: `product shot number ${index}` },
	}));
}

function generate(options: Record<string, unknown>, completion = 'poll') {
	return {
		operation: 'generate',
		model: 'kirin_v2_5_turbo_t2v',
		prompt: '={{ $json.prompt }}',
		completion,
		options: { pollInterval: INTERVAL_S, ...options },
	};
}

function pollsPerTask(fake: FakeKirin, since: number): { max: number; mean: number } {
	const taskIds = fake.ledger
		.creates()
		.filter((entry) => entry.at >= since)
		.map((entry) => entry.createdTaskId!);
	const counts = taskIds.map(
		(taskId) =>
			fake.ledger.entries.filter(
				(entry) =>
					entry.at >= since &&
					(entry.kind === 'poll' || entry.kind === 'lookup') &&
					entry.taskId === taskId,
			).length,
	);
	return {
		max: Math.max(...counts),
		mean: counts.reduce((sum, count) => sum + count, 0) / counts.length,
	};
}

async function measure(
	fake: FakeKirin,
	label: string,
	count: number,
	options: Record<string, unknown> = {},
): Promise<Measured> {
	const credentials = { kirinApi: { apiKey: fake.apiKey, baseUrl: fake.url } };
	const since = Date.now();
	const started = performance.now();
	const run = await runWorkflow(kirinWorkflow(generate(options), items(count)), credentials);
	const wallMs = performance.now() - started;
	const error = errorOf(run, 'Kirin');
	if (error) throw new Error(`${label}: ${error.message}`);
	if (outputOf(run, 'Kirin').length !== count) throw new Error(`${label}: wrong item count`);
	return { label, items: count, wallMs, pollsPerTask: pollsPerTask(fake, since) };
}

async function measureSequential(fake: FakeKirin, count: number): Promise<Measured> {
	const credentials = { kirinApi: { apiKey: fake.apiKey, baseUrl: fake.url } };
	const since = Date.now();
	const started = performance.now();
	for (let index = 0; index < count; index++) {
		const run = await runWorkflow(kirinWorkflow(generate({}), items(1)), credentials);
		if (errorOf(run, 'Kirin')) throw new Error('sequential baseline failed');
	}
	return {
		label: `${count} items, one task at a time (create, wait, next: the peer nodes' way)`,
		items: count,
		wallMs: performance.now() - started,
		pollsPerTask: pollsPerTask(fake, since),
	};
}

async function measureCallback(fake: FakeKirin, count: number): Promise<Measured> {
	const n8n = await new N8nWebhookServer().start();
	try {
		const credentials = { kirinApi: { apiKey: fake.apiKey, baseUrl: fake.url } };
		const since = Date.now();
		const started = performance.now();
		const waiting = await n8n.runUntilWaiting(
			kirinWorkflow(generate({}, 'callback'), items(count)),
			credentials,
		);
		const run = await waiting.finished();
		const wallMs = performance.now() - started;
		if (outputOf(run, 'Kirin').filter((item) => item.json.videoUrl).length !== count) {
			throw new Error('callback mode lost items');
		}
		return {
			label: `${count} items, Wait for Callback`,
			items: count,
			wallMs,
			pollsPerTask: pollsPerTask(fake, since),
		};
	} finally {
		await n8n.close();
	}
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
	const fake = await startFakeKirin({ generationMs: T_MS });
	const rows: Measured[] = [];
	try {
		// Warm-up: loads n8n-core and the package once, so the first measured run is not penalised.
		await measure(fake, 'warm-up', 1, { pollInterval: 0.01 });
		const one = await measure(fake, '1 item', 1);
		const ten = await measure(fake, '10 items', 10);
		const big = await measure(fake, `${BIG} items (Max Concurrency 10)`, BIG);
		const single = await measure(fake, `${BIG} items, Max Concurrency 1`, BIG, {
			maxConcurrency: 1,
		});
		const sequential = await measureSequential(fake, BIG);
		const callback = await measureCallback(fake, BIG);
		rows.push(one, ten, big, single, sequential, callback);

		fake.setGenerationMs(0);
		const overheadRuns = await measure(fake, `${BIG} items, T = 0`, BIG, { pollInterval: 0.001 });

		const limit = T_MS / 1000 / INTERVAL_S + 2;
		console.log(`\nKirin node batch benchmark (${new Date().toISOString().slice(0, 10)})`);
		console.log(
			`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
		);
		console.log(
			`simulated generation time T = ${seconds(T_MS)} s, poll interval ${INTERVAL_S} s\n`,
		);
		console.log('| run | wall time (s) | status requests per task (max / mean) |');
		console.log('|---|---:|---:|');
		for (const row of rows) {
			const polls = row.pollsPerTask
				? `${row.pollsPerTask.max} / ${row.pollsPerTask.mean.toFixed(2)}`
				: '';
			console.log(`| ${row.label} | ${seconds(row.wallMs)} | ${polls} |`);
		}
		console.log('');
		console.log(`wall(${BIG}) / wall(1): ${(big.wallMs / one.wallMs).toFixed(2)} (goal <= 1.25)`);
		console.log(
			`speed-up over one task at a time: ${(sequential.wallMs / big.wallMs).toFixed(1)}x`,
		);
		console.log(`speed-up over Max Concurrency 1: ${(single.wallMs / big.wallMs).toFixed(2)}x`);
		console.log(
			`status requests per task, poll mode: max ${big.pollsPerTask!.max} (goal <= T / interval + 2 = ${limit.toFixed(0)})`,
		);
		console.log(
			`status requests per task, callback mode: max ${callback.pollsPerTask!.max} (goal 0)`,
		);
		console.log(
			`node overhead per item with T = 0: ${(overheadRuns.wallMs / BIG).toFixed(1)} ms (${BIG} items in ${seconds(overheadRuns.wallMs)} s)`,
		);
	} finally {
		await fake.close();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
