/**
 * Callback against poll in a real n8n, one execution of N items: Webhook -> Split Out -> Kirin ->
 * HTTP Request, whose Completion each batch picks in its request body, with the fake Kirin server
 * (4 s per video; KIRIN_BENCH_VIDEO_SECONDS=30 to change) and a poll interval of 1 s
 * (KIRIN_BENCH_POLL_SECONDS=10, the node's default, to change; single setup only). For each batch
 * size (50, 200, 400 items in one execution; KIRIN_BENCH_SIZES=50,200 to change) it runs the batch
 * in poll mode, then in callback mode, and prints the wall time until the last item's result
 * arrived, status requests per task, when the last task was created, where the callbacks went (the
 * node's live callback webhook or the resume URL) and the deliveries n8n answered with anything but
 * 2xx, as a markdown table with the callback/poll ratio measured in the same run. On one n8n it then
 * measures n8n's own cost of one callback request (the node's probe, answered at once) and what the
 * largest batch's deliveries cost at that rate.
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

import { PROBE_BODY } from '../nodes/Kirin/completion/callback/params';

import { startFakeKirin, type FakeKirin } from '../test/fake-kirin/server';
import { waitForPostWebhook } from './e2e/checks';
import { cpuMs } from './e2e/cpu';
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
	/** One n8n only: the Kirin node's live callback webhook and the n8n process's id. */
	floor?: { callbackUrl: string; pid: () => number | undefined };
	stop(): Promise<void>;
}

/**
 * n8n's own cost of one callback request: `count` POSTs of the node's probe (`{kirinProbe: true}`,
 * answered at once without reading anything) to the Kirin node's live callback webhook, 10 at a
 * time, so that what is measured is n8n's routing, loading of the published workflow and answer.
 *
 * @returns CPU time of the n8n process per request and wall time per request, in ms
 */
async function measureFloor(
	floor: NonNullable<Bench['floor']>,
	count = 1000,
): Promise<{ cpuMs: number; wallMs: number }> {
	const fire = async (n: number) => {
		let sent = 0;
		await Promise.all(
			Array.from({ length: 10 }, async () => {
				while (sent++ < n) {
					const response = await fetch(floor.callbackUrl, {
						method: 'POST',
						headers: { 'content-type': 'application/json' },
						body: JSON.stringify(PROBE_BODY),
					});
					if (!response.ok) throw new Error(`the probe was answered ${response.status}`);
					await response.text();
				}
			}),
		);
	};
	await fire(100); // warm-up
	const pid = floor.pid();
	const cpuBefore = cpuMs(pid);
	const started = Date.now();
	await fire(count);
	return { cpuMs: (cpuMs(pid) - cpuBefore) / count, wallMs: (Date.now() - started) / count };
}

async function startSingle(): Promise<Bench> {
	const install = installN8n();
	const fake = await startFakeKirin({ generationMs: GENERATION_MS });
	const receiver = await new BatchReceiver().start();
	const n8n = await N8nInstance.create(install);
	const workflow = batchWorkflow(receiver.url, {
		id: 'benchCallback',
		path: 'kirin-scale-batch',
		completion: COMPLETION,
		options: { pollInterval: POLL_SECONDS, timeout: 15 },
	});
	const kirin = (workflow.nodes as Array<{ type: string; webhookId?: string }>).find(
		(node) => node.type === 'n8n-nodes-kirin.kirin',
	)!;
	const stop = async () => {
		await n8n.stop(20_000).catch(() => undefined);
		await receiver.close();
		await fake.close();
		n8n.remove();
	};
	try {
		await n8n.import('credentials', [kirinCredential(fake)]);
		await n8n.import('workflow', [workflow]);
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
		floor: { callbackUrl: `${n8n.url}/webhook/${kirin.webhookId}/callback`, pid: () => n8n.pid },
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
	/** From the start request to the last task's create, in ms. */
	createdMs: number;
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
		createdMs: Math.max(0, ...creates.map((entry) => entry.at)) - started,
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
			const line = `| ${size} | ${(poll.wallMs / 1000).toFixed(1)} s | ${(callback.wallMs / 1000).toFixed(1)} s | ${(callback.wallMs / poll.wallMs).toFixed(2)} | ${poll.meanPolls.toFixed(2)} / ${poll.maxPolls} | ${callback.meanPolls.toFixed(2)} / ${callback.maxPolls} | ${(poll.createdMs / 1000).toFixed(1)} s / ${(callback.createdMs / 1000).toFixed(1)} s | ${where} | ${callback.refused} of ${callback.deliveries} |`;
			console.log(line);
			rows.push(line);
		}
		console.log(
			`\nmachine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}; ${bench.description}; fake video ${GENERATION_MS / 1000} s; poll interval ${SETUP === 'queue' ? 1 : POLL_SECONDS} s\n`,
		);
		console.log(
			'| items in one execution | poll | callback | callback / poll | status requests per task, poll (mean / max) | callback (mean / max) | last task created, poll / callback | callbacks went to | callback deliveries answered non-2xx |',
		);
		console.log('|---|---|---|---|---|---|---|---|---|');
		for (const row of rows) console.log(row);
		if (bench.floor && process.platform === 'linux') {
			const floor = await measureFloor(bench.floor);
			const largest = Math.max(...SIZES);
			console.log(
				`\nn8n's own cost of one callback request (1000 requests the node answers at once, 10 at a time): ${floor.cpuMs.toFixed(1)} ms of n8n CPU, ${floor.wallMs.toFixed(1)} ms of wall time (${Math.round(1000 / floor.wallMs)} requests/s). ${largest} items bring ${3 * largest} deliveries (pending, processing, completed): about ${((3 * largest * floor.wallMs) / 1000).toFixed(1)} s of n8n's time.`,
			);
		}
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
