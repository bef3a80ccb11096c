import {
	sendWake,
	settled,
	type Post,
	type WakeAnswer,
} from '../nodes/Kirin/completion/callback/sendWake';
import {
	armSweep,
	markWoken,
	recordTerminal,
	wakeFailed,
} from '../nodes/Kirin/completion/callback/tracker';
import type { BatchParams } from '../nodes/Kirin/completion/callback/params';
import type { Task } from '../nodes/shared/task';
import { sleep, waitFor } from './harness/wait';

let executions = 0;

/** The parameters of a fresh batch of `taskCount` tasks, on an execution no other test uses. */
function batch(taskCount: number, deadlineInMs: number, intervalMs = 10): BatchParams {
	executions++;
	return {
		batch: `batch-${executions}`,
		itemIndex: 0,
		taskCount,
		externalTaskId: `n8n-${executions}-0`,
		deadline: Date.now() + deadlineInMs,
		intervalMs,
		resumeUrl: `http://127.0.0.1:1/webhook-waiting/tracker-${executions}`,
	};
}

const completed = { taskId: 'tsk_1', status: 'completed', rawStatus: 'completed' } as Task;

/** A resume URL that answers every wake with `answer`, counting the wakes. */
function answering(answer: Partial<WakeAnswer>): Post & { wakes: number } {
	const post = Object.assign(
		async (): Promise<WakeAnswer> => {
			post.wakes++;
			return { status: 200, resumed: false, running: false, ...answer };
		},
		{ wakes: 0 },
	);
	return post;
}

describe('wake answers', () => {
	test.each([
		[{ status: 200, resumed: true, running: false }, true],
		[{ status: 404, resumed: false, running: false }, true],
		[{ status: 409, resumed: false, running: false }, true],
		[{ status: 403, resumed: false, running: false }, true],
		[{ status: 409, resumed: false, running: true }, true],
		[{ status: 200, resumed: false, running: false }, false],
		[{ status: 503, resumed: false, running: false }, false],
		[{ status: 0, resumed: false, running: false }, false],
	])('%j settles the batch for the sender: %s', (answer, expected) => {
		expect(settled(answer)).toBe(expected);
	});

	test('a wake n8n keeps refusing as running is given up after a few seconds (another process resumed the batch)', async () => {
		let wakes = 0;
		const post: Post = async () => {
			wakes++;
			return { status: 409, resumed: false, running: true };
		};
		const answer = await sendWake(post, batch(1, 60_000), {});
		expect(answer.running).toBe(true);
		expect(settled(answer)).toBe(true);
		expect(wakes).toBe(5);
	}, 15_000);

	test('a wake n8n refused because the execution is running (not saved as waiting yet) is sent again', async () => {
		const answers: WakeAnswer[] = [
			{ status: 409, resumed: false, running: true },
			{ status: 200, resumed: true, running: false },
		];
		let wakes = 0;
		const post: Post = async () => answers[Math.min(wakes++, answers.length - 1)];
		const answer = await sendWake(post, batch(1, 60_000), {});
		expect(answer.resumed).toBe(true);
		expect(wakes).toBe(2);
	});
});

describe('sweeps', () => {
	test('a batch whose wake did not resume it is swept later, so it still resumes', async () => {
		const params = batch(1, 60_000);
		expect(recordTerminal(params, completed).state).toBe('complete');
		// The resume URL answered the wake without resuming (a task another process reported could
		// not be looked up): the batch is no longer taken as woken, and a sweep follows.
		const post = answering({ resumed: true });
		wakeFailed(params, post, 'sk-test');
		await waitFor(() => post.wakes === 1, { timeoutMs: 3000, what: 'a sweep' });
		// Resumed by the sweep: no further sweeps.
		await sleep(1200);
		expect(post.wakes).toBe(1);
	});

	test('a batch whose wake failed right after its sweeper was stopped is still swept', async () => {
		const params = batch(2, 60_000);
		const first = answering({ resumed: false });
		// A sweep armed by the first task's end, stopped when the second ended the batch here ...
		expect(recordTerminal(params, completed).state).toBe('pending');
		armSweep(params, first, 'sk-test');
		expect(
			recordTerminal({ ...params, itemIndex: 1, externalTaskId: 'n8n-x-1' }, completed).state,
		).toBe('complete');
		// ... and the wake failing at once (the resume URL handled it in the same request).
		const post = answering({ resumed: true });
		wakeFailed(params, post, 'sk-test');
		await waitFor(() => post.wakes === 1, { timeoutMs: 3000, what: 'a sweep' });
		expect(first.wakes).toBe(0);
	});

	test('a sweep names every item the process heard from, so the waiting execution can tell its batch even by an item stored without its external task id', async () => {
		const params = batch(3, 60_000);
		recordTerminal({ ...params, itemIndex: 2, externalTaskId: 'n8n-y-2' }, completed);
		recordTerminal(params, completed);
		let body: Record<string, unknown> = {};
		const post: Post = async (_url, sent) => {
			body = sent;
			return { status: 200, resumed: true, running: false };
		};
		armSweep(params, post, 'sk-test', Date.now());
		await waitFor(() => body.kirinWake !== undefined, { what: 'a sweep' });
		expect((body.kirinWake as { anchors: unknown }).anchors).toEqual([
			{ itemIndex: 2, externalTaskId: 'n8n-y-2' },
			{ itemIndex: 0, externalTaskId: params.externalTaskId },
		]);
	});

	test('sweeps after the deadline keep a quiet period between them', async () => {
		const params = batch(2, 100);
		const post = answering({ resumed: false });
		armSweep(params, post, 'sk-test', params.deadline);
		await sleep(2500);
		// The deadline's sweep, then one after a quiet period of 1 s, then 2 s later.
		expect(post.wakes).toBeGreaterThanOrEqual(1);
		expect(post.wakes).toBeLessThanOrEqual(3);
		markWoken(params); // ends its sweeps
		// Refused (the API key changed): the sweeps end.
		const refused = batch(2, 100);
		const forbidden = answering({ status: 403 });
		armSweep(refused, forbidden, 'sk-test', refused.deadline);
		await sleep(1500);
		expect(forbidden.wakes).toBe(1);
	});
});
