/**
 * Callback against poll in a real n8n: the queue-mode cluster of the scale-out scenario (n8n main,
 * two webhook processes behind a round-robin proxy, one worker, Redis, PostgreSQL) with the fake
 * Kirin server (4 s per video) and one active workflow, Webhook -> Split Out -> Kirin -> HTTP
 * Request, whose Completion each batch picks in its request body. For each batch size (50, 200, 400
 * items in one execution; KIRIN_BENCH_SIZES=50,200 to change) it runs the batch in poll mode, then
 * in callback mode, and prints the wall time until the last item's result arrived, status requests
 * per task and callback deliveries n8n answered with anything but 2xx, as a markdown table with the
 * callback/poll ratio measured in the same run.
 *
 *   npm run bench:callback
 */
import '../test/harness/setup';

import { cpus, totalmem } from 'os';

import { startCluster, teardown, type Scale } from './queue/scaleout';

const SIZES = (process.env.KIRIN_BENCH_SIZES ?? '50,200,400').split(',').map(Number);

interface Figures {
	wallMs: number;
	meanPolls: number;
	maxPolls: number;
	refused: number;
	deliveries: number;
}

async function runBatch(s: Scale, mode: 'poll' | 'callback', size: number): Promise<Figures> {
	const label = `${mode}${size}`;
	const items = Array.from({ length: size }, (_, index) => ({
		id: `${label}-0-${index}`,
		prompt: `${label} item ${index}`,
	}));
	const started = Date.now();
	const response = await fetch(`${s.proxy.url}/webhook/kirin-scale-batch`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ mode, items }),
	});
	if (response.status !== 200)
		throw new Error(`starting the ${label} batch answered ${response.status}`);
	const deadline = started + 20 * 60_000;
	const mine = () => s.receiver.of(label);
	while (mine().length < size) {
		if (Date.now() > deadline)
			throw new Error(`${label}: ${mine().length} of ${size} results after 20 minutes`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	const wallMs = Date.now() - started;
	const creates = s.fake.ledger
		.creates()
		.filter((entry) => String((entry.body as { prompt?: string }).prompt).startsWith(`${label} `));
	const polls = creates.map((entry) => s.fake.ledger.statusPolls(entry.createdTaskId!));
	const taskIds = new Set(creates.map((entry) => entry.createdTaskId));
	const deliveries = s.fake.ledger.callbacks().filter((attempt) => taskIds.has(attempt.taskId));
	return {
		wallMs,
		meanPolls: polls.reduce((sum, value) => sum + value, 0) / Math.max(1, polls.length),
		maxPolls: Math.max(0, ...polls),
		refused: deliveries.filter((attempt) => !(attempt.httpStatus && attempt.httpStatus < 300))
			.length,
		deliveries: deliveries.length,
	};
}

async function main(): Promise<void> {
	const s = await startCluster("={{ $('Start').first().json.body.mode }}");
	try {
		const rows: string[] = [];
		for (const size of SIZES) {
			const poll = await runBatch(s, 'poll', size);
			const callback = await runBatch(s, 'callback', size);
			const line = `| ${size} | ${(poll.wallMs / 1000).toFixed(1)} s | ${(callback.wallMs / 1000).toFixed(1)} s | ${(callback.wallMs / poll.wallMs).toFixed(2)} | ${poll.meanPolls.toFixed(2)} / ${poll.maxPolls} | ${callback.meanPolls.toFixed(2)} / ${callback.maxPolls} | ${callback.refused} of ${callback.deliveries} |`;
			console.log(line);
			rows.push(line);
		}
		console.log(
			`\nmachine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB; n8n queue mode, 2 webhook processes behind a round-robin proxy, 1 worker; fake video 4 s; poll interval 1 s\n`,
		);
		console.log(
			'| items in one execution | poll | callback | callback / poll | status requests per task, poll (mean / max) | callback (mean / max) | callback deliveries answered non-2xx |',
		);
		console.log('|---|---|---|---|---|---|---|');
		for (const row of rows) console.log(row);
	} finally {
		await teardown();
	}
}

main().then(
	() => setTimeout(() => process.exit(0), 500).unref(),
	(error: unknown) => {
		console.error(error);
		void teardown().finally(() => process.exit(1));
	},
);
