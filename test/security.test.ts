/**
 * What arrives over the network is not trusted: secrets bind to what they protect, a wake must be
 * signed for its execution, a URL is checked before it is fetched, and odd status names stay data.
 */
import { normaliseStatus, parseTask } from '../nodes/shared/task';
import { deriveSecret, secretMatches, withTriggerSecret } from '../nodes/shared/secrets';
import { refusedAddress } from '../nodes/shared/transport/addressGuard';
import {
	callbackUrl,
	verifiedParams,
	type BatchParams,
} from '../nodes/Kirin/completion/callback/params';
import { readWake, signedWake, type WakeMessage } from '../nodes/Kirin/completion/callback/wake';

const API_KEY = 'sk-test-key';
const params: BatchParams = {
	batch: 'b1c2d3e4f5a6b7c8',
	itemIndex: 3,
	taskCount: 5,
	externalTaskId: 'n8n-41-3-abcdef',
	deadline: 1_900_000_000_000,
	intervalMs: 10_000,
	resumeUrl: 'https://n8n.example.com/webhook-waiting/41?signature=tok',
};

function queryOf(url: string): Record<string, string> {
	return Object.fromEntries(new URL(url).searchParams);
}

describe('callback URL secret', () => {
	const url = callbackUrl('https://n8n.example.com/webhook/abc/callback', params, API_KEY);

	it('verifies the parameters it was made for', () => {
		expect(verifiedParams(queryOf(url), API_KEY)).toEqual(params);
	});

	it.each([
		['kirinItem', '4'],
		['kirinCount', '1'],
		['kirinExternal', 'someone-elses-task'],
		['kirinDeadline', String(params.deadline + 1)],
		['kirinBatch', 'ffffffffffffffff'],
		[
			'kirinResume',
			Buffer.from('https://n8n.example.com/webhook-waiting/42').toString('base64url'),
		],
	])('refuses the URL when %s is changed', (name, value) => {
		expect(verifiedParams({ ...queryOf(url), [name]: value }, API_KEY)).toBeUndefined();
	});

	it('refuses another API key, a missing secret and a non-ASCII secret without throwing', () => {
		expect(verifiedParams(queryOf(url), 'sk-other')).toBeUndefined();
		const { kirinSecret: _secret, ...noSecret } = queryOf(url);
		expect(verifiedParams(noSecret, API_KEY)).toBeUndefined();
		expect(
			verifiedParams({ ...queryOf(url), kirinSecret: 'é'.repeat(32) }, API_KEY),
		).toBeUndefined();
		expect(secretMatches('ü'.repeat(32), deriveSecret(API_KEY, 'x', 'y'))).toBe(false);
		expect(secretMatches(['array'], 'x')).toBe(false);
	});
});

describe('wake requests', () => {
	const message: WakeMessage = {
		batch: params.batch,
		reason: 'complete',
		deadline: params.deadline,
		results: [{ itemIndex: 0, task: { taskId: 'tsk_1', status: 'completed' } }],
		anchors: [{ itemIndex: 0, externalTaskId: 'n8n-41-0' }],
	};

	it('are accepted only for the execution they were signed for', () => {
		const body = signedWake(message, API_KEY, '41');
		expect(readWake(body, API_KEY, '41')).toEqual(message);
		expect(readWake(body, API_KEY, '42')).toBe('forged');
		expect(readWake(body, 'sk-other', '41')).toBe('forged');
	});

	it('are refused when the results were changed', () => {
		const body = signedWake(message, API_KEY, '41') as { kirinWake: WakeMessage };
		body.kirinWake.results[0].task = { taskId: 'tsk_1', status: 'completed', contents: [] };
		expect(readWake(body, API_KEY, '41')).toBe('forged');
	});

	it('leave any other body alone', () => {
		expect(readWake({ task_id: 'tsk_1', status: 'completed' }, API_KEY, '41')).toBeUndefined();
	});
});

describe('trigger secret', () => {
	const own = 'https://n8n.example.com/webhook-waiting/7?signature=x';

	it('is added to a URL on this instance', () => {
		const url = withTriggerSecret('https://n8n.example.com/webhook/trig-1/callback', API_KEY, own);
		expect(new URL(url!).searchParams.get('secret')).toBe(
			deriveSecret(API_KEY, 'trigger', 'trig-1'),
		);
	});

	it('is never handed to another host', () => {
		for (const other of [
			'http://other-host/webhook/trig-1/callback',
			'https://n8n.example.com.evil.test/webhook/trig-1/callback',
			'http://n8n.example.com/webhook/trig-1/callback',
		]) {
			expect(withTriggerSecret(other, API_KEY, own)).toBe(other);
		}
	});
});

describe('download address check', () => {
	it.each([
		'http://127.0.0.1/x.mp4',
		'http://127.1.2.3:8080/x.mp4',
		'http://localhost/x.mp4',
		'http://files.localhost/x.mp4',
		'http://10.0.0.5/x.mp4',
		'http://172.16.0.1/x.mp4',
		'http://192.168.1.10/x.mp4',
		'http://169.254.169.254/latest/meta-data',
		'http://100.64.0.1/x.mp4',
		'http://0.0.0.0/x.mp4',
		'http://[::1]/x.mp4',
		'http://[fd00::1]/x.mp4',
		'http://[fe80::1]/x.mp4',
		'http://[::ffff:127.0.0.1]/x.mp4',
		'file:///etc/passwd',
	])('refuses %s', (url) => {
		expect(refusedAddress(url)).toBeDefined();
	});

	it.each([
		'https://cdn.example.com/x.mp4',
		'http://93.184.216.34/x.mp4',
		'https://[2606:4700::1]/x',
	])('allows %s', (url) => {
		expect(refusedAddress(url)).toBeUndefined();
	});
});

describe('status names', () => {
	it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
		'%s is an unknown status, so still in progress',
		(status) => {
			expect(normaliseStatus(status)).toBe('processing');
			expect(parseTask({ task_id: 't', status })!.status).toBe('processing');
		},
	);
});
