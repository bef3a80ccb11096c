/**
 * Callback against poll in a real n8n, one execution of N items: Webhook -> Split Out -> Kirin ->
 * HTTP Request, whose Completion each batch picks in its request body, with the fake Kirin server
 * (4 s per video; KIRIN_BENCH_VIDEO_SECONDS=30 to change) and a poll interval of 1 s
 * (KIRIN_BENCH_POLL_SECONDS=10, the node's default, to change; single setup only). For each batch size (50, 200, 400 items in one execution; KIRIN_BENCH_SIZES=50,200
 * to change) it runs the batch in poll mode, then in callback mode, and prints the wall time until
 * the last item's result arrived, status requests per task, where the callbacks went (the node's
 * live callback webhook or the resume URL) and the deliveries n8n answered with anything but 2xx,
 * as a markdown table with the callback/poll ratio measured in the same run.
 *
 * Setups (KIRIN_BENCH_SETUP):
 *   single  (default) one n8n in regular mode with SQLite, as most installs run;
 *   queue   the scale-out cluster of `npm run test:queue`: queue mode, two webhook processes behind
 *           a round-robin proxy, one worker, Redis and PostgreSQL.
 *
 *   npm run bench:callback
 */
import '../test/harness/setup';

import { cpus, totalmem } from 'os';

import { startFakeKirin, type FakeKirin } from '../test/fake-kirin/server';
import { waitForPostWebhook } from './e2e/checks';
import { installN8n, N8nInstance } from './e2e/n8n';
import { batchWorkflow, BatchReceiver, kirinCredential } from './queue/batch';
import { startCluster, teardown } from './queue/scaleout';

const SIZES = (process.env.KIRIN_BENCH_SIZES ?? '50,200,400').split(',').map(Number);
const SETUP = process.env.KIRIN_BENCH_SETUP === 'queue' ? 'queue' : 'single';
const GENERATION_MS = Number(process.env.KIRIN_BENCH_VIDEO_SECONDS ?? 4) * 1000;
const POLL_SECONDS = Number(process.env.KIRIN_BENCH_POLL_SECONDS ?? 1);
const COMPLETION = "={{ $('Start').first().json.body.mode }}";

/** A running n8n with the batch workflow published at `/webhook/kirin-scale-batch`. */
interface Bench {
	url: string;
	fake: FakeKirin;
	receiver: BatchReceiver;
	description: string;
	stop(): Promise<void>;
}

async function startSingle(): Promise<Bench> {
	const install = installN8n();
	const fake = await startFakeKirin({ generationMs: GENERATION_MS });
	const receiver = await new BatchReceiver().start();
	const n8n = await N8nInstance.create(install);
	const stop = async () => {
		await n8n.stop(20_000).catch(() => undefined);
		await receiver.close();
		await fake.close();
		n8n.remove();
	};
	try {
		await n8n.import('credentials', [kirinCredential(fake)]);
		await n8n.import('workflow', [
			batchWorkflow(receiver.url, {
				id: 'benchCallback',
				path: 'kirin-scale-batch',
				completion: COMPLETION,
				options: { pollInterval: POLL_SECONDS, timeout: 15 },
			}),
		]);
		await n8n.publish('benchCallback');
		await n8n.start(180_000);
	} catch (error) {
		await stop();
		throw error;
	}
	return {
		url: n8n.url,
		fake,
		receiver,
		description: `one n8n ${install.version ?? ''} in regular mode, SQLite`,
		stop,
	};
}

async function startQueue(): Promise<Bench> {
	const s = await startCluster(COMPLETION, GENERATION_MS);
	return {
		url: s.proxy.url,
		fake: s.fake,
		receiver: s.receiver,
		description: 'n8n queue mode, 2 webhook processes behind a round-robin proxy, 1 worker',
		stop: teardown,
	};
}

interface Figures {
	wallMs: number;
	meanPolls: number;
	maxPolls: number;
	refused: number;
	deliveries: number;
	live: number;
}

async function runBatch(b: Bench, mode: 'poll' | 'callback', size: number): Promise<Figures> {
	const label = `${mode}${size}`;
	const items = Array.from({ length: size }, (_, index) => ({
		id: `${label}-0-${index}`,
		prompt: `${label} item ${index}`,
	}));
	const started = Date.now();
	const response = await fetch(`${b.url}/webhook/kirin-scale-batch`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ mode, items }),
	});
	if (response.status !== 200)
		throw new Error(`starting the ${label} batch answered ${response.status}`);
	const deadline = started + 20 * 60_000;
	const mine = () => b.receiver.of(label);
	while (mine().length < size) {
		if (Date.now() > deadline)
			throw new Error(`${label}: ${mine().length} of ${size} results after 20 minutes`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	const wallMs = Date.now() - started;
	const creates = b.fake.ledger
		.creates()
		.filter((entry) => String((entry.body as { prompt?: string }).prompt).startsWith(`${label} `));
	const polls = creates.map((entry) => b.fake.ledger.statusPolls(entry.createdTaskId!));
	const taskIds = new Set(creates.map((entry) => entry.createdTaskId));
	const deliveries = b.fake.ledger.callbacks().filter((attempt) => taskIds.has(attempt.taskId));
	return {
		wallMs,
		meanPolls: polls.reduce((sum, value) => sum + value, 0) / Math.max(1, polls.length),
		maxPolls: Math.max(0, ...polls),
		refused: deliveries.filter((attempt) => !(attempt.httpStatus && attempt.httpStatus < 300))
			.length,
		deliveries: deliveries.length,
		live: deliveries.filter((attempt) => !attempt.url.includes('/webhook-waiting/')).length,
	};
}

async function main(): Promise<void> {
	const bench = SETUP === 'queue' ? await startQueue() : await startSingle();
	try {
		await waitForPostWebhook(bench.url, 'kirin-scale-batch');
		const rows: string[] = [];
		for (const size of SIZES) {
			const poll = await runBatch(bench, 'poll', size);
			const callback = await runBatch(bench, 'callback', size);
			const where =
				callback.live === callback.deliveries
					? 'live webhook'
					: callback.live === 0
						? 'resume URL'
						: `${callback.live} live, ${callback.deliveries - callback.live} resume URL`;
			const line = `| ${size} | ${(poll.wallMs / 1000).toFixed(1)} s | ${(callback.wallMs / 1000).toFixed(1)} s | ${(callback.wallMs / poll.wallMs).toFixed(2)} | ${poll.meanPolls.toFixed(2)} / ${poll.maxPolls} | ${callback.meanPolls.toFixed(2)} / ${callback.maxPolls} | ${where} | ${callback.refused} of ${callback.deliveries} |`;
			console.log(line);
			rows.push(line);
		}
		console.log(
			`\nmachine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}; ${bench.description}; fake video ${GENERATION_MS / 1000} s; poll interval ${SETUP === 'queue' ? 1 : POLL_SECONDS} s\n`,
		);
		console.log(
			'| items in one execution | poll | callback | callback / poll | status requests per task, poll (mean / max) | callback (mean / max) | callbacks went to | callback deliveries answered non-2xx |',
		);
		console.log('|---|---|---|---|---|---|---|---|');
		for (const row of rows) console.log(row);
	} finally {
		await bench.stop();
	}
}

main().then(
	() => setTimeout(() => process.exit(0), 500).unref(),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
