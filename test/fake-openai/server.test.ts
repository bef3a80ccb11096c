/**
 * The fake OpenAI-compatible server plays its script over both APIs n8n's OpenAI Chat Model uses:
 * a tool call first, then a final answer quoting the video URL of the tool's result.
 */
import { startFakeOpenAi, type FakeOpenAi } from './server';

type Json = Record<string, unknown>;

const KIRIN_TOOL = {
	type: 'function',
	name: 'Kirin',
	description: 'Generate videos',
	parameters: {
		type: 'object',
		properties: { model: { type: 'string' }, prompt: { type: 'string' } },
		required: ['model', 'prompt'],
	},
};

let ai: FakeOpenAi;

beforeEach(async () => {
	ai = await startFakeOpenAi({
		toolArguments: { model: 'kirin_v1_t2v', prompt: 'a fox', negativePrompt: 'rain' },
	});
});

afterEach(async () => {
	await ai.close();
});

async function post(path: string, body: Json, key = ai.apiKey): Promise<Response> {
	return await fetch(`${ai.url}${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
		body: JSON.stringify(body),
	});
}

describe('fake OpenAI server', () => {
	it('refuses a wrong key', async () => {
		const response = await post('/chat/completions', { model: 'x', messages: [] }, 'sk-wrong');
		expect(response.status).toBe(401);
	});

	it('chat completions: calls the tool with the arguments its schema lists, then quotes the video URL', async () => {
		const tools = [{ type: 'function', function: KIRIN_TOOL }];
		const first = (await (
			await post('/chat/completions', {
				model: 'gpt-4o-mini',
				messages: [{ role: 'user', content: 'make a video' }],
				tools,
			})
		).json()) as { choices: Array<{ message: Json; finish_reason: string }> };
		const call = (first.choices[0].message.tool_calls as Array<{ id: string; function: Json }>)[0];
		expect(first.choices[0].finish_reason).toBe('tool_calls');
		expect(call.function.name).toBe('Kirin');
		expect(JSON.parse(String(call.function.arguments))).toEqual({
			model: 'kirin_v1_t2v',
			prompt: 'a fox',
		});
		expect(ai.problems).toEqual([
			'tool Kirin has no argument "negativePrompt" (it has: model, prompt)',
		]);

		const second = (await (
			await post('/chat/completions', {
				model: 'gpt-4o-mini',
				messages: [
					{ role: 'user', content: 'make a video' },
					{ role: 'assistant', content: null, tool_calls: [call] },
					{
						role: 'tool',
						tool_call_id: call.id,
						content: '[{"videoUrl":"http://127.0.0.1:9/files/tsk_1.mp4"}]',
					},
				],
				tools,
			})
		).json()) as { choices: Array<{ message: Json }> };
		expect(second.choices[0].message.content).toBe(
			'Your video is ready: http://127.0.0.1:9/files/tsk_1.mp4',
		);
		expect(ai.toolCalls).toHaveLength(1);
		expect(ai.toolResults).toEqual(['[{"videoUrl":"http://127.0.0.1:9/files/tsk_1.mp4"}]']);
	});

	it('responses API, streamed: a function call, then the final text', async () => {
		const events = async (body: Json) =>
			(await (await post('/responses', { ...body, stream: true })).text())
				.split('\n')
				.filter((line) => line.startsWith('data: '))
				.map((line) => JSON.parse(line.slice(6)) as Json);
		const first = await events({
			model: 'gpt-4o-mini',
			input: 'make a video',
			tools: [KIRIN_TOOL],
		});
		const done = first.find((event) => event.type === 'response.completed')!.response as {
			output: Json[];
		};
		expect(done.output[0]).toMatchObject({ type: 'function_call', name: 'Kirin' });
		const callId = String(done.output[0].call_id);

		const second = await events({
			model: 'gpt-4o-mini',
			input: [
				{ role: 'user', content: 'make a video' },
				done.output[0],
				{ type: 'function_call_output', call_id: callId, output: 'video at https://x.test/v.mp4' },
			],
			tools: [KIRIN_TOOL],
		});
		const final = second.find((event) => event.type === 'response.completed')!.response as {
			output: Array<{ content: Array<{ text: string }> }>;
		};
		expect(final.output[0].content[0].text).toBe('Your video is ready: https://x.test/v.mp4');
	});

	it('answers without a call when no tool matches', async () => {
		const response = (await (
			await post('/responses', { model: 'gpt-4o-mini', input: 'hi', tools: [] })
		).json()) as { output: Array<{ type: string }> };
		expect(response.output[0].type).toBe('message');
		expect(ai.toolCalls).toHaveLength(0);
		expect(ai.problems[0]).toMatch(/no tool matching/);
	});
});
