/**
 * Callback against poll in a real n8n: one n8n (`n8n start`, SQLite, regular mode) with the package,
 * the fake Kirin server (3 s per video) and two active workflows, Webhook -> Split Out -> Kirin ->
 * HTTP Request, one polling (interval 0.5 s) and one waiting for callbacks. For each batch size (50,
 * 200, 400 items in one execution; KIRIN_BENCH_SIZES=50,200 to change) it runs the batch in poll
 * mode, then in callback mode, and prints the wall time until the last item's result arrived,
 * status requests per task, and callback deliveries n8n answered with anything but 2xx, as a
 * markdown table with the callback/poll ratio measured in the same run.
 *
 *   npm run bench:callback
 */
import '../test/harness/setup';

import { cpus, totalmem } from 'os';

import { startFakeKirin, type FakeKirin } from '../test/fake-kirin/server';
import { installN8n, N8nInstance } from './e2e/n8n';
import { batchWorkflow, BatchReceiver } from './queue/batch';

const SIZES = (process.env.KIRIN_BENCH_SIZES ?? '50,200,400').split(',').map(Number);
const OPTIONS = { pollInterval: 0.5, timeout: 10, maxConcurrency: 10 };

interface Figures {
	wallMs: number;
	meanPolls: number;
	maxPolls: number;
	refused: number;
	deliveries: number;
}

async function runBatch(
	n8n: N8nInstance,
	fake: FakeKirin,
	receiver: BatchReceiver,
	mode: 'poll' | 'callback',
	size: number,
): Promise<Figures> {
	const label = `${mode}${size}`;
	const items = Array.from({ length: size }, (_, index) => ({
		id: `${label}-0-${index}`,
		prompt: `${label} item ${index}`,
	}));
	// Right after n8n starts, a production webhook can answer 404 for a moment: try again.
	let status = 0;
	for (let attempt = 0; attempt < 60 && status !== 200; attempt++) {
		if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
		const response = await fetch(`${n8n.url}/webhook/kirin-bench-${mode}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ items }),
		});
		status = response.status;
		if (status !== 404) break;
	}
	if (status !== 200) throw new Error(`starting the ${label} batch answered ${status}`);
	const started = Date.now();
	const deadline = started + 20 * 60_000;
	const mine = () => receiver.delivered.filter((entry) => entry.id.startsWith(`${label}-`));
	while (mine().length < size) {
		if (Date.now() > deadline)
			throw new Error(`${label}: ${mine().length} of ${size} results after 20 minutes`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	const wallMs = Date.now() - started;
	const creates = fake.ledger
		.creates()
		.filter((entry) => String((entry.body as { prompt?: string }).prompt).startsWith(`${label} `));
	const polls = creates.map((entry) => fake.ledger.statusPolls(entry.createdTaskId!));
	const taskIds = new Set(creates.map((entry) => entry.createdTaskId));
	const deliveries = fake.ledger.callbacks().filter((attempt) => taskIds.has(attempt.taskId));
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
	const install = installN8n();
	const fake = await startFakeKirin({ generationMs: 3000 });
	const receiver = await new BatchReceiver().start();
	const n8n = await N8nInstance.create(install, {});
	try {
		await n8n.import('credentials', [
			{
				id: 'kirinScaleCredential',
				name: 'Kirin (fake)',
				type: 'kirinApi',
				data: { apiKey: fake.apiKey, baseUrl: fake.url },
			},
		]);
		await n8n.import('workflow', [
			batchWorkflow(receiver.url, 'benchPoll', 'kirin-bench-poll', 'poll', OPTIONS),
			batchWorkflow(receiver.url, 'benchCallback', 'kirin-bench-callback', 'callback', OPTIONS),
		]);
		await n8n.publish('benchPoll');
		await n8n.publish('benchCallback');
		await n8n.start(180_000);
		const rows: string[] = [];
		for (const size of SIZES) {
			const poll = await runBatch(n8n, fake, receiver, 'poll', size);
			const callback = await runBatch(n8n, fake, receiver, 'callback', size);
			const line = `| ${size} | ${(poll.wallMs / 1000).toFixed(1)} s | ${(callback.wallMs / 1000).toFixed(1)} s | ${(callback.wallMs / poll.wallMs).toFixed(2)} | ${poll.meanPolls.toFixed(2)} / ${poll.maxPolls} | ${callback.meanPolls.toFixed(2)} / ${callback.maxPolls} | ${callback.refused} of ${callback.deliveries} |`;
			console.log(line);
			rows.push(line);
		}
		console.log(
			`\nmachine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB; n8n ${install.version}, SQLite, regular mode; fake video 3 s; poll interval 0.5 s\n`,
		);
		console.log(
			'| items in one execution | poll | callback | callback / poll | status requests per task, poll (mean / max) | callback (mean / max) | callback deliveries answered non-2xx |',
		);
		console.log('|---|---|---|---|---|---|---|');
		for (const row of rows) console.log(row);
	} finally {
		await n8n.stop();
		n8n.remove();
		await receiver.close();
		await fake.close();
	}
}

main().then(
	() => setTimeout(() => process.exit(0), 500).unref(),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
