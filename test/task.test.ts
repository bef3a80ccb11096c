/**
 * `parseTask` reads the API's task envelope (`task_id`, `status`, `output`, `usage`, `error`):
 * status synonyms, output as an array or a single object, `usage.cost` as a USD string turned into
 * a number, and errors.
 */
import { isFinished, normaliseStatus, parseTask, videosOf } from '../nodes/shared/task';
import { taskToJson } from '../nodes/shared/items';

const COMPLETED = {
	task_id: 'tsk_8f2c1d',
	external_task_id: 'campaign-42-item-7',
	model: 'kirin_v2_6_t2v',
	status: 'completed',
	created_at: '2026-11-20T10:00:00Z',
	updated_at: '2026-11-20T10:03:12Z',
	output: [{ content: [{ type: 'video', url: 'https://cdn.example/tsk_8f2c1d.mp4' }] }],
	usage: { cost: '0.35', discount: 0 },
	error: null,
	metadata: {},
};

describe('parseTask', () => {
	it('reads a task with every field of the envelope', () => {
		expect(parseTask(COMPLETED)).toEqual({
			taskId: 'tsk_8f2c1d',
			externalTaskId: 'campaign-42-item-7',
			model: 'kirin_v2_6_t2v',
			status: 'completed',
			rawStatus: 'completed',
			createdAt: '2026-11-20T10:00:00Z',
			updatedAt: '2026-11-20T10:03:12Z',
			contents: [{ type: 'video', url: 'https://cdn.example/tsk_8f2c1d.mp4' }],
			costUsd: 0.35,
			discount: 0,
			error: undefined,
			metadata: {},
		});
	});

	it.each<[string, string]>([
		['pending', 'pending'],
		['queued', 'pending'],
		['submitted', 'pending'],
		['processing', 'processing'],
		['running', 'processing'],
		['in_progress', 'processing'],
		['completed', 'completed'],
		['succeed', 'completed'],
		['succeeded', 'completed'],
		['success', 'completed'],
		['SUCCEEDED', 'completed'],
		['failed', 'failed'],
		['fail', 'failed'],
		['error', 'failed'],
		['cancelled', 'failed'],
		['rendering', 'processing'],
		['', 'processing'],
	])('status %p is %s', (raw, status) => {
		const task = parseTask({ task_id: 't', status: raw })!;
		expect(task.status).toBe(status);
		expect(task.rawStatus).toBe(raw);
		expect(normaliseStatus(raw)).toBe(status);
	});

	it('treats only completed and failed as finished; unknown statuses keep the task in progress', () => {
		expect(isFinished(parseTask({ task_id: 't', status: 'success' })!)).toBe(true);
		expect(isFinished(parseTask({ task_id: 't', status: 'cancelled' })!)).toBe(true);
		expect(isFinished(parseTask({ task_id: 't', status: 'queued' })!)).toBe(false);
		expect(isFinished(parseTask({ task_id: 't', status: 'weird' })!)).toBe(false);
		expect(isFinished(parseTask({ task_id: 't' })!)).toBe(false);
	});

	it('accepts output as a single object with content', () => {
		const task = parseTask({
			...COMPLETED,
			output: { content: [{ type: 'video', url: 'https://cdn.example/one.mp4' }] },
		})!;
		expect(task.contents).toEqual([{ type: 'video', url: 'https://cdn.example/one.mp4' }]);
	});

	it('collects the contents of every result in order, with sizes as text', () => {
		const task = parseTask({
			...COMPLETED,
			output: [
				{
					content: [
						{ type: 'video', url: 'https://cdn.example/a.mp4' },
						{ type: 'image', url: 'https://cdn.example/a.jpg', size: 1024 },
					],
				},
				{ content: [{ url: 'https://cdn.example/b.mp4' }, { type: 'video' }, 'junk'] },
			],
		})!;
		expect(task.contents).toEqual([
			{ type: 'video', url: 'https://cdn.example/a.mp4' },
			{ type: 'image', url: 'https://cdn.example/a.jpg', size: '1024' },
			{ type: 'video', url: 'https://cdn.example/b.mp4' },
		]);
		expect(videosOf(task).map((video) => video.url)).toEqual([
			'https://cdn.example/a.mp4',
			'https://cdn.example/b.mp4',
		]);
	});

	it('has no contents and no cost while in progress', () => {
		const task = parseTask({ task_id: 't', status: 'processing', output: null, usage: null })!;
		expect(task.contents).toEqual([]);
		expect(task.costUsd).toBeUndefined();
	});

	it.each<[unknown, number | undefined]>([
		['0.35', 0.35],
		['4.20', 4.2],
		['0', 0],
		[1.5, 1.5],
		['free', undefined],
		[undefined, undefined],
	])('reads cost %p as %p', (cost, expected) => {
		expect(
			parseTask({ task_id: 't', status: 'completed', usage: { cost, discount: 0.1 } })!.costUsd,
		).toBe(expected);
	});

	it('reads the error of a failed task (error_message, or message)', () => {
		expect(
			parseTask({
				task_id: 't',
				status: 'failed',
				error: { code: '002014095', error_message: 'Internal generation error' },
			})!.error,
		).toEqual({
			code: '002014095',
			message: 'Internal generation error',
		});
		expect(
			parseTask({
				task_id: 't',
				status: 'failed',
				error: { code: 2014099, message: 'Task creation error' },
			})!.error,
		).toEqual({
			code: '2014099',
			message: 'Task creation error',
		});
	});

	it('turns a numeric task id into text', () => {
		expect(parseTask({ task_id: 12345, status: 'pending' })!.taskId).toBe('12345');
	});

	it.each<[string, unknown]>([
		['no task_id', { status: 'pending' }],
		['a null task_id', { task_id: null, status: 'pending' }],
		['an error body', { error: { code: 'not_found', message: 'no task' } }],
		['an array', [COMPLETED]],
		['text', 'tsk_1'],
		['null', null],
	])('returns nothing for %s', (_name, body) => {
		expect(parseTask(body)).toBeUndefined();
	});
});

describe('taskToJson', () => {
	it('gives the output item fields of a completed task', () => {
		expect(taskToJson(parseTask(COMPLETED)!)).toEqual({
			taskId: 'tsk_8f2c1d',
			externalTaskId: 'campaign-42-item-7',
			model: 'kirin_v2_6_t2v',
			status: 'completed',
			videoUrl: 'https://cdn.example/tsk_8f2c1d.mp4',
			videos: [{ type: 'video', url: 'https://cdn.example/tsk_8f2c1d.mp4' }],
			costUsd: 0.35,
			discount: 0,
			metadata: {},
			createdAt: '2026-11-20T10:00:00Z',
			updatedAt: '2026-11-20T10:03:12Z',
		});
	});

	it("explains the error code of a failed task with the model's page", () => {
		const json = taskToJson(
			parseTask({
				task_id: 't',
				model: 'kirin_v1_t2v',
				status: 'failed',
				error: { code: '002001098', error_message: 'Status check error' },
			})!,
		);
		expect(json.error).toEqual({
			code: '002001098',
			message: 'Status check error',
			meaning: 'Kirin V1 - Text to Video: status check error',
		});
		expect(json).not.toHaveProperty('videoUrl');
	});
});
